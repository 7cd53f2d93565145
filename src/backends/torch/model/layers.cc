// Each neutral layer becomes the torch::nn module a PyTorch user would write for it. Torch's own
// layouts are the neutral ones (NCHW, Linear [out, in], OIHW, LSTM gates i,f,g,o with w_ih,
// w_hh, b_ih, b_hh), so the initial parameters are copied in unconverted. Small modules adapt
// what nn has no exact module for: residual blocks, float token ids, LSTM's last h, learned
// positions, self-attention with separate projections and the padding mask, a masked mean.
#include "backends/torch/model/layers.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.h"

namespace versus::th {
namespace {

// out = body(x) + shortcut(x); an empty shortcut is the identity.
// loc: begin layer residual
class ResidualImpl : public torch::nn::Module {
 public:
  ResidualImpl(torch::nn::Sequential body, torch::nn::Sequential shortcut)
      : body_(register_module("body", std::move(body))),
        shortcut_(register_module("shortcut", std::move(shortcut))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    return body_->forward(x) + (shortcut_->is_empty() ? x : shortcut_->forward(x));
  }

 private:
  torch::nn::Sequential body_, shortcut_;
};
// loc: end
TORCH_MODULE(Residual);

// Which positions of the current batch hold real tokens (id 0 is padding, nets/network.h): set by
// the token embedding, read by attention and mean pooling further down the Sequential, as a
// model's forward(ids) would pass its key_padding_mask along.
struct TokenMask {
  torch::Tensor real;  // [batch, time], bool
};

// The harness passes token ids as float values; nn::Embedding indexes with int64. The mask is
// set only where a later layer reads it (nets/network.h's needs_token_mask), else it is null.
// loc: begin layer embedding
class TokenEmbeddingImpl : public torch::nn::Module {
 public:
  TokenEmbeddingImpl(torch::nn::EmbeddingOptions options, std::shared_ptr<TokenMask> mask)
      : embedding(register_module("embedding", torch::nn::Embedding(options))), mask_(std::move(mask)) {}

  torch::Tensor forward(const torch::Tensor& ids) {
    if (mask_) mask_->real = ids.ne(0);
    return embedding(ids.to(torch::kLong));
  }

  torch::nn::Embedding embedding;

 private:
  std::shared_ptr<TokenMask> mask_;
};
// loc: end
TORCH_MODULE(TokenEmbedding);

// Learned positions: row t of the table added at position t.
// loc: begin layer positional_embedding
class PositionalEmbeddingImpl : public torch::nn::Module {
 public:
  PositionalEmbeddingImpl(int64_t positions, int64_t width)
      : weight(register_parameter("weight", torch::empty({positions, width}))) {}

  torch::Tensor forward(const torch::Tensor& x) { return x + weight.slice(0, 0, x.size(1)); }

  torch::Tensor weight;
};
// loc: end
TORCH_MODULE(PositionalEmbedding);

// Self-attention as nn.MultiheadAttention computes it, with separate q, k, v projections (the
// neutral layout) and F.scaled_dot_product_attention; padding keys masked.
// loc: begin layer multi_head_attention
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t width, int64_t heads, std::shared_ptr<TokenMask> mask)
      : q(register_module("q", torch::nn::Linear(width, width))),
        k(register_module("k", torch::nn::Linear(width, width))),
        v(register_module("v", torch::nn::Linear(width, width))),
        o(register_module("o", torch::nn::Linear(width, width))),
        heads_(heads),
        mask_(std::move(mask)) {}

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t batch = x.size(0), time = x.size(1), width = x.size(2);
    auto split = [&](const torch::Tensor& t) { return t.view({batch, time, heads_, width / heads_}).transpose(1, 2); };
    const torch::Tensor keep = mask_->real.view({batch, 1, 1, time});
    const torch::Tensor out = torch::scaled_dot_product_attention(split(q(x)), split(k(x)), split(v(x)), keep);
    return o(out.transpose(1, 2).reshape({batch, time, width}));
  }

  torch::nn::Linear q, k, v, o;

 private:
  int64_t heads_;
  std::shared_ptr<TokenMask> mask_;
};
// loc: end
TORCH_MODULE(SelfAttention);

