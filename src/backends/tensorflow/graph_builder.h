// Building one catalogue op as a TensorFlow graph, and running it: what every file under ops/
// uses (gemm.cc for its backward only), so that each op file says only which TF ops compute its
// case.
//
//   GraphBuilder g(c, ctx);
//   const TF_Output x = g.feed(in[0]);                  // a Placeholder, fed on every run
//   const TF_Output y = g.op("Relu", {x});
//   if (!g.backward()) return g.finish({y});
//   return g.finish(g.gradients(y, g.feed(in[1]), {x}), {y});   // dX from dY, forward kept
//
// Inputs are always Placeholders fed on every run, never Consts: grappler would fold an op of
// Consts once at session setup and every timed run would return a cached result. Consts appear
// only for what a user's graph has as constants too (axes, shapes, paddings, 1.0).
#pragma once
#include <tensorflow/c/c_api.h>
#include <tensorflow/c/tf_tstring.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "backends/tensorflow/eager_replay.h"
#include "backends/tensorflow/tf_graph.h"
#include "core/case_spec.h"
#include "core/errors.h"
#include "core/tensor.h"
#include "worker/backend.h"

namespace versus::tf {

// ---- Attribute setters, for the lambdas passed to GraphBuilder::op -----------------------------

using Desc = TF_OperationDescription*;

inline void attr_ints(Desc d, const char* name, const std::vector<int64_t>& v) {
  TF_SetAttrIntList(d, name, v.data(), static_cast<int>(v.size()));
}
inline void attr_string(Desc d, const char* name, std::string_view v) {
  TF_SetAttrString(d, name, v.data(), v.size());
}

// ---- Host <-> TF tensors ------------------------------------------------------------------------

inline int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Copies `bytes` of `src` into a new TF tensor. TF_AllocateTensor gives TF's own aligned buffer,
// which the session feeds without a copy.
inline Tensor make_tensor(TF_DataType type, const std::vector<int64_t>& dims, const void* src, size_t bytes) {
  Tensor t(TF_AllocateTensor(type, dims.data(), static_cast<int>(dims.size()), bytes));
  if (!t) throw std::runtime_error("TF_AllocateTensor failed");
  if (bytes) std::memcpy(TF_TensorData(t.get()), src, bytes);
  return t;
}

// A scalar string tensor holding `value`.
inline Tensor string_tensor(const std::string& value) {
  Tensor t(TF_AllocateTensor(TF_STRING, nullptr, 0, sizeof(TF_TString)));
  if (!t) throw std::runtime_error("TF_AllocateTensor failed");
  auto* str = static_cast<TF_TString*>(TF_TensorData(t.get()));
  TF_StringInit(str);
  TF_StringCopy(str, value.data(), value.size());
  return t;
}

// ---- The prepared case -----------------------------------------------------------------------

// A graph with its session, the values fed to its Placeholders and the outputs fetched.
class GraphRun final : public OpInstance {
 public:
  struct Fetch {
    TF_Output output;
    int64_t elements;  // from the graph's static shape; -1 when shape inference left it open
  };

  GraphRun(std::unique_ptr<GraphSession> gs, std::vector<TF_Output> feeds, std::vector<Tensor> values,
           std::vector<Fetch> fetches, std::vector<TF_Operation*> targets)
      : gs_(std::move(gs)),
        feeds_(std::move(feeds)),
        values_(std::move(values)),
        targets_(std::move(targets)) {
    for (const Tensor& v : values_) raw_values_.push_back(v.get());
    for (const Fetch& f : fetches) {
      fetches_.push_back(f.output);
      elements_.push_back(f.elements);
    }
  }

