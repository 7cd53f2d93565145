// dispatch: the cost of one tiny op through a framework's dispatch path, Y = A + B on a single
// float32 element, so that the arithmetic is nothing and the time is what every small op pays
// before and after its arithmetic (graph lookup, engine queue, eager bookkeeping, allocation).
// It is the calibration row for reading small-shape results: an op that takes 20 µs in a
// framework whose dispatch costs 15 µs is mostly dispatch.
//
// params {"mode": M}, the path measured:
//   graph       TensorFlow: a one-node graph run by TF_SessionRun
//   eager       TensorFlow: TFE_Execute of one op; libtorch: one ATen call
//   imperative  MXNet: MXImperativeInvoke, then waiting for the engine
//   cachedop    MXNet: a CachedOp (what gluon's hybridize() runs), then waiting for the engine
//   call        native: a plain C++ call, the floor under all of them
//   python      the Python tier (--backends torch:python, tensorflow:keras, mxnet:gluon, ...): the
//               op as a user of that frontend calls it (python/versus_frontends/ops.py)
// A backend given a mode it does not have says so (unsupported) and names its own.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"

namespace versus {

// Throws UserError for a missing or unknown mode, listing the known ones.
std::string parse_dispatch_mode(const nlohmann::json& params);
// |A| + |B|: a correct result is within 1.01·2⁻²⁴ of it from the reference (one rounding).
double dispatch_error_scale(const std::vector<HostTensor>& inputs);

}  // namespace versus
