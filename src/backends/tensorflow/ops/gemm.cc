// GEMM in TensorFlow graph mode: MatMul of two Placeholders. Forward is a hand-built graph and
// instance (below); backward is built like every other op's (graph_builder.h): MatMul and its
// C++ gradient, two more MatMuls whose transposes give dA and dB in A's and B's stored layouts,
// with the forward MatMul kept as a target so that each run is forward + backward.
#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/tf_graph.h"
#include "core/ops/gemm.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

// Inputs are Placeholders fed on every run, never Consts: grappler would constant-fold a MatMul
// of two Consts once at session setup and every timed run would only return the cached result.
class TfGemm final : public OpInstance {
 public:
  TfGemm(const GemmParams& g, const std::vector<HostTensor>& in, const std::string& config) : g_(g) {
    if (in.size() != 2) throw std::runtime_error(fmt::format("gemm expects 2 inputs, got {}", in.size()));
    a_ = gs_.placeholder("a", g.a_rows(), g.a_cols());
    b_ = gs_.placeholder("b", g.b_rows(), g.b_cols());
    c_ = gs_.matmul("c", a_, b_, g.trans_a, g.trans_b);
    gs_.start(config);
    a_val_ = host_to_tf(in[0].data, g.a_rows(), g.a_cols());
    b_val_ = host_to_tf(in[1].data, g.b_rows(), g.b_cols());
  }

  void run() override {
    // Release the previous result first so TF's allocator can hand the same buffer back, as it
    // would in a steady-state serving loop.
    out_.reset();
    const TF_Output inputs[] = {a_, b_};
    TF_Tensor* const values[] = {a_val_.get(), b_val_.get()};
    TF_Tensor* out = nullptr;
    Status s;
    // TF_SessionRun returns only once the output is computed, so no extra synchronisation.
    TF_SessionRun(gs_.session(), nullptr, inputs, values, 2, &c_, &out, 1, nullptr, 0, nullptr, s);
    s.check("TF_SessionRun");
    out_.reset(out);
  }

  std::vector<std::vector<float>> outputs() override {
    if (!out_) throw std::runtime_error("output() called before a successful run()");
    const TF_Tensor* t = out_.get();
    if (TF_TensorType(t) != TF_FLOAT || TF_NumDims(t) != 2 || TF_Dim(t, 0) != g_.m || TF_Dim(t, 1) != g_.n)
      throw std::runtime_error(fmt::format("MatMul returned dtype {} with {} dims, expected float {}x{}",
                                           int(TF_TensorType(t)), TF_NumDims(t), g_.m, g_.n));
    const auto* p = static_cast<const float*>(TF_TensorData(t));
    return {std::vector<float>(p, p + g_.m * g_.n)};
  }

 private:
  GemmParams g_;
  GraphSession gs_;  // declared before the tensors: they are released before the session closes
  TF_Output a_{}, b_{}, c_{};
  Tensor a_val_, b_val_, out_;
};

std::unique_ptr<OpInstance> prepare_gemm_backward(const GemmParams& p, const CaseSpec& c,
                                                  const std::vector<HostTensor>& in, const TfContext& ctx) {
  if (in.size() != 3) throw std::runtime_error(fmt::format("gemm backward expects 3 inputs, got {}", in.size()));
  GraphBuilder g(c, ctx);
  const TF_Output a = g.feed(in[0]), b = g.feed(in[1]);
  const TF_Output y = g.op("MatMul", {a, b}, [&](Desc d) {
    TF_SetAttrBool(d, "transpose_a", p.trans_a);
    TF_SetAttrBool(d, "transpose_b", p.trans_b);
  });
  // dB alone: the session never runs the MatMul that dA would need.
  if (p.b_grad_only) return g.finish(g.gradients(y, g.feed(in[2]), {b}), {y});
  return g.finish(g.gradients(y, g.feed(in[2]), {a, b}), {y});
}

std::unique_ptr<OpInstance> prepare_gemm(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx) {
  const GemmParams g = parse_gemm_params(c.params);
  if (c.direction == "backward") return prepare_gemm_backward(g, c, in, ctx);
  return std::make_unique<TfGemm>(g, in, ctx.session_config);
}
VERSUS_REGISTER_OP(TfContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus::tf