  void run() override {
    // Release the previous results first so TF's allocator can hand the same buffers back, as
    // it would in a steady-state training or serving loop.
    outs_.clear();
    std::vector<TF_Tensor*> out(fetches_.size(), nullptr);
    Status s;
    // TF_SessionRun returns only once every fetched output and target is computed: no extra
    // synchronisation is needed inside the timed region.
    TF_SessionRun(gs_->session(), nullptr, feeds_.data(), raw_values_.data(), static_cast<int>(feeds_.size()),
                  fetches_.data(), out.data(), static_cast<int>(fetches_.size()), targets_.data(),
                  static_cast<int>(targets_.size()), nullptr, s);
    for (TF_Tensor* t : out) outs_.emplace_back(t);  // owned at once, so never leaked
    if (TF_GetCode(s) != TF_OK) {
      outs_.clear();  // partial results must not be mistaken for a run's outputs
      s.check("TF_SessionRun");
    }
  }

  std::vector<std::vector<float>> outputs() override {
    if (outs_.size() != fetches_.size())
      throw std::runtime_error("outputs() called before a successful run()");
    std::vector<std::vector<float>> results;
    for (size_t i = 0; i < outs_.size(); ++i) {
      const TF_Tensor* t = outs_[i].get();
      const int64_t n = TF_TensorElementCount(t);
      if (TF_TensorType(t) != TF_FLOAT || (elements_[i] >= 0 && n != elements_[i]))
        throw std::runtime_error(fmt::format("output {} has dtype {} and {} elements, expected float with {}",
                                             i, int(TF_TensorType(t)), n, elements_[i]));
      const auto* p = static_cast<const float*>(TF_TensorData(t));
      results.emplace_back(p, p + n);
    }
    return results;
  }

 private:
  std::unique_ptr<GraphSession> gs_;  // first: destroyed last, after every tensor it ran on
  std::vector<TF_Output> feeds_;
  std::vector<Tensor> values_;
  std::vector<TF_Tensor*> raw_values_;
  std::vector<TF_Output> fetches_;
  std::vector<int64_t> elements_;
  std::vector<TF_Operation*> targets_;
  std::vector<Tensor> outs_;
};

// ---- Building the graph ----------------------------------------------------------------------

class GraphBuilder {
 public:
  using Attrs = std::function<void(Desc)>;

  GraphBuilder(const CaseSpec& c, const TfContext& ctx)
      : gs_(std::make_unique<GraphSession>()),
        config_(ctx.session_config),
        backward_(c.direction == "backward"),
        eager_(ctx.eager),
        notes_(ctx.notes) {}

  bool backward() const { return backward_; }
  // How many nodes of each op type the graph holds ({"Conv2D": 1, "Placeholder": 3, ...}):
  // recorded with every case, so a result says what its timed graph contains (e.g. no Transpose).
  nlohmann::json op_census() const {
    nlohmann::json census = nlohmann::json::object();
    size_t pos = 0;
    while (TF_Operation* op = TF_GraphNextOperation(graph(), &pos)) {
      const std::string type = TF_OperationOpType(op);
      census[type] = census.value(type, 0) + 1;
    }
    return census;
  }
  TF_Graph* graph() const { return gs_->graph(); }

  // A float Placeholder with `t`'s data, fed on every run. `dims` reinterprets the row-major
  // data with another shape of the same element count (e.g. a vector as an [n, 1] matrix).
  TF_Output feed(const HostTensor& t) { return feed(t, t.shape); }
  TF_Output feed(const HostTensor& t, const std::vector<int64_t>& dims) {
    if (element_count(dims) != t.elements())
      throw std::runtime_error(fmt::format("input {} has {} elements, the graph expects {}", t.name,
                                           t.elements(), element_count(dims)));
    return placeholder(t.name, TF_FLOAT, dims,
                       make_tensor(TF_FLOAT, dims, t.data.data(), t.data.size() * sizeof(float)));
  }