// [batch, time, features] -> [batch, features]: the mean over the real positions.
// loc: begin layer mean_pool
class MaskedMeanPoolImpl : public torch::nn::Module {
 public:
  explicit MaskedMeanPoolImpl(std::shared_ptr<TokenMask> mask) : mask_(std::move(mask)) {}

  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor real = mask_->real.unsqueeze(-1).to(x.dtype());
    return (x * real).sum(1) / real.sum(1);
  }

 private:
  std::shared_ptr<TokenMask> mask_;
};
// loc: end
TORCH_MODULE(MaskedMeanPool);

// The fused nn::LSTM over [batch, time, features]; the layer's output is the last step's h.
// loc: begin layer lstm
class LastStepLstmImpl : public torch::nn::Module {
 public:
  explicit LastStepLstmImpl(torch::nn::LSTMOptions options)
      : lstm(register_module("lstm", torch::nn::LSTM(options))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    const auto [sequence, state] = lstm(x);
    return std::get<0>(state)[0];  // h_n: [layers = 1, batch, hidden]
  }

  torch::nn::LSTM lstm;
};
// loc: end
TORCH_MODULE(LastStepLstm);

[[noreturn]] void unsupported(const Layer& l, const std::string& why) {
  throw UnsupportedCase(fmt::format("torch: {} layer '{}' is not supported: {}", l.type, l.name, why));
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class Builder {
 public:
  Builder(const Network& net, const std::vector<HostTensor>& initial, const torch::Device& device)
      : initial_(initial),
        device_(device),
        params_(net.params.size()),
        mask_(needs_token_mask(net.layers) ? std::make_shared<TokenMask>() : nullptr) {
    if (initial.size() != net.params.size())
      throw std::invalid_argument(
          fmt::format("torch: network '{}' has {} parameters but {} initial tensors were given", net.name,
                      net.params.size(), initial.size()));
  }

  torch::nn::Sequential sequence(const std::vector<Layer>& layers) {
    torch::nn::Sequential seq;
    for (const Layer& l : layers) add(seq, l);
    return seq;
  }

  std::vector<torch::Tensor> take_params() { return std::move(params_); }

 private:
  void add(torch::nn::Sequential& seq, const Layer& l) {
    namespace nn = torch::nn;
    // Module names may not contain dots; layer names are unique, so this keeps them apart.
    std::string name = l.name;
    std::replace(name.begin(), name.end(), '.', '_');
    // (AnyModule picks Sequential's public named push_back over its private variadic one.)
    const auto push = [&](auto module) { seq->push_back(name, nn::AnyModule(module)); };
    const auto expect_params = [&](size_t lo, size_t hi) {
      if (l.params.size() < lo || l.params.size() > hi)
        unsupported(
            l, fmt::format("it lists {} parameters, torch's module takes {} to {}", l.params.size(), lo, hi));
    };

    // loc: begin layer dense
    if (l.type == "dense") {
      if (l.in_shape.empty()) unsupported(l, "it has no input shape");
      expect_params(1, 2);
      nn::Linear m(nn::LinearOptions(l.in_shape.back(), l.units).bias(l.params.size() == 2));
      m->to(device_);
      bind(l, m->options.bias() ? std::vector<torch::Tensor>{m->weight, m->bias}
                                : std::vector<torch::Tensor>{m->weight});
      push(m);
      // loc: end
      // loc: begin layer conv2d
    } else if (l.type == "conv2d") {
      if (l.in_shape.size() != 3) unsupported(l, "input " + shape_text(l.in_shape) + " is not [C, H, W]");
      expect_params(1, 2);
      nn::Conv2d m(nn::Conv2dOptions(l.in_shape[0], l.units, l.kernel)
                       .stride(l.stride)
                       .padding(l.padding)
                       .padding_mode(torch::kZeros)
                       .bias(l.params.size() == 2));
      m->to(device_);
      bind(l, m->options.bias() ? std::vector<torch::Tensor>{m->weight, m->bias}
                                : std::vector<torch::Tensor>{m->weight});
      push(m);
      // loc: end
      // loc: begin layer pool
    } else if (l.type == "max_pool" || l.type == "avg_pool") {
      if (l.in_shape.size() != 3) unsupported(l, "input " + shape_text(l.in_shape) + " is not [C, H, W]");
      expect_params(0, 0);
      if (2 * l.padding > l.kernel)
        unsupported(l, fmt::format("padding {} is more than half the window {} (torch's limit)", l.padding,
                                   l.kernel));
      // ceil_mode=false: the rounded-down output size; max pooling pads with -inf; average pooling
      // divides by the window's real elements only (count_include_pad=false), not by window².
      if (l.type == "max_pool")
        push(nn::MaxPool2d(nn::MaxPool2dOptions(l.kernel).stride(l.stride).padding(l.padding)));
      else
        push(nn::AvgPool2d(
            nn::AvgPool2dOptions(l.kernel).stride(l.stride).padding(l.padding).count_include_pad(false)));
      // loc: end
      // loc: begin layer activation
    } else if (l.type == "relu") {
      expect_params(0, 0);
      push(nn::ReLU());
    } else if (l.type == "sigmoid") {
      expect_params(0, 0);
      push(nn::Sigmoid());
    } else if (l.type == "gelu") {
      expect_params(0, 0);
      push(nn::GELU(nn::GELUOptions().approximate(l.approximate_tanh ? "tanh" : "none")));
    } else if (l.type == "tanh") {
      expect_params(0, 0);
      push(nn::Tanh());
      // loc: end
      // loc: begin layer flatten
    } else if (l.type == "flatten") {
      expect_params(0, 0);
      push(nn::Flatten());  // dims 1..-1 of NCHW: C·H·W order
      // loc: end
      // loc: begin layer batch_norm
    } else if (l.type == "batch_norm") {
      expect_params(0, 2);
      if (l.params.size() == 1) unsupported(l, "gamma without beta (or the reverse)");
      // running = (1 − m)·running + m·batch in torch, so its momentum is 1 − ours.
      const auto options = nn::BatchNormOptions(l.in_shape.empty() ? 0 : l.in_shape[0])
                               .eps(l.epsilon)
                               .momentum(1.0 - l.momentum)
                               .affine(l.params.size() == 2)
                               .track_running_stats(true);
      std::vector<torch::Tensor> tensors;
      if (l.in_shape.size() == 3) {
        nn::BatchNorm2d m(options);
        m->to(device_);
        if (options.affine()) tensors = {m->weight, m->bias};
        push(m);
      } else if (l.in_shape.size() == 1) {
        nn::BatchNorm1d m(options);
        m->to(device_);
        if (options.affine()) tensors = {m->weight, m->bias};
        push(m);
      } else {
        unsupported(l, "input " + shape_text(l.in_shape) + " is neither [C, H, W] nor [C]");
      }
      bind(l, tensors);
      // loc: end
      // loc: begin layer embedding
    } else if (l.type == "embedding") {
      expect_params(1, 1);
      TokenEmbedding m(nn::EmbeddingOptions(l.vocab, l.units), mask_);
      m->to(device_);
      bind(l, {m->embedding->weight});
      push(m);
      // loc: end
      // loc: begin layer lstm
    } else if (l.type == "lstm") {
      if (l.in_shape.size() != 2)
        unsupported(l, "input " + shape_text(l.in_shape) + " is not [time, features]");
      expect_params(2, 4);
      if (l.params.size() == 3) unsupported(l, "one of the two bias vectors without the other");
      LastStepLstm m(
          nn::LSTMOptions(l.in_shape[1], l.units).num_layers(1).batch_first(true).bias(l.params.size() == 4));
      m->to(device_);  // on CUDA, nn::LSTM flattens its weights here: bind to the tensors after that
      auto named = m->lstm->named_parameters(/*recurse=*/false);
      std::vector<torch::Tensor> tensors = {named["weight_ih_l0"], named["weight_hh_l0"]};
      if (l.params.size() == 4) {
        tensors.push_back(named["bias_ih_l0"]);
        tensors.push_back(named["bias_hh_l0"]);
      }
      bind(l, tensors);
      push(m);
      // loc: end
      // loc: begin layer layer_norm
    } else if (l.type == "layer_norm") {
      expect_params(2, 2);
      nn::LayerNorm m(nn::LayerNormOptions({l.in_shape.back()}).eps(l.epsilon));
      m->to(device_);
      bind(l, {m->weight, m->bias});
      push(m);
      // loc: end
      // loc: begin layer positional_embedding
    } else if (l.type == "positional_embedding") {
      expect_params(1, 1);
      PositionalEmbedding m(l.vocab, l.in_shape.back());
      m->to(device_);
      bind(l, {m->weight});
      push(m);
      // loc: end
      // loc: begin layer multi_head_attention
    } else if (l.type == "multi_head_attention") {
      expect_params(8, 8);
      SelfAttention m(l.in_shape.back(), l.units, mask_);
      m->to(device_);
      bind(l, {m->q->weight, m->q->bias, m->k->weight, m->k->bias, m->v->weight, m->v->bias, m->o->weight, m->o->bias});
      push(m);
      // loc: end
      // loc: begin layer mean_pool
    } else if (l.type == "mean_pool") {
      expect_params(0, 0);
      push(MaskedMeanPool(mask_));
      // loc: end
      // loc: begin layer residual
    } else if (l.type == "residual") {
      expect_params(0, 0);
      if (l.body.empty()) unsupported(l, "its body is empty");
      push(Residual(sequence(l.body), sequence(l.shortcut)));
    } else {
      // loc: end
      unsupported(l, "the torch worker has no translation for this layer type");
    }
  }

  // Makes the module's `tensors` the layer's parameters, in its listed order, and copies the
  // initial values in (under NoGradGuard: they are leaves that require grad).
  void bind(const Layer& l, const std::vector<torch::Tensor>& tensors) {
    if (tensors.size() != l.params.size())
      unsupported(l, fmt::format("torch's module has {} parameters, the layer lists {}", tensors.size(),
                                 l.params.size()));
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto index = static_cast<size_t>(l.params[i]);
      const HostTensor& init = initial_.at(index);
      if (!tensors[i].sizes().equals(init.shape))
        throw std::invalid_argument(
            fmt::format("torch: {} parameter {} of layer '{}' is {} in torch but {} given", l.type, i, l.name,
                        shape_text(tensors[i].sizes().vec()), shape_text(init.shape)));
      tensors[i].copy_(from_host(init, device_));
      params_.at(index) = tensors[i];
    }
  }

  const std::vector<HostTensor>& initial_;
  torch::Device device_;
  std::vector<torch::Tensor> params_;
  std::shared_ptr<TokenMask> mask_;  // null where no layer reads it
};

}  // namespace

BuiltLayers build_layers(const Network& net, const std::vector<HostTensor>& initial,
                         const torch::Device& device) {
  Builder builder(net, initial, device);
  BuiltLayers built{builder.sequence(net.layers), builder.take_params()};
  for (size_t i = 0; i < built.params.size(); ++i)
    if (!built.params[i].defined())
      throw std::invalid_argument("torch: parameter '" + net.params[i].name + "' belongs to no layer");
  // Every trainable tensor of the module must be a neutral parameter, or the optimizer and
  // parameters() would miss it.
  if (built.module->parameters().size() != built.params.size())
    throw std::logic_error(fmt::format("torch: the module has {} parameters, the network {}",
                                       built.module->parameters().size(), built.params.size()));
  return built;
}

}  // namespace versus::th
