// Graph plumbing of a trainable TensorFlow model (model_graph.h).
#include "backends/tensorflow/model/model_graph.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

#include "core/errors.h"

namespace versus::tf {

namespace {

// TF node names match [A-Za-z0-9.][A-Za-z0-9_.\-/]*; a network file may name a layer freely.
std::string node_name(const std::string& name) {
  std::string out = name.empty() ? "unnamed" : name;
  for (char& ch : out)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-' && ch != '/')
      ch = '_';
  if (!std::isalnum(static_cast<unsigned char>(out[0])) && out[0] != '.') out = "n" + out;
  return out;
}

}  // namespace

std::string ModelGraph::unique_name(const std::string& base) {
  return fmt::format("{}/{}_{}", node_name(scope_), base, ++nodes_);
}

TF_Operation* ModelGraph::node(const char* type, const std::vector<TF_Output>& inputs, const Attrs& attrs,
                               const std::vector<TF_Operation*>& after) {
  const std::string name = unique_name(type);
  TF_OperationDescription* d = TF_NewOperation(graph(), type, name.c_str());
  for (const TF_Output& in : inputs) TF_AddInput(d, in);
  for (TF_Operation* op : after) TF_AddControlInput(d, op);
  if (!device_.empty()) TF_SetDevice(d, device_.c_str());
  if (attrs) attrs(d);
  Status s;
  TF_Operation* op = TF_FinishOperation(d, s);
  s.check(fmt::format("adding graph node {}", name));
  return op;
}

TF_Output ModelGraph::placeholder(const std::string& name, TF_DataType type,
                                  const std::vector<int64_t>& dims) {
  TF_OperationDescription* d = TF_NewOperation(graph(), "Placeholder", unique_name(name).c_str());
  if (!device_.empty()) TF_SetDevice(d, device_.c_str());
  TF_SetAttrType(d, "dtype", type);
  TF_SetAttrShape(d, "shape", dims.data(), static_cast<int>(dims.size()));
  Status s;
  TF_Operation* op = TF_FinishOperation(d, s);
  s.check(fmt::format("adding placeholder {}", name));
  return {op, 0};
}

namespace {

TF_Output constant(ModelGraph& g, TF_DataType type, const std::vector<int64_t>& dims, const void* data,
                   size_t bytes) {
  const Tensor value = make_tensor(type, dims, data, bytes);
  return g.op("Const", {}, [&](Desc d) {
    TF_SetAttrType(d, "dtype", type);
    Status s;
    TF_SetAttrTensor(d, "value", value.get(), s);  // copies the tensor into the node
    s.check("TF_SetAttrTensor");
  });
}

}  // namespace

TF_Output ModelGraph::const_int32(const std::vector<int32_t>& v, const std::vector<int64_t>& dims) {
  return constant(*this, TF_INT32, dims, v.data(), v.size() * sizeof(int32_t));
}
TF_Output ModelGraph::scalar_int32(int32_t v) { return constant(*this, TF_INT32, {}, &v, sizeof v); }
TF_Output ModelGraph::scalar(float v) { return constant(*this, TF_FLOAT, {}, &v, sizeof v); }
TF_Output ModelGraph::empty_float() { return constant(*this, TF_FLOAT, {0}, nullptr, 0); }

Variable ModelGraph::variable(const std::string& name, const std::vector<int64_t>& shape) {
  Variable v{name, {}, {}, shape};
  // shared_name = the node's own name: each variable is its own resource in the session.
  const std::string node = node_name(name);
  TF_OperationDescription* d = TF_NewOperation(graph(), "VarHandleOp", node.c_str());
  if (!device_.empty()) TF_SetDevice(d, device_.c_str());
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_SetAttrShape(d, "shape", shape.data(), static_cast<int>(shape.size()));
  attr_string(d, "shared_name", node);
  Status s;
  v.handle = {TF_FinishOperation(d, s), 0};
  s.check(fmt::format("adding variable {}", name));
  const std::string saved = scope_;
  scope_ = name;
  v.value = op("ReadVariableOp", {v.handle}, [](Desc d) { TF_SetAttrType(d, "dtype", TF_FLOAT); });
  scope_ = saved;
  return v;
}

void ModelGraph::init_from(const Variable& v, const HostTensor& value) {
  if (value.elements() != element_count(v.shape))
    throw std::runtime_error(fmt::format("initial value of {} has {} elements, the variable {}", v.name,
                                         value.elements(), element_count(v.shape)));
  const std::string saved = scope_;
  scope_ = v.name;
  const TF_Output p = placeholder("initial", TF_FLOAT, v.shape);
  init_feeds_.push_back(p);
  init_values_.push_back(
      make_tensor(TF_FLOAT, v.shape, value.data.data(), value.data.size() * sizeof(float)));
  init_targets_.push_back(node("AssignVariableOp", {v.handle, p}));
  scope_ = saved;
}

void ModelGraph::init_fill(const Variable& v, float fill) {
  const std::string saved = scope_;
  scope_ = v.name;
  std::vector<int32_t> dims(v.shape.begin(), v.shape.end());
  const TF_Output value = op("Fill", {const_int32(dims), scalar(fill)});
  init_targets_.push_back(node("AssignVariableOp", {v.handle, value}));
  scope_ = saved;
}

std::vector<TF_Output> ModelGraph::gradients(TF_Output y, const std::vector<TF_Output>& xs) {
  std::vector<TF_Output> dx(xs.size());
  Status s;
  TF_AddGradients(graph(), &y, 1, const_cast<TF_Output*>(xs.data()), static_cast<int>(xs.size()), nullptr, s,
                  dx.data());
  if (TF_GetCode(s) != TF_OK) {
    const std::string message = TF_Message(s);
    if (message.find("No gradient defined") != std::string::npos)
      throw UnsupportedCase("tensorflow: the C API has no gradient for this network: " + message);
    s.check("TF_AddGradients");
  }
  return dx;
}

void ModelGraph::start(const std::string& config, const std::string& target) {
  gs_.start(config, target);
  std::vector<TF_Tensor*> values;
  for (const Tensor& t : init_values_) values.push_back(t.get());
  run(init_feeds_, values, {}, init_targets_);
  init_values_.clear();  // the initial values live in the variables now
}

std::vector<Tensor> ModelGraph::run(const std::vector<TF_Output>& feeds,
                                    const std::vector<TF_Tensor*>& values,
                                    const std::vector<TF_Output>& fetches,
                                    const std::vector<TF_Operation*>& targets, const TF_Buffer* options,
                                    TF_Buffer* metadata) {
  std::vector<TF_Tensor*> out(fetches.size(), nullptr);
  Status s;
  TF_SessionRun(gs_.session(), options, feeds.data(), values.data(), static_cast<int>(feeds.size()),
                fetches.data(), out.data(), static_cast<int>(fetches.size()), targets.data(),
                static_cast<int>(targets.size()), metadata, s);
  std::vector<Tensor> owned;
  for (TF_Tensor* t : out) owned.emplace_back(t);  // owned at once, so never leaked
  s.check("TF_SessionRun");
  return owned;
}

}  // namespace versus::tf
