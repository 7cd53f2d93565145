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

#include "core/errors.h"
#include "core/ops/gemm.h"
#include "worker/backend.h"

namespace versus {
namespace {

// ---- Thin RAII over the C API handles -------------------------------------------------------

class Status {
 public:
  Status() : s_(TF_NewStatus()) {}
  ~Status() { TF_DeleteStatus(s_); }
  Status(const Status&) = delete;
  Status& operator=(const Status&) = delete;
  operator TF_Status*() const { return s_; }

  // Every C API call reports through a TF_Status; an unchecked one hides the real error until a
  // later call fails with a confusing message, so each call site checks right away.
  void check(std::string_view what) const {
    if (TF_GetCode(s_) != TF_OK) throw std::runtime_error(fmt::format("{}: {}", what, TF_Message(s_)));
  }

 private:
  TF_Status* s_;
};

struct TensorDeleter {
  void operator()(TF_Tensor* t) const { TF_DeleteTensor(t); }
};
using Tensor = std::unique_ptr<TF_Tensor, TensorDeleter>;

struct BufferDeleter {
  void operator()(TF_Buffer* b) const { TF_DeleteBuffer(b); }
};
using Buffer = std::unique_ptr<TF_Buffer, BufferDeleter>;

// ---- Session configuration --------------------------------------------------------------------

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A serialized tensorflow.ConfigProto, encoded by hand: the C API takes only the bytes, and
// linking protobuf ourselves would risk clashing with the copy inside libtensorflow.
//   field 2 intra_op_parallelism_threads (varint), field 5 inter_op_parallelism_threads (varint)
// inter-op is 1 because a lone MatMul has nothing to run concurrently, and more inter-op threads
// would only compete with the intra-op pool for the cores being measured.
// threads <= 0 leaves intra-op to TF's default (all cores); it is never used for a timed case.
std::string session_config(int intra_op_threads) {
  std::string pb;
  if (intra_op_threads > 0) {
    pb.push_back(static_cast<char>((2 << 3) | 0));
    put_varint(pb, static_cast<uint64_t>(intra_op_threads));
  }
  pb.push_back(static_cast<char>((5 << 3) | 0));
  put_varint(pb, 1);
  return pb;
}

// A graph and the session running it. Nodes are added first and start() creates the session
// last, so the session never has to be extended with nodes added after it was created.
class GraphSession {
 public:
  GraphSession() : graph_(TF_NewGraph()) {}
  ~GraphSession() {
    if (session_) {
      Status s;  // errors while tearing down cannot be acted on; the status only has to exist
      TF_CloseSession(session_, s);
      TF_DeleteSession(session_, s);
    }
    TF_DeleteGraph(graph_);
  }
  GraphSession(const GraphSession&) = delete;
  GraphSession& operator=(const GraphSession&) = delete;

  TF_Graph* graph() const { return graph_; }
  TF_Session* session() const { return session_; }

  // Fixed shapes (not -1) so that grappler and the kernels see exactly the benchmarked problem.
  TF_Output placeholder(const char* name, int64_t rows, int64_t cols) {
    TF_OperationDescription* d = TF_NewOperation(graph_, "Placeholder", name);
    TF_SetAttrType(d, "dtype", TF_FLOAT);
    const int64_t dims[] = {rows, cols};
    TF_SetAttrShape(d, "shape", dims, 2);
    return finish(d, name);
  }

  TF_Output matmul(const char* name, TF_Output a, TF_Output b, bool trans_a, bool trans_b) {
    TF_OperationDescription* d = TF_NewOperation(graph_, "MatMul", name);
    TF_AddInput(d, a);
    TF_AddInput(d, b);
    TF_SetAttrType(d, "T", TF_FLOAT);
    TF_SetAttrBool(d, "transpose_a", trans_a);
    TF_SetAttrBool(d, "transpose_b", trans_b);
    return finish(d, name);
  }

  void start(const std::string& config) {
    std::unique_ptr<TF_SessionOptions, decltype(&TF_DeleteSessionOptions)> opts(
        TF_NewSessionOptions(), &TF_DeleteSessionOptions);
    Status s;
    TF_SetConfig(opts.get(), config.data(), config.size(), s);
    s.check("TF_SetConfig");
    session_ = TF_NewSession(graph_, opts.get(), s);
    s.check("TF_NewSession");
  }

 private:
  TF_Output finish(TF_OperationDescription* d, const char* name) {
    Status s;
    TF_Operation* op = TF_FinishOperation(d, s);
    s.check(fmt::format("adding graph node '{}'", name));
    return {op, 0};
  }

  TF_Graph* graph_;
  TF_Session* session_ = nullptr;
};

Tensor host_to_tf(const std::vector<float>& data, int64_t rows, int64_t cols) {
  if (static_cast<int64_t>(data.size()) != rows * cols)
    throw std::runtime_error(fmt::format("input has {} elements, expected {}x{}", data.size(), rows, cols));
  const int64_t dims[] = {rows, cols};
  const size_t bytes = data.size() * sizeof(float);
  // TF_AllocateTensor gives TF's own aligned buffer, which the session can feed without a copy.
  Tensor t(TF_AllocateTensor(TF_FLOAT, dims, 2, bytes));
  if (!t) throw std::runtime_error("TF_AllocateTensor failed");
  std::memcpy(TF_TensorData(t.get()), data.data(), bytes);
  return t;
}

// ---- GEMM -------------------------------------------------------------------------------------

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

  nlohmann::json describe() override {
    // The probe opens a session and runs a graph (tens of ms); the answer cannot change within
    // one process, so it is computed once.
    if (!described_.is_null()) return described_;
    const Probe p = probe_build(session_config(threads_));
    const char* onednn_env = std::getenv("TF_ENABLE_ONEDNN_OPTS");
    described_ = {
        {"version", TF_Version()},
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
    return described_;
  }

  // The CPU device's intra-op pool is process-wide and sized by the first session created, so
  // every session here (the case's and the describe() probe's) uses this same config.
  void set_threads(int threads) override { threads_ = threads; }

  nlohmann::json threads_used() override { return {{"intra_op", threads_}, {"inter_op", 1}}; }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    if (c.device != "cpu") throw UnsupportedCase("tensorflow (tensorflow-cpu wheel) runs on the CPU only");
    if (c.dtype != "float32") throw UnsupportedCase("tensorflow backend supports float32 only");
    if (c.op != "gemm") throw UnsupportedCase("tensorflow backend has no op '" + c.op + "'");
    return std::make_unique<TfGemm>(parse_gemm_params(c.params), in, session_config(threads_));
  }

 private:
  int threads_ = 0;
  nlohmann::json described_;
};

}  // namespace

std::unique_ptr<Backend> make_backend() {
  // TF logs at INFO to stderr on first use (CPU features, oneDNN notice). It reads the level
  // lazily, so setting it here, before any TF call, is early enough; an explicit value wins.
  setenv("TF_CPP_MIN_LOG_LEVEL", "2", /*overwrite=*/0);
  return std::make_unique<TensorflowBackend>();
}

}  // namespace versus
