// Tracing a Block's operator calls into a symbol and running it as a CachedOp (model/hybrid.h).
//
// Every array the traced calls read that no traced call produced (the input, parameters,
// BatchNorm's running statistics, LSTM's packed weights) becomes a variable; the CachedOp is
// invoked with those same arrays in the symbol's input order (NNSymbolListInputNames, all
// inputs, mutable ones included), the input in the data slot. Parameters are autograd
// variables, so their gradients flow through the CachedOp's backward graph.
#include "backends/mxnet/model/hybrid.h"

#include <nnvm/c_api.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "backends/mxnet/mx_program.h"  // AutogradMode

namespace versus::mx {
namespace {

constexpr const char* kDataName = "data";

class SymbolTrace final : public CallTracer {
 public:
  explicit SymbolTrace(NDArrayHandle data) { variable(data, kDataName); }
  ~SymbolTrace() override {
    for (SymbolHandle s : owned_) MXSymbolFree(s);
  }
  SymbolTrace(const SymbolTrace&) = delete;
  SymbolTrace& operator=(const SymbolTrace&) = delete;

  void record(const std::string& op, const std::vector<NDArrayHandle>& inputs, const Kwargs& kwargs,
              const std::vector<NDArrayHandle>& outputs) override {
    std::vector<SymbolHandle> args;
    for (NDArrayHandle in : inputs) {
      auto it = symbol_of_.find(in);
      args.push_back(it != symbol_of_.end() ? it->second : variable(in, fmt::format("in{}", leaves_.size())));
    }
    std::vector<const char*> keys, vals;
    for (const auto& [k, v] : kwargs) keys.push_back(k.c_str()), vals.push_back(v.c_str());
    SymbolHandle node = nullptr;
    check(MXSymbolCreateAtomicSymbol(op_handle(op.c_str()), static_cast<uint32_t>(keys.size()), keys.data(), vals.data(), &node),
          "MXSymbolCreateAtomicSymbol");
    owned_.push_back(node);
    const std::string name = fmt::format("{}{}", op, nodes_++);
    check(MXSymbolCompose(node, name.c_str(), static_cast<uint32_t>(args.size()), nullptr, args.data()), "MXSymbolCompose");
    if (outputs.size() == 1) {
      symbol_of_[outputs[0]] = node;
      return;
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      SymbolHandle out = nullptr;
      check(MXSymbolGetOutput(node, static_cast<uint32_t>(i), &out), "MXSymbolGetOutput");
      owned_.push_back(out);
      symbol_of_[outputs[i]] = out;
    }
  }

  SymbolHandle symbol_of(NDArrayHandle h) const {
    auto it = symbol_of_.find(h);
    if (it == symbol_of_.end()) throw std::runtime_error("mxnet: the traced forward returned an array no call made");
    return it->second;
  }
  const std::map<std::string, NDArrayHandle>& leaves() const { return leaves_; }
  int nodes() const { return nodes_; }

 private:
  SymbolHandle variable(NDArrayHandle h, const std::string& name) {
    SymbolHandle v = nullptr;
    check(MXSymbolCreateVariable(name.c_str(), &v), "MXSymbolCreateVariable");
    owned_.push_back(v);
    symbol_of_[h] = v;
    leaves_[name] = h;
    return v;
  }

  std::map<NDArrayHandle, SymbolHandle> symbol_of_;  // what each array seen so far is, symbolically
  std::map<std::string, NDArrayHandle> leaves_;      // variable name -> the array to feed it
  std::vector<SymbolHandle> owned_;
  int nodes_ = 0;
};

}  // namespace

struct HybridBlock::Graph {
  std::vector<int64_t> shape;
  CachedOpHandle op = nullptr;
  std::vector<NDArrayHandle> inputs;  // in the symbol's input order; the data slot is replaced per call
  size_t data_slot = 0;
  int nodes = 0;
  ~Graph() {
    if (op) MXFreeCachedOp(op);
  }
};

HybridBlock::HybridBlock(std::unique_ptr<Block> body) : body_(std::move(body)) {}
HybridBlock::~HybridBlock() = default;

Array HybridBlock::forward(const Array& x) {
  const std::vector<int64_t> shape = x.shape();
  Graph* graph = nullptr;
  for (auto& g : graphs_)
    if (g->shape == shape) graph = g.get();
  if (!graph) {
    const auto t0 = std::chrono::steady_clock::now();
    auto g = std::make_unique<Graph>();
    g->shape = shape;
    SymbolTrace trace(x.get());
    Array traced;
    {
      // Inference mode, not recorded: the trace must not move BatchNorm's running statistics
      // or leave anything for autograd; the symbol is the same in either mode.
      const AutogradMode mode(/*recording=*/false, /*training=*/false);
      CallTracer* previous = set_call_tracer(&trace);
      try {
        traced = body_->forward(x);
      } catch (...) {
        set_call_tracer(previous);
        throw;
      }
      set_call_tracer(previous);
    }
    const SymbolHandle head = trace.symbol_of(traced.get());
    uint32_t count = 0;
    const char** names = nullptr;
    check(NNSymbolListInputNames(head, /*all inputs*/ 0, &count, &names), "NNSymbolListInputNames");
    std::vector<std::string> data_indices, param_indices;
    for (uint32_t i = 0; i < count; ++i) {
      const auto it = trace.leaves().find(names[i]);
      if (it == trace.leaves().end()) throw std::runtime_error(fmt::format("mxnet: traced symbol input {} has no array", names[i]));
      g->inputs.push_back(it->second);
      if (it->first == kDataName) g->data_slot = i, data_indices.push_back(std::to_string(i));
      else param_indices.push_back(std::to_string(i));
    }
    // As Gluon 1.9 passes them: which inputs change every call and which are parameters.
    const std::string data = fmt::format("[{}]", fmt::join(data_indices, ", "));
    const std::string params = fmt::format("[{}]", fmt::join(param_indices, ", "));
    const char* keys[] = {"static_alloc", "static_shape", "data_indices", "param_indices"};
    const char* vals[] = {"true", "true", data.c_str(), params.c_str()};
    check(MXCreateCachedOpEx(head, 4, keys, vals, &g->op), "MXCreateCachedOpEx");
    g->nodes = trace.nodes();
    trace_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    graph = graphs_.emplace_back(std::move(g)).get();
  }
  std::vector<NDArrayHandle> inputs = graph->inputs;
  inputs[graph->data_slot] = x.get();
  int num_outputs = 0;
  NDArrayHandle* outputs = nullptr;
  const int* stypes = nullptr;
  check(MXInvokeCachedOpEx(graph->op, static_cast<int>(inputs.size()), inputs.data(), &num_outputs, &outputs, &stypes),
        "MXInvokeCachedOpEx");
  if (num_outputs != 1) throw std::runtime_error(fmt::format("mxnet: the CachedOp returned {} outputs, not 1", num_outputs));
  return Array(outputs[0]);
}

nlohmann::json HybridBlock::report() const {
  nlohmann::json shapes = nlohmann::json::array();
  int nodes = 0;
  for (const auto& g : graphs_) shapes.push_back(g->shape), nodes = g->nodes;
  return {{"cached_op", {{"static_alloc", true}, {"static_shape", true}, {"graphs", graphs_.size()}, {"input_shapes", shapes},
                         {"operators", nodes}, {"trace_and_create_seconds", trace_seconds_}}}};
}

}  // namespace versus::mx
