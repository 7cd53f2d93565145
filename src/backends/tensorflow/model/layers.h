// A network's forward pass as TensorFlow graph nodes, layer by layer, in training or inference
// mode, and the layouts its parameters take in TF.
//
// Activations are kept the way a Keras user's graph holds them: images NHWC from the start (the
// batches are fed NHWC, converted with the dataset before training, as a Keras user's arrays
// are), flattened in H·W·C order, so the first dense layer after a flatten holds its weight rows
// permuted once at initialisation; dense and LSTM weights [in, out] (Keras' kernel layout; its
// LSTM gate order i,f,c,o is the neutral one), conv filters HWIO.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "backends/tensorflow/model/model_graph.h"
#include "nets/network.h"

namespace versus::tf {

// How a neutral parameter is laid out in its TF variable. kFlattenedNhwc: a dense weight after a
// flatten of an image, [out, C·H·W] neutral, [H·W·C, out] in TF (`chw` holds C, H, W);
// kFlattenedNhwcVector: a per-feature vector of such a flattened image (batch_norm's γ, β).
enum class ParamLayout { kAsIs, kTransposed, kHwio, kFlattenedNhwc, kFlattenedNhwcVector };
struct ParamConversion {
  ParamLayout layout = ParamLayout::kAsIs;
  Shape chw;
};
// One entry per Network::params, from the layer that owns each parameter.
std::vector<ParamConversion> param_layouts(const Network& net);
HostTensor to_tf_layout(const HostTensor& neutral, const ParamConversion& conversion);
HostTensor from_tf_layout(const HostTensor& tf_value, const ParamConversion& conversion);
// Whether the network's input is an image (fed NHWC: Model::channels_last).
bool takes_images(const Network& net);

// An activation: the tensor, its per-sample shape in the neutral layout (C,H,W for images) and
// whether TF holds it NHWC.
struct Activation {
  TF_Output t{};
  Shape shape;
  bool nhwc = false;
};

// batch_norm's running statistics (state, not parameters).
struct RunningStats {
  Variable mean, var;
};

// Builds one forward pass. The variables are shared by every pass built on the same graph.
class ForwardPass {
 public:
  ForwardPass(ModelGraph& g, const std::vector<Variable>& params,
              std::map<std::string, RunningStats>& running, bool training)
      : g_(g), params_(params), running_(running), training_(training) {}

  // The network's input placeholder (neutral layout) -> the last layer's output.
  Activation input(TF_Output x, const Network& net);
  Activation layers(const std::vector<Layer>& layers, Activation x);
  // In training mode, the assignments of the running statistics this pass makes.
  const std::vector<TF_Operation*>& updates() const { return updates_; }

 private:
  Activation layer(const Layer& l, Activation x);
  Activation dense(const Layer& l, const Activation& x);
  Activation conv2d(const Layer& l, const Activation& x);
  Activation pool(const Layer& l, const Activation& x);
  Activation flatten(const Layer& l, const Activation& x);
  Activation batch_norm(const Layer& l, const Activation& x);
  Activation embedding(const Layer& l, const Activation& x);
  Activation lstm(const Layer& l, const Activation& x);
  Activation residual(const Layer& l, const Activation& x);
  Activation layer_norm(const Layer& l, const Activation& x);
  Activation gelu(const Layer& l, const Activation& x);
  Activation positional_embedding(const Layer& l, const Activation& x);
  Activation attention(const Layer& l, const Activation& x);
  Activation mean_pool(const Layer& l, const Activation& x);
  // x [batch, time, in] -> [batch, time, out]: x·W + b at every position (keras Dense on 3-D).
  TF_Output project(TF_Output x, int64_t time, int64_t in, int64_t out, const Variable& w, const Variable* b);
  const Variable& param(const Layer& l, size_t i) const;
  RunningStats& running(const Layer& l, int64_t channels);

  ModelGraph& g_;
  const std::vector<Variable>& params_;
  std::map<std::string, RunningStats>& running_;
  bool training_;
  std::vector<TF_Operation*> updates_;
  TF_Output real_tokens_{};  // [batch, time]: 1 where the input holds a token, 0 at padding (id 0)
};

}  // namespace versus::tf
