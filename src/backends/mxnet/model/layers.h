// The network's layers as MXNet operator calls, one Block per neutral layer, written as a Gluon
// HybridBlock's forward would call them imperatively. Whether a call records for autograd, and
// whether it runs in training mode (BatchNorm's batch statistics), is set by the caller
// (AutogradMode), as `autograd.record()` / `predict_mode()` set it for Gluon blocks.
#pragma once
#include <memory>
#include <vector>

#include "backends/mxnet/model/nd.h"
#include "backends/mxnet/model/params.h"
#include "nets/network.h"

namespace versus::mx {

class Block {
 public:
  virtual ~Block() = default;
  // x: [batch, in_shape...] -> [batch, out_shape...]; new arrays, x is left as it is.
  virtual Array forward(const Array& x) = 0;
};

// The layers in order, each taking its parameters from `params`. Throws UnsupportedCase for a
// layer type or setting MXNet cannot do here. Every output's shape is checked against the
// network's at run time, so a convention that differs (e.g. pooling's rounding) fails loudly.
std::unique_ptr<Block> build_sequence(const std::vector<Layer>& layers, ParamStore& params);

// The fused LSTM (model/lstm.cc).
std::unique_ptr<Block> build_lstm(const Layer& layer, ParamStore& params);

}  // namespace versus::mx
