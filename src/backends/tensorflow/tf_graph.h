// Thin RAII over TensorFlow's C API (status, tensors, a graph with its session) shared by the
// TensorFlow backend and its ops. Only the C API is used, so the worker depends on nothing but
// the two shared libraries of the tensorflow-cpu wheel.
#pragma once
#include <tensorflow/c/c_api.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace versus::tf {

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

inline void put_varint(std::string& out, uint64_t v) {
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
inline std::string session_config(int intra_op_threads) {
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

  // `target`: a server's grpc:// address for a distributed session, empty for an in-process one.
  void start(const std::string& config, const std::string& target = "") {
    std::unique_ptr<TF_SessionOptions, decltype(&TF_DeleteSessionOptions)> opts(
        TF_NewSessionOptions(), &TF_DeleteSessionOptions);
    if (!target.empty()) TF_SetTarget(opts.get(), target.c_str());
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

inline Tensor host_to_tf(const std::vector<float>& data, int64_t rows, int64_t cols) {
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

// What every TF op gets from the backend: the serialized ConfigProto all sessions share, and
// where an op records how it translated the case (e.g. a layout it had to transpose), which the
// backend reports with its describe() so that the result file says what was timed.
struct TfContext {
  std::string session_config;
  nlohmann::json* notes = nullptr;
  bool eager = false;  // the "eager" mode: the graph replayed node by node (eager_replay.h)

  void note(const std::string& key, const nlohmann::json& value) const {
    if (notes) (*notes)[key] = value;
  }
};

}  // namespace versus::tf
