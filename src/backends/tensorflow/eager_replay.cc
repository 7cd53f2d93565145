#include "backends/tensorflow/eager_replay.h"

#include <tensorflow/c/eager/c_api.h>
#include <tensorflow/c/eager/c_api_experimental.h>

#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace versus::tf {
namespace {

using Key = std::pair<TF_Operation*, int>;

struct Node {
  TF_Operation* oper;
  std::string type;
  std::vector<Key> inputs;
  std::vector<std::pair<std::string, std::string>> attrs;  // name, serialized AttrValue
  int outputs;
};

class EagerReplay final : public OpInstance {
 public:
  explicit EagerReplay(EagerProgram p) : p_(std::move(p)) {
    Status s;
    TFE_ContextOptions* opts = TFE_NewContextOptions();
    TFE_ContextOptionsSetConfig(opts, p_.config.data(), p_.config.size(), s);
    if (TF_GetCode(s) == TF_OK) ctx_ = TFE_NewContext(opts, s);
    TFE_DeleteContextOptions(opts);
    s.check("TFE_NewContext");
    for (size_t i = 0; i < p_.feeds.size(); ++i) {
      fed_[{p_.feeds[i].oper, p_.feeds[i].index}] = TFE_NewTensorHandle(p_.values[i].get(), s);
      s.check("TFE_NewTensorHandle");
    }
    plan();
  }
  EagerReplay(const EagerReplay&) = delete;
  EagerReplay& operator=(const EagerReplay&) = delete;
  ~EagerReplay() override {
    release(results_);
    release(fed_);
    if (ctx_) TFE_DeleteContext(ctx_);
  }

  void run() override {
    release(results_);
    std::map<Key, TFE_TensorHandle*> live = {};
    try {
      for (const Node& n : nodes_) execute(n, live);
    } catch (...) {
      release(live);
      throw;
    }
    // Keep the fetched handles; drop every intermediate, as an eager program's temporaries die.
    for (const TF_Output& f : p_.fetches) {
      auto it = live.find({f.oper, f.index});
      if (it == live.end()) throw std::runtime_error("tensorflow eager: a fetched output was not computed");
      results_[it->first] = it->second;
      live.erase(it);
    }
    release(live);
  }

  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < p_.fetches.size(); ++i) {
      auto it = results_.find({p_.fetches[i].oper, p_.fetches[i].index});
      if (it == results_.end()) throw std::runtime_error("outputs() called before a successful run()");
      Status s;
      const Tensor t(TFE_TensorHandleResolve(it->second, s));
      s.check("TFE_TensorHandleResolve");
      const int64_t n = TF_TensorElementCount(t.get());
      if (TF_TensorType(t.get()) != TF_FLOAT || (p_.elements[i] >= 0 && n != p_.elements[i]))
        throw std::runtime_error(fmt::format("eager output {} has {} elements, expected float with {}", i, n, p_.elements[i]));
      const auto* d = static_cast<const float*>(TF_TensorData(t.get()));
      out.emplace_back(d, d + n);
    }
    return out;
  }

 private:
  // The nodes the fetches and targets need, in graph order (creation order is topological:
  // a node's inputs exist before it), with their inputs and attributes read once.
  void plan() {
    std::set<TF_Operation*> needed;
    std::vector<TF_Operation*> stack;
    for (const auto& f : p_.fetches) stack.push_back(f.oper);
    for (TF_Operation* t : p_.targets) stack.push_back(t);
    while (!stack.empty()) {
      TF_Operation* o = stack.back();
      stack.pop_back();
      if (!needed.insert(o).second) continue;
      for (int i = 0; i < TF_OperationNumInputs(o); ++i) stack.push_back(TF_OperationInput({o, i}).oper);
      std::vector<TF_Operation*> control(static_cast<size_t>(TF_OperationNumControlInputs(o)));
      TF_OperationGetControlInputs(o, control.data(), static_cast<int>(control.size()));
      stack.insert(stack.end(), control.begin(), control.end());
    }
    size_t pos = 0;
    for (TF_Operation* o; (o = TF_GraphNextOperation(p_.graph->graph(), &pos)) != nullptr;) {
      if (!needed.count(o) || fed_.count({o, 0})) continue;
      Node n{o, TF_OperationOpType(o), {}, {}, TF_OperationNumOutputs(o)};
      if (n.type == "Placeholder") throw std::runtime_error("tensorflow eager: a Placeholder is not fed");
      for (int i = 0; i < TF_OperationNumInputs(o); ++i) {
        const TF_Output in = TF_OperationInput({o, i});
        n.inputs.push_back({in.oper, in.index});
      }
      for (int a = 0; a < TF_OperationGetNumAttrs(o); ++a) {
        Status s;
        std::string name(static_cast<size_t>(TF_OperationGetAttrNameLength(o, a)), '\0');
        TF_OperationGetAttrName(o, a, name.data(), s);
        s.check("TF_OperationGetAttrName");
        if (name.empty() || name[0] == '_') continue;  // graph-internal (e.g. _class), not an op attribute
        TF_Buffer* buf = TF_NewBuffer();
        TF_OperationGetAttrValueProto(o, name.c_str(), buf, s);
        if (TF_GetCode(s) == TF_OK) n.attrs.push_back({name, std::string(static_cast<const char*>(buf->data), buf->length)});
        TF_DeleteBuffer(buf);
        s.check("TF_OperationGetAttrValueProto");
      }
      nodes_.push_back(std::move(n));
    }
  }

  void execute(const Node& n, std::map<Key, TFE_TensorHandle*>& live) {
    Status s;
    TFE_Op* op = TFE_NewOp(ctx_, n.type.c_str(), s);
    s.check("TFE_NewOp(" + n.type + ")");
    for (const Key& k : n.inputs) {
      auto it = live.find(k);
      TFE_TensorHandle* h = it != live.end() ? it->second : fed_.count(k) ? fed_.at(k) : nullptr;
      if (!h) {
        TFE_DeleteOp(op);
        throw std::runtime_error("tensorflow eager: input of " + n.type + " not computed");
      }
      TFE_OpAddInput(op, h, s);
      if (TF_GetCode(s) != TF_OK) break;
    }
    for (size_t a = 0; a < n.attrs.size() && TF_GetCode(s) == TF_OK; ++a)
      TFE_OpSetAttrValueProto(op, n.attrs[a].first.c_str(), n.attrs[a].second.data(), n.attrs[a].second.size(), s);
    std::vector<TFE_TensorHandle*> out(static_cast<size_t>(n.outputs), nullptr);
    int count = n.outputs;
    if (TF_GetCode(s) == TF_OK) TFE_Execute(op, out.data(), &count, s);
    TFE_DeleteOp(op);
    s.check("TFE_Execute(" + n.type + ")");
    for (int i = 0; i < count; ++i) live[{n.oper, i}] = out[static_cast<size_t>(i)];
  }

  static void release(std::map<Key, TFE_TensorHandle*>& handles) {
    for (auto& [k, h] : handles) TFE_DeleteTensorHandle(h);
    handles.clear();
  }

  EagerProgram p_;
  TFE_Context* ctx_ = nullptr;
  std::map<Key, TFE_TensorHandle*> fed_, results_;
  std::vector<Node> nodes_;
};

}  // namespace

std::unique_ptr<OpInstance> make_eager_replay(EagerProgram p) { return std::make_unique<EagerReplay>(std::move(p)); }

}  // namespace versus::tf
