// The TensorFlow backend: graph mode (TF_Graph + TF_Session) through the C API, i.e. the path a
// deployed TF model takes without Python. Only the C API is used so that the worker depends on
// nothing but the two shared libraries of the tensorflow-cpu wheel.
#include <tensorflow/c/c_api.h>
#include <tensorflow/c/c_api_experimental.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "backends/tensorflow/model/tf_model.h"
#include "backends/tensorflow/tf_graph.h"
#include "core/errors.h"
#include "worker/backend.h"
#include "worker/op_table.h"
#include "worker/stderr_capture.h"

namespace versus::tf {
// What tensorflow offers, asked of its own registry (support.cc).
nlohmann::json framework_support();
}  // namespace versus::tf

namespace versus {
namespace {

using namespace tf;

// ---- What this TF build does on this machine ---------------------------------------------------

struct Probe {
  std::optional<std::string> matmul_op;  // op type MatMul ran as; nullopt if not inspectable
  bool gpu = false;
};

// Whether oneDNN is used is decided inside TF from the CPU (on Linux it is on by default only
// for CPUs with AVX512-VNNI/BF16, AVX-VNNI or AMX) and TF_ENABLE_ONEDNN_OPTS, and the C API does
// not expose the answer. So ask the graph that actually runs: with oneDNN on, TF's layout pass
// rewrites MatMul to _MklMatMul, and RunOptions.output_partition_graphs returns the rewritten
// graph. A tiny MatMul suffices, the rewrite does not depend on the shape.
Probe probe_build(const std::string& config) {
  Probe p;
  GraphSession gs;
  const TF_Output a = gs.placeholder("a", 2, 2), b = gs.placeholder("b", 2, 2);
  const TF_Output c = gs.matmul("c", a, b, false, false);
  gs.start(config);

  Status s;
  std::unique_ptr<TF_DeviceList, decltype(&TF_DeleteDeviceList)> devices(
      TF_SessionListDevices(gs.session(), s), &TF_DeleteDeviceList);
  s.check("TF_SessionListDevices");
  for (int i = 0, n = TF_DeviceListCount(devices.get()); i < n; ++i) {
    const char* type = TF_DeviceListType(devices.get(), i, s);
    s.check("TF_DeviceListType");
    if (std::string_view(type) == "GPU") p.gpu = true;
  }

  const std::vector<float> ones(4, 1.0f);
  const Tensor av = host_to_tf(ones, 2, 2), bv = host_to_tf(ones, 2, 2);
  const TF_Output inputs[] = {a, b};
  TF_Tensor* const values[] = {av.get(), bv.get()};
  // RunOptions: field 5 output_partition_graphs = true.
  const char run_options_pb[] = {(5 << 3) | 0, 1};
  Buffer run_options(TF_NewBufferFromString(run_options_pb, sizeof run_options_pb));
  Buffer metadata(TF_NewBuffer());
  TF_Tensor* out = nullptr;
  TF_SessionRun(gs.session(), run_options.get(), inputs, values, 2, &c, &out, 1, nullptr, 0,
                metadata.get(), s);
  s.check("TF_SessionRun (build probe)");
  Tensor owned_out(out);
  // Op names are stored verbatim in the serialized GraphDef, so a substring search is enough.
  const std::string_view md(static_cast<const char*>(metadata->data), metadata->length);
  if (md.find("_MklMatMul") != std::string_view::npos) p.matmul_op = "_MklMatMul";
  else if (md.find("MatMul") != std::string_view::npos) p.matmul_op = "MatMul";
  return p;
}

class TensorflowBackend final : public Backend {
 public:
  std::string name() const override { return "tensorflow"; }
  std::vector<std::string> variants() const override { return {"graph"}; }

  nlohmann::json support() override { return tf::framework_support(); }

  nlohmann::json describe() override {
    if (described_.is_null()) described_ = describe_build();
    nlohmann::json d = described_;
    // Per-case translation notes (layouts transposed in the graph, padding mapped), recorded by
    // the op while preparing; describe() is called after prepare() when a case runs.
    if (!notes_.empty()) d["graph_notes"] = notes_;
    return d;
  }

  // The CPU device's intra-op pool is process-wide and sized by the first session created, so
  // every session here (the case's and the describe() probe's) uses this same config.
  void set_threads(int threads) override { threads_ = threads; }

  nlohmann::json threads_used() override { return {{"intra_op", threads_}, {"inter_op", 1}}; }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    if (c.device != "cpu") throw UnsupportedCase("tensorflow (tensorflow-cpu wheel) runs on the CPU only");
    if (c.dtype != "float32") throw UnsupportedCase("tensorflow backend supports float32 only");
    // Eager: the same op graph, replayed node by node with TFE_Execute (eager_replay.h).
    return OpTable<TfContext>::get().prepare(name(), c, in, TfContext{session_config(threads_), &notes_, mode_ == "eager"});
  }

