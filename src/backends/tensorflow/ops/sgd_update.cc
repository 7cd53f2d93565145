// sgd_update (core/ops/sgd_update.h) in TensorFlow graph mode: ResourceApplyGradientDescent or
// ResourceApplyMomentum on resource variables, the fused kernels Keras' SGD runs in a graph (and
// versus's TF models, model/optimizers.cc). W and V live in variables, as a model's parameters and
// slots do; G is fed. The timed run is the update alone (a target, nothing fetched); the results
// are read by a second session run, outside it.
#include "backends/tensorflow/model/model_graph.h"
#include "core/errors.h"
#include "core/ops/sgd_update.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

class TfSgdUpdate final : public OpInstance {
 public:
  TfSgdUpdate(const SgdUpdateParams& q, const std::vector<HostTensor>& in, const std::string& config)
      : g_value_(make_tensor(TF_FLOAT, {q.n}, in.at(1).data.data(), in.at(1).data.size() * sizeof(float))) {
    graph_.set_scope("sgd_update");
    w_ = graph_.variable("W", {q.n});
    graph_.init_from(w_, in.at(0));
    grad_ = graph_.placeholder("G", TF_FLOAT, {q.n});
    const TF_Output lr = graph_.scalar(static_cast<float>(kSgdLearningRate));
    const auto no_locking = [](Desc d) { TF_SetAttrBool(d, "use_locking", false); };
    if (!q.momentum) {
      update_ = graph_.node("ResourceApplyGradientDescent", {w_.handle, lr, grad_}, no_locking);
    } else {
      v_ = graph_.variable("V", {q.n});
      graph_.init_from(v_, in.at(2));
      update_ = graph_.node("ResourceApplyMomentum",
                            {w_.handle, v_.handle, lr, grad_, graph_.scalar(static_cast<float>(kSgdMomentum))},
                            [](Desc d) {
                              TF_SetAttrBool(d, "use_locking", false);
                              TF_SetAttrBool(d, "use_nesterov", false);
                            });
    }
    graph_.start(config);
  }

  void run() override { graph_.run({grad_}, {g_value_.get()}, {}, {update_}); }

  std::vector<std::vector<float>> outputs() override {
    std::vector<TF_Output> reads = {w_.value};
    if (v_.handle.oper) reads.push_back(v_.value);
    std::vector<std::vector<float>> out;
    for (const Tensor& t : graph_.run({}, {}, reads, {})) {
      const auto* p = static_cast<const float*>(TF_TensorData(t.get()));
      out.emplace_back(p, p + TF_TensorElementCount(t.get()));
    }
    return out;
  }

 private:
  ModelGraph graph_;
  Variable w_, v_;
  TF_Output grad_{};
  TF_Operation* update_ = nullptr;
  Tensor g_value_;
};

std::unique_ptr<OpInstance> prepare_sgd_update(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TfContext& ctx) {
  if (c.direction != "forward") throw UnsupportedCase("sgd_update has no backward pass");
  if (ctx.eager)
    throw UnsupportedCase("tensorflow:eager replays stateless graphs only; an optimizer update on variables is not replayed");
  return std::make_unique<TfSgdUpdate>(parse_sgd_update_params(c.params), in, ctx.session_config);
}
VERSUS_REGISTER_OP(TfContext, "sgd_update", prepare_sgd_update);

}  // namespace
}  // namespace versus::tf