  // An int32 Placeholder for indices that the harness passes as exact integers in float32.
  // Converted here, once: a TF user's indices are integer tensors to begin with.
  TF_Output feed_int32(const HostTensor& t) {
    std::vector<int32_t> v(t.data.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int32_t>(t.data[i]);
    return placeholder(t.name, TF_INT32, t.shape,
                       make_tensor(TF_INT32, t.shape, v.data(), v.size() * sizeof(int32_t)));
  }

  // A 1-D int32 Const (axes, permutations), or one of shape `dims` (paddings).
  TF_Output const_int32(const std::vector<int32_t>& v) {
    return const_int32(v, {static_cast<int64_t>(v.size())});
  }
  TF_Output const_int32(const std::vector<int32_t>& v, const std::vector<int64_t>& dims) {
    return constant(TF_INT32, dims, v.data(), v.size() * sizeof(int32_t));
  }
  TF_Output scalar_int32(int32_t v) { return constant(TF_INT32, {}, &v, sizeof v); }
  TF_Output const_float(const std::vector<float>& v, const std::vector<int64_t>& dims) {
    return constant(TF_FLOAT, dims, v.data(), v.size() * sizeof(float));
  }
  TF_Output scalar(float v) { return constant(TF_FLOAT, {}, &v, sizeof v); }

  // Adds a node. Type attributes ("T", "Tidx", ...) are inferred from the inputs by TF's node
  // builder, so `attrs` sets only the op's own options.
  TF_Operation* node(const char* type, std::initializer_list<TF_Output> inputs, const Attrs& attrs = {},
                     std::string name = {}) {
    if (name.empty()) name = fmt::format("{}_{}", type, ++nodes_);
    TF_OperationDescription* d = TF_NewOperation(gs_->graph(), type, name.c_str());
    for (const TF_Output& in : inputs) TF_AddInput(d, in);
    if (attrs) attrs(d);
    Status s;
    TF_Operation* op = TF_FinishOperation(d, s);
    s.check(fmt::format("adding graph node {}", name));
    return op;
  }
  TF_Output op(const char* type, std::initializer_list<TF_Output> inputs, const Attrs& attrs = {}) {
    return {node(type, inputs, attrs), 0};
  }
  // A node whose last input is a list (Pack's values, DecodeCSV's record_defaults), after `inputs`.
  TF_Operation* node_with_list(const char* type, std::initializer_list<TF_Output> inputs,
                               const std::vector<TF_Output>& list, const Attrs& attrs = {}) {
    const std::string name = fmt::format("{}_{}", type, ++nodes_);
    TF_OperationDescription* d = TF_NewOperation(gs_->graph(), type, name.c_str());
    for (const TF_Output& in : inputs) TF_AddInput(d, in);
    TF_AddInputList(d, list.data(), static_cast<int>(list.size()));
    if (attrs) attrs(d);
    Status s;
    TF_Operation* op = TF_FinishOperation(d, s);
    s.check(fmt::format("adding graph node {}", name));
    return op;
  }
  // A scalar string Placeholder (a file name), fed on every run: from a Const, grappler could
  // fold the ReadFile it feeds once at session setup.
  // A scalar string Placeholder (a file name), fed on every run: from a Const, grappler could
  // fold the ReadFile it feeds once at session setup.
  TF_Output feed_string(const std::string& name, const std::string& value) {
    return placeholder(name, TF_STRING, {}, string_tensor(value));
  }
  TF_Output const_string(const std::string& value) {
    const Tensor t = string_tensor(value);
    return op("Const", {}, [&](Desc d) {
      TF_SetAttrType(d, "dtype", TF_STRING);
      Status s;
      TF_SetAttrTensor(d, "value", t.get(), s);
      s.check("TF_SetAttrTensor");
    });
  }
  TF_Output transpose(TF_Output x, const std::vector<int32_t>& perm) {
    return op("Transpose", {x, const_int32(perm)});
  }

  // d(y)/d(xs) with TF's C++ gradient registry (TF_AddGradients), seeded with `dy` (the
  // upstream gradient fed as a Placeholder), or with ones when `dy` is null (a scalar loss, as
  // when training calls backward on it). An op without a registered C++ gradient makes the
  // case unsupported, with TF's own message.
  std::vector<TF_Output> gradients(TF_Output y, const TF_Output* dy, const std::vector<TF_Output>& xs) {
    std::vector<TF_Output> dx(xs.size());
    Status s;
    TF_AddGradients(gs_->graph(), &y, 1, const_cast<TF_Output*>(xs.data()), static_cast<int>(xs.size()),
                    const_cast<TF_Output*>(dy), s, dx.data());
    if (TF_GetCode(s) != TF_OK) {
      const std::string message = TF_Message(s);
      if (message.find("No gradient defined") != std::string::npos)
        throw UnsupportedCase("tensorflow C API has no gradient for this graph: " + message);
      s.check("TF_AddGradients");
    }
    return dx;
  }
  std::vector<TF_Output> gradients(TF_Output y, TF_Output dy, const std::vector<TF_Output>& xs) {
    return gradients(y, &dy, xs);
  }

  // Starts the session. `fetches` are returned by outputs() in order; `keep` are computed on
  // every run without being fetched. Backward cases pass the forward output as `keep`: TF runs
  // only what the fetched outputs depend on, and several gradients (add, mul, relu) do not read
  // the forward result, so without it a "backward" run would skip the forward pass. With it,
  // each run() executes the whole forward+backward graph: what a training step costs.
  std::unique_ptr<OpInstance> finish(const std::vector<TF_Output>& fetches,
                                     const std::vector<TF_Output>& keep = {}) {
    std::vector<GraphRun::Fetch> f;
    for (const TF_Output& o : fetches) f.push_back({o, static_elements(o)});
    std::vector<TF_Operation*> targets;
    for (const TF_Output& o : keep) targets.push_back(o.oper);
    if (notes_) (*notes_)["graph_ops"] = op_census();
    if (eager_) {
      EagerProgram p{std::move(gs_), std::move(feeds_), std::move(values_), {}, {}, std::move(targets), config_};
      for (const auto& x : f) p.fetches.push_back(x.output), p.elements.push_back(x.elements);
      return make_eager_replay(std::move(p));
    }
    gs_->start(config_);
    return std::make_unique<GraphRun>(std::move(gs_), std::move(feeds_), std::move(values_), std::move(f),
                                      std::move(targets));
  }

 private:
  TF_Output placeholder(const std::string& name, TF_DataType type, const std::vector<int64_t>& dims,
                        Tensor value) {
    // Named after the harness tensor (A, dY, ...), so graph dumps and TF's errors read like the
    // case. Fixed shapes (not -1), so that grappler and the kernels see exactly the benchmarked
    // problem.
    const TF_Output p{node(
                          "Placeholder", {},
                          [&](Desc d) {
                            TF_SetAttrType(d, "dtype", type);
                            TF_SetAttrShape(d, "shape", dims.data(), static_cast<int>(dims.size()));
                          },
                          name),
                      0};
    feeds_.push_back(p);
    values_.push_back(std::move(value));
    return p;
  }

  TF_Output constant(TF_DataType type, const std::vector<int64_t>& dims, const void* data, size_t bytes) {
    const Tensor value = make_tensor(type, dims, data, bytes);
    return op("Const", {}, [&](Desc d) {
      TF_SetAttrType(d, "dtype", type);
      Status s;
      TF_SetAttrTensor(d, "value", value.get(), s);  // copies the tensor into the node
      s.check("TF_SetAttrTensor");
    });
  }

  int64_t static_elements(TF_Output o) const {
    Status s;
    const int rank = TF_GraphGetTensorNumDims(gs_->graph(), o, s);
    if (TF_GetCode(s) != TF_OK || rank < 0) return -1;
    std::vector<int64_t> dims(static_cast<size_t>(rank));
    TF_GraphGetTensorShape(gs_->graph(), o, dims.data(), rank, s);
    if (TF_GetCode(s) != TF_OK) return -1;
    for (int64_t d : dims)
      if (d < 0) return -1;
    return element_count(dims);
  }

  std::unique_ptr<GraphSession> gs_;
  std::string config_;
  bool backward_;
  bool eager_;  // finish() returns the eager replay instead of a session run
  nlohmann::json* notes_;
  int nodes_ = 0;
  std::vector<TF_Output> feeds_;
  std::vector<Tensor> values_;
};

}  // namespace versus::tf