  // Graph mode: the training step (forward, TF_AddGradients, fused optimizer ops) and the
  // inference pass in one graph, NHWC inside (model/layers.h).
  std::unique_ptr<Model> build_model(const Network& net, const std::vector<HostTensor>& initial,
                                     const OptimizerSpec& optimizer, const std::string& device) override {
    if (device != "cpu") throw UnsupportedCase("tensorflow: the tensorflow-cpu wheel runs on the CPU only");
    if (net.input_kind == "image" && net.input_shape.size() == 3)
      notes_["model_layout"] =
          "NHWC inside the graph (this TF's CPU conv/pool kernels are NHWC): the NCHW input is transposed "
          "once, and back to NCHW before flatten; conv filters are HWIO, dense kernels [in, out]";
    if (mode_ == "eager")
      throw UnsupportedCase(
          "tensorflow: eager training needs a gradient tape, which TensorFlow's C API does not offer (TFE_Execute "
          "runs single ops; gradients exist only for graphs, through TF_AddGradients): the tape is Python's");
    return build_tf_model(net, initial, optimizer, session_config(threads_));
  }

  std::unique_ptr<Model> build_distributed_model(const Network& net, const std::vector<HostTensor>& initial,
                                                 const OptimizerSpec& optimizer, const std::string& device,
                                                 DistributedSpec& spec) override {
    if (device != "cpu") throw UnsupportedCase("tensorflow: the tensorflow-cpu wheel has no GPU");
    if (mode_ != "graph")
      throw UnsupportedCase("tensorflow: distributed training is wired for graph mode (collectives in the session); not " + mode_);
    return build_distributed_tf_model(net, initial, optimizer, session_config(threads_), spec);
  }

  std::vector<ExecutionMode> execution_modes() const override {
    auto with_log = [](std::map<std::string, std::string> env) {
      env["TF_CPP_MIN_LOG_LEVEL"] = "0";
      return env;
    };
    const auto log = with_log({});
    return {{"graph", "graph session (TF_SessionRun), TensorFlow's defaults (oneDNN where TF enables it for this CPU)", log},
            {"xla", "graph session with XLA auto-clustering (tf_xla_auto_jit=2, CPU global JIT)",
             with_log({{"TF_XLA_FLAGS", "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit"}})},
            {"no-onednn", "graph session with TF's oneDNN kernels off (TF_ENABLE_ONEDNN_OPTS=0): Eigen kernels",
             with_log({{"TF_ENABLE_ONEDNN_OPTS", "0"}})},
            {"eager", "eager execution: ops one TFE_Execute call at a time (training would need a gradient tape)", log}};
  }

  void set_mode(const std::string& mode) override {
    require_listed_mode(mode);
    mode_ = mode;
    // TF states whether XLA compiled a cluster only in its log (at INFO, hence the modes'
    // TF_CPP_MIN_LOG_LEVEL=0): read it from stderr from before the first session on.
    log_ = std::make_unique<StderrCapture>();
  }

  nlohmann::json mode_report() override {
    nlohmann::json r = {{"onednn_matmul", describe()["build"]["onednn"]}};
    if (!log_ || !log_->active()) return r;
    const std::string& text = log_->finish();
    const bool compiled = text.find("Compiled cluster using XLA") != std::string::npos;
    r["xla_clusters_compiled"] = compiled;
    r["xla_evidence"] = compiled ? "TF logged \"Compiled cluster using XLA!\"" : "TF logged no XLA compilation";
    return r;
  }

 private:
  std::string mode_ = "graph";
  std::unique_ptr<StderrCapture> log_;
  // The probe opens a session and runs a graph (tens of ms); the answer cannot change within
  // one process, so it is computed once.
  nlohmann::json describe_build() const {
    const Probe p = probe_build(session_config(threads_));
    const char* onednn_env = std::getenv("TF_ENABLE_ONEDNN_OPTS");
    return {
        {"version", TF_Version()},
        {"ops", OpTable<TfContext>::get().ops()},
        {"build",
         {{"onednn", p.matmul_op ? nlohmann::json(*p.matmul_op == "_MklMatMul") : nlohmann::json(nullptr)},
          {"matmul_op", p.matmul_op ? nlohmann::json(*p.matmul_op) : nlohmann::json(nullptr)},
          {"TF_ENABLE_ONEDNN_OPTS", onednn_env ? nlohmann::json(onednn_env) : nlohmann::json(nullptr)},
          {"blas", "Eigen / oneDNN (bundled)"},
          // The wheel's oneDNN uses TF's own intra-op thread pool, not OpenMP.
          {"openmp", false},
          {"cuda", p.gpu},
          // Our session config leaves global_jit_level at OFF, so XLA compiles anything only if
          // TF_XLA_FLAGS turns auto-clustering on; this reports that flag.
          {"xla", TF_GetXlaAutoJitEnabled() != 0}}}};
  }

  int threads_ = 0;
  nlohmann::json described_;
  nlohmann::json notes_ = nlohmann::json::object();
};

}  // namespace

std::unique_ptr<Backend> make_backend() {
  // TF logs at INFO to stderr on first use (CPU features, oneDNN notice). It reads the level
  // lazily, so setting it here, before any TF call, is early enough; an explicit value wins.
  setenv("TF_CPP_MIN_LOG_LEVEL", "2", /*overwrite=*/0);
  return std::make_unique<TensorflowBackend>();
}

}  // namespace versus
