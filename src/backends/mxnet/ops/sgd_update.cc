// sgd_update (core/ops/sgd_update.h) in MXNet: the fused sgd_update / sgd_mom_update operators
// into the weight, as Gluon's Trainer (and versus's MXNet models) update each parameter. MXNet's
// momentum state is −lr·V (mom = μ·mom − lr·G; W += mom): V is converted to it at prepare and
// back when the results are read, both outside the timed run.
#include "backends/mxnet/model/nd.h"
#include "backends/mxnet/mx_api.h"
#include "core/errors.h"
#include "core/ops/sgd_update.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

class MxnetSgdUpdate final : public OpInstance {
 public:
  MxnetSgdUpdate(const SgdUpdateParams& q, const std::vector<HostTensor>& in)
      : w_(Array::from_host({q.n}, in.at(0).data.data(), in.at(0).data.size())),
        g_(Array::from_host({q.n}, in.at(1).data.data(), in.at(1).data.size())) {
    kwargs_ = {{"lr", num(kSgdLearningRate)}, {"wd", "0"}, {"rescale_grad", "1"}, {"clip_gradient", "-1"}};
    if (!q.momentum) return;
    std::vector<float> mom = in.at(2).data;
    for (float& m : mom) m = static_cast<float>(-kSgdLearningRate * m);
    mom_ = Array::from_host({q.n}, mom.data(), mom.size());
    kwargs_.emplace_back("momentum", num(kSgdMomentum));
  }

  void run() override {
    if (mom_) call_into("sgd_mom_update", {w_.get(), g_.get(), mom_.get()}, w_.get(), kwargs_);
    else call_into("sgd_update", {w_.get(), g_.get()}, w_.get(), kwargs_);
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");  // the invoke only queues the update
  }

  std::vector<std::vector<float>> outputs() override {
    if (!mom_) return {w_.to_host()};
    std::vector<float> v = mom_.to_host();
    for (float& x : v) x = static_cast<float>(x / -kSgdLearningRate);
    return {w_.to_host(), v};
  }

 private:
  Array w_, g_, mom_;
  Kwargs kwargs_;
};

std::unique_ptr<OpInstance> prepare_sgd_update(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  if (c.direction != "forward") throw UnsupportedCase("sgd_update has no backward pass");
  return std::make_unique<MxnetSgdUpdate>(parse_sgd_update_params(c.params), in);
}
VERSUS_REGISTER_OP(MxContext, "sgd_update", prepare_sgd_update);

}  // namespace
}  // namespace versus::mx
