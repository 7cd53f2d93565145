// dispatch (core/ops/dispatch.h) in TensorFlow, two modes:
//   graph  a graph of one AddV2 on two fed Placeholders, run by TF_SessionRun: the session's
//          feed/fetch handling and executor, what every graph-mode op in this catalogue pays
//          once per run (graph_builder.h).
//   eager  TFE_NewOp + TFE_Execute of AddV2 on two tensor handles, in an eager context with the
//          same ConfigProto (threads) as the sessions: the C path under tf.add in eager Python
//          (Python's own argument handling aside). Eager execution on the CPU is synchronous
//          (the context is not async), so the result exists when TFE_Execute returns.
#include <tensorflow/c/eager/c_api.h>

#include "backends/tensorflow/graph_builder.h"
#include "core/ops/dispatch.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

class EagerAdd final : public OpInstance {
 public:
  EagerAdd(const std::vector<HostTensor>& in, const std::string& config) {
    Status s;
    TFE_ContextOptions* opts = TFE_NewContextOptions();
    TFE_ContextOptionsSetConfig(opts, config.data(), config.size(), s);
    if (TF_GetCode(s) == TF_OK) ctx_ = TFE_NewContext(opts, s);
    TFE_DeleteContextOptions(opts);
    s.check("creating the eager context");
    for (const HostTensor& t : in) {
      const Tensor value = make_tensor(TF_FLOAT, t.shape, t.data.data(), t.data.size() * sizeof(float));
      inputs_.push_back(TFE_NewTensorHandle(value.get(), s));
      s.check("TFE_NewTensorHandle");
    }
  }
  EagerAdd(const EagerAdd&) = delete;
  EagerAdd& operator=(const EagerAdd&) = delete;
  ~EagerAdd() override {
    // Every handle and op goes before the context (c_api.h).
    release_result();
    for (TFE_TensorHandle* h : inputs_) TFE_DeleteTensorHandle(h);
    if (ctx_) TFE_DeleteContext(ctx_);
  }

  void run() override {
    release_result();
    Status s;
    TFE_Op* op = TFE_NewOp(ctx_, "AddV2", s);
    s.check("TFE_NewOp(AddV2)");
    TFE_OpAddInput(op, inputs_[0], s);
    if (TF_GetCode(s) == TF_OK) TFE_OpAddInput(op, inputs_[1], s);
    int outputs = 1;
    if (TF_GetCode(s) == TF_OK) TFE_Execute(op, &result_, &outputs, s);
    TFE_DeleteOp(op);
    s.check("TFE_Execute(AddV2)");
  }

  std::vector<std::vector<float>> outputs() override {
    if (!result_) throw std::runtime_error("outputs() called before run()");
    Status s;
    const Tensor t(TFE_TensorHandleResolve(result_, s));
    s.check("TFE_TensorHandleResolve");
    const auto* p = static_cast<const float*>(TF_TensorData(t.get()));
    return {std::vector<float>(p, p + TF_TensorElementCount(t.get()))};
  }

 private:
  void release_result() {
    if (result_) TFE_DeleteTensorHandle(result_);
    result_ = nullptr;
  }

  TFE_Context* ctx_ = nullptr;
  std::vector<TFE_TensorHandle*> inputs_;
  TFE_TensorHandle* result_ = nullptr;
};

std::unique_ptr<OpInstance> prepare_dispatch(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TfContext& ctx) {
  const std::string mode = parse_dispatch_mode(c.params);
  if (mode == "eager") return std::make_unique<EagerAdd>(in, ctx.session_config);
  if (mode != "graph") throw UnsupportedCase("tensorflow has no dispatch mode '" + mode + "'; its modes: graph, eager");
  GraphBuilder g(c, ctx);
  const TF_Output a = g.feed(in.at(0)), b = g.feed(in.at(1));
  return g.finish({g.op("AddV2", {a, b})});
}
VERSUS_REGISTER_OP(TfContext, "dispatch", prepare_dispatch);

}  // namespace
}  // namespace versus::tf
