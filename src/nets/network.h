// A network described once, framework-neutrally: the layer list of a networks/<name>.json file,
// with every layer's input and output shape worked out and its parameters listed in one order.
// Each backend translates this into its own API; none reads the JSON itself.
//
// Layouts are fixed here and every backend converts from them (nets/layout.h):
//   activations  batch-major; images NCHW; sequences [batch, time, features]
//   dense        weight [units, in] (OI), bias [units];   y = x·Wᵀ + b
//   conv2d       weight [filters, channels, k, k] (OIHW), bias [filters]; zero padding
//   batch_norm   gamma [C], beta [C]; running mean/var are state, not parameters, updated with
//                the unbiased batch variance (TF, PyTorch); MXNet's BatchNorm op uses the
//                biased one, which only shows in inference after training (docs/training.md)
//   embedding    weight [vocab, dim]; token ids are passed as float values
//   lstm         w_ih [4H, in], w_hh [4H, H], b_ih [4H], b_hh [4H]; gate order i, f, g, o
//                (PyTorch's and cuDNN's); the layer returns the last time step's h
//   flatten      C·H·W order (NCHW's)
//   pooling      zero padding, never counted: max ignores it, avg divides by the real elements
// The transformer's layers work on a token input's sequences [time, features]; token id 0 is
// padding (as Keras's pad_sequences writes it) and is masked wherever positions meet:
//   dense        on a sequence: the same weight at every position
//   positional_embedding  weight [positions, features] (learned), row t added at position t
//   layer_norm   over the last axis; gamma [features], beta [features]
//   gelu         X·Φ(X), or the tanh approximation ("approximate": "tanh")
//   multi_head_attention  self-attention with `heads` heads of width/heads features:
//                wq, bq, wk, bk, wv, bv, wo, bo, each projection [width, width] (OI) as dense;
//                separate, not fused (nets/layout.h converts to torch's in_proj and MXNet's
//                interleaved layouts, for a backend that fuses them);
//                softmax(Q·Kᵀ/√(width/heads)) with padding keys masked, then ·V and wo
//   mean_pool    [time, features] -> [features], the mean over the non-padding positions
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

using Shape = std::vector<int64_t>;

// How a parameter's initial values are drawn (nets/weights.h).
enum class Init { kGlorotUniform, kZeros, kOnes, kUniform005, kForgetBiasOne };

struct ParamSpec {
  std::string name;   // "conv1.weight": layer name + "." + role
  Shape shape;        // neutral layout
  Init init = Init::kZeros;
  int64_t fan_in = 0, fan_out = 0;  // for Glorot
};

struct Layer {
  std::string type;   // dense conv2d max_pool avg_pool relu sigmoid tanh gelu flatten batch_norm
                      // layer_norm embedding positional_embedding lstm multi_head_attention
                      // mean_pool residual
  std::string name;   // unique: "<type><n>", or the file's "name"
  Shape in_shape, out_shape;  // per sample, without the batch axis
  int64_t units = 0;          // dense: outputs; conv2d: filters; lstm: hidden size; attention: heads
  int64_t kernel = 0, stride = 1, padding = 0;  // conv2d and pooling (square)
  int64_t vocab = 0;          // embedding (units = dim); positional_embedding: positions
  bool approximate_tanh = false;  // gelu
  double epsilon = 1e-5, momentum = 0.9;  // batch_norm: running = momentum·running + (1-momentum)·batch;
                                          // layer_norm: epsilon
  std::vector<Layer> body, shortcut;  // residual: out = body(x) + shortcut(x) (empty = identity)
  std::vector<int> params;    // indices into Network::params, in the order listed above
};

struct OptimizerSpec {
  std::string kind = "momentum";  // sgd | momentum | adam
  double learning_rate = 0.01;
  double momentum = 0.9;          // momentum:  v = μ·v + g;  w -= lr·v
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
  // adam (step t from 1):  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
  //                        w -= lr·√(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + ε)   (TF's and MXNet's form)
};
void to_json(nlohmann::json& j, const OptimizerSpec& o);
void from_json(const nlohmann::json& j, OptimizerSpec& o);

struct Network {
  std::string name, description, source;
  std::string input_kind;   // "image" (shape C,H,W) or "tokens" (shape T; values are token ids)
  Shape input_shape;        // per sample
  int64_t vocab = 0;        // tokens: ids are in [0, vocab)
  int64_t classes = 0;
  std::string loss;         // softmax_cross_entropy (logits [B, classes], labels = class ids)
                            // sigmoid_cross_entropy (logits [B, 1], labels 0/1)
  std::string dataset;      // default dataset
  OptimizerSpec optimizer;  // default training settings
  int64_t batch = 64, epochs = 1;
  std::vector<Layer> layers;
  std::vector<ParamSpec> params;
  nlohmann::json source_json;  // the file as read: what workers receive

  int64_t parameter_count() const;
};

// Parses and checks a network document; throws UserError naming the layer and the problem.
Network parse_network(const nlohmann::json& doc);
// Whether a layer reads the token mask (which positions hold real tokens, id 0 being padding):
// attention and mean pooling do. The embedding computes it only then, so the other token
// networks (the LSTMs) pay no extra op in their timed steps.
bool needs_token_mask(const std::vector<Layer>& layers);
// networks/<name>.json, or a path to a .json file.
Network load_network(const std::string& name_or_path);
std::filesystem::path networks_directory();  // $VERSUS_NETWORKS_DIR, else <source>/networks
std::vector<std::string> available_networks();

}  // namespace versus
