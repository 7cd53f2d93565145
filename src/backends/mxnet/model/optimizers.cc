// MXNet's fused update operators (model/optimizers.h).
#include "backends/mxnet/model/optimizers.h"

#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"

namespace versus::mx {

Optimizer::Optimizer(const OptimizerSpec& spec, const ParamStore& params, double rescale_grad) : spec_(spec) {
  fixed_ = {{"wd", "0"}, {"rescale_grad", num(rescale_grad)}, {"clip_gradient", "-1"}};
  const std::string& k = spec_.kind;
  if (k == "sgd") {
    fixed_.emplace_back("lr", num(spec_.learning_rate));
    return;
  }
  if (k != "momentum" && k != "adam")
    throw UnsupportedCase(fmt::format("mxnet: optimizer {} is not supported: not sgd, momentum or adam", k));
  for (size_t i = 0; i < params.size(); ++i) {
    const std::vector<int64_t> shape = shape_of(params.array(i));
    first_.push_back(Array::filled(shape, 0.0f));
    if (k == "adam") second_.push_back(Array::filled(shape, 0.0f));
  }
  if (k == "momentum") {
    fixed_.emplace_back("lr", num(spec_.learning_rate));
    fixed_.emplace_back("momentum", num(spec_.momentum));
  } else {
    fixed_.insert(
        fixed_.end(),
        {{"beta1", num(spec_.beta1)}, {"beta2", num(spec_.beta2)}, {"epsilon", num(spec_.epsilon)}});
  }
}

void Optimizer::step(const ParamStore& params) {
  ++t_;
  Kwargs kwargs = fixed_;
  if (spec_.kind == "adam") {
    const auto t = static_cast<double>(t_);
    const double lr_t =
        spec_.learning_rate * std::sqrt(1.0 - std::pow(spec_.beta2, t)) / (1.0 - std::pow(spec_.beta1, t));
    kwargs.emplace_back("lr", num(lr_t));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    NDArrayHandle w = params.array(i), g = params.grad(i);
    if (spec_.kind == "sgd")
      call_into("sgd_update", {w, g}, w, kwargs);
    else if (spec_.kind == "momentum")
      call_into("sgd_mom_update", {w, g, first_[i].get()}, w, kwargs);
    else
      call_into("adam_update", {w, g, first_[i].get(), second_[i].get()}, w, kwargs);
  }
}

}  // namespace versus::mx
