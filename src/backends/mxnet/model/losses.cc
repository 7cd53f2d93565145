// The batch-mean losses (model/losses.h).
#include "backends/mxnet/model/losses.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace versus::mx {

// loc: begin loss
Loss::Loss(std::string kind) : kind_(std::move(kind)) {
  if (kind_ != "softmax_cross_entropy" && kind_ != "sigmoid_cross_entropy")
    throw UnsupportedCase(
        fmt::format("mxnet: loss {} is not supported: not one of the networks' losses", kind_));
}

Array Loss::operator()(const Array& logits, const std::vector<float>& labels) const {
  const std::vector<int64_t> shape = logits.shape();
  const auto batch = static_cast<int64_t>(labels.size());
  if (shape.size() != 2 || shape[0] != batch)
    throw std::runtime_error(
        fmt::format("mxnet: {} labels for logits of {} rows", labels.size(), shape.at(0)));
  if (kind_ == "softmax_cross_entropy") {
    // Labels are data: never marked, so autograd differentiates the logits alone.
    const Array ids = Array::from_host({batch}, labels);
    const Array log_p = call("log_softmax", {logits.get()}, {{"axis", "-1"}});
    const Array picked = call("pick", {log_p.get(), ids.get()}, {{"axis", "-1"}, {"keepdims", "False"}});
    const Array mean = call("mean", {picked.get()});
    return call("negative", {mean.get()});
  }
  if (shape[1] != 1) throw std::runtime_error("mxnet: sigmoid_cross_entropy needs logits [B, 1]");
  const Array z = Array::from_host({batch, 1}, labels);
  const Array pos = call("relu", {logits.get()});
  const Array xz = call("elemwise_mul", {logits.get(), z.get()});
  const Array neg_abs = call("negative", {call("abs", {logits.get()}).get()});
  const Array softplus = call("log1p", {call("exp", {neg_abs.get()}).get()});
  const Array per_row =
      call("elemwise_add", {call("elemwise_sub", {pos.get(), xz.get()}).get(), softplus.get()});
  return call("mean", {per_row.get()});
}
// loc: end

}  // namespace versus::mx
