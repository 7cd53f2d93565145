// The machinery shared by the MXNet ops (gemm for its backward only): an op's computation
// written once as a sequence of imperative operator calls (what a Gluon user's code does, one
// `nd.<op>(...)` per step), replayed by run() either as a plain forward pass or, for the
// backward direction, recorded by MXNet's autograd and differentiated by it, as
// `with autograd.record(): ...; y.backward(dY)` does.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/mxnet/mx_api.h"
#include "core/case_spec.h"
#include "core/tensor.h"
#include "worker/backend.h"

namespace versus::mx {

// One keyword argument of an operator, as the Python frontend passes it: the value's str().
using Param = std::pair<const char*, std::string>;

inline const char* py_bool(bool b) { return b ? "True" : "False"; }

// A fixed sequence of MXImperativeInvoke calls. Everything is resolved when the program is
// built (operator handles, keyword strings), so a replay does no lookups of its own.
class Program {
 public:
  using Value = size_t;  // an array of the program: an input, a constant or a step's output

  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  ~Program() { release(); }

  // An array owned by the program holding a copy of `t`, with t's shape.
  Value input(const HostTensor& t) {
    arrays_.push_back(std::make_unique<NDArray>(t.shape));
    arrays_.back()->copy_from(t.data);
    return add_value({arrays_.back().get(), nullptr});
  }

  // An array of `shape` filled with `value` (e.g. BatchNorm's running statistics).
  Value constant(const std::vector<int64_t>& shape, float value) {
    arrays_.push_back(std::make_unique<NDArray>(shape));
    size_t elements = 1;
    for (int64_t d : shape) elements *= static_cast<size_t>(d);
    arrays_.back()->copy_from(std::vector<float>(elements, value));
    return add_value({arrays_.back().get(), nullptr});
  }

  // Appends `op(args..., **params)`; its (first visible) output is the returned value.
  Value call(const char* op, std::vector<Value> args, std::vector<Param> params = {}) {
    auto step = std::make_unique<Step>();
    step->op = op_handle(op);
    step->name = op;
    step->args = std::move(args);
    step->params = std::move(params);
    // The pointers are taken once the strings have their final home (the step never moves).
    for (const auto& [key, value] : step->params) {
      step->keys.push_back(key);
      step->vals.push_back(value.c_str());
    }
    steps_.push_back(std::move(step));
    return add_value({nullptr, steps_.back().get()});
  }

  // Queues every step on MXNet's engine (nothing waits here).
  //   reuse = true: a step writes into the arrays its first replay had MXNet allocate, as
  //     `nd.op(..., out=y)` does, so a timed replay allocates nothing (gemm does the same).
  //   reuse = false: every step gets new arrays, as `y = nd.op(...)` does. This is how a
  //     recorded Gluon step is written (MXNet refuses to record into an array that is still
  //     part of a recorded graph, so out= has no place there). The arrays stay alive until
  //     release().
  void execute(bool reuse) {
    std::vector<NDArrayHandle> inputs;
    for (auto& step : steps_) {
      inputs.clear();
      for (Value v : step->args) inputs.push_back(handle(v));
      const bool into_existing = reuse && !step->outputs.empty();
      int num_outputs = into_existing ? static_cast<int>(step->outputs.size()) : 0;
      NDArrayHandle* outputs = into_existing ? step->outputs.data() : nullptr;
      check(MXImperativeInvoke(step->op, static_cast<int>(inputs.size()), inputs.data(), &num_outputs, &outputs,
                               static_cast<int>(step->keys.size()), step->keys.data(), step->vals.data()),
            step->name);
      if (into_existing) continue;
      // New arrays: `outputs` points into MXNet's thread-local return buffer, and each handle
      // is ours to free.
      free_outputs(*step);
      step->outputs.assign(outputs, outputs + num_outputs);
    }
  }

  // Frees every step's arrays; MXNet's engine keeps each alive until its pending work is done.
  void release() {
    for (auto& step : steps_) free_outputs(*step);
  }

  NDArrayHandle handle(Value v) const {
    const Source& s = values_.at(v);
    if (s.array) return s.array->get();
    if (s.step->outputs.empty())
      throw std::logic_error(fmt::format("mxnet: output of {} read before the step ran", s.step->name));
    return s.step->outputs.front();
  }

 private:
  struct Step {
    OpHandle op = nullptr;
    const char* name = nullptr;  // a string literal
    std::vector<Value> args;
    std::vector<Param> params;
    std::vector<const char*> keys, vals;
    std::vector<NDArrayHandle> outputs;  // owned
  };
  struct Source {
    NDArray* array;  // an input or a constant
    Step* step;      // else a step's output
  };

  Value add_value(Source s) {
    values_.push_back(s);
    return values_.size() - 1;
  }

  // A failed free cannot be recovered from; MXNDArrayFree only drops a reference.
  static void free_outputs(Step& step) {
    for (NDArrayHandle h : step.outputs) MXNDArrayFree(h);
    step.outputs.clear();
  }

  std::vector<std::unique_ptr<NDArray>> arrays_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<Source> values_;
};

// Sets autograd's thread-local recording and training flags for a scope, restoring them after
// (`autograd.record()` / `autograd.train_mode()` in Python).
class AutogradMode {
 public:
  AutogradMode(bool recording, bool training) {
    check(MXAutogradSetIsRecording(recording ? 1 : 0, &prev_recording_), "MXAutogradSetIsRecording");
    check(MXAutogradSetIsTraining(training ? 1 : 0, &prev_training_), "MXAutogradSetIsTraining");
  }
  // Restoring cannot fail for valid flags, and a destructor could not report it.
  ~AutogradMode() {
    int ignored = 0;
    MXAutogradSetIsTraining(prev_training_, &ignored);
    MXAutogradSetIsRecording(prev_recording_, &ignored);
  }
  AutogradMode(const AutogradMode&) = delete;
  AutogradMode& operator=(const AutogradMode&) = delete;

 private:
  int prev_recording_ = 0, prev_training_ = 0;
};

// How an op of the catalogue is built in MXNet.
struct Recipe {
  // Appends the forward computation to `p`, given the op's forward inputs (the case's inputs
  // without dY), and returns its output.
  std::function<Program::Value(Program& p, const std::vector<Program::Value>& inputs)> forward;
  // Backward: the forward inputs whose gradients the op's reference returns, in that order.
  std::vector<size_t> grads_of{};
  // Backward: whether the case's last input is dY, the head gradient. Losses have none: their
  // upstream gradient is 1, as for `loss.backward()`.
  bool head_gradient = true;
  // Forward in training mode as well (batch_norm: batch statistics, as under train_mode()).
  bool training = false;
};

// One case of a Recipe, forward or backward.
class RecipeInstance final : public OpInstance {
 public:
  RecipeInstance(const CaseSpec& c, const std::vector<HostTensor>& in, const Recipe& r)
      : backward_(c.direction == "backward"), training_(r.training || backward_) {
    const size_t forward_inputs = in.size() - (backward_ && r.head_gradient ? 1 : 0);
    std::vector<Program::Value> inputs;
    for (size_t i = 0; i < forward_inputs; ++i) inputs.push_back(program_.input(in[i]));
    output_ = r.forward(program_, inputs);
    if (!backward_) return;
    if (r.head_gradient) head_ = program_.input(in.back());
    // attach_grad(): a gradient buffer per differentiated input, grad_req "write" (1, MXNet's
    // kWriteTo), so each backward overwrites it rather than adding to it.
    std::vector<NDArrayHandle> vars, grads;
    std::vector<uint32_t> reqs;
    for (size_t i : r.grads_of) {
      grads_.push_back(std::make_unique<NDArray>(in.at(i).shape));
      vars.push_back(program_.handle(inputs.at(i)));
      grads.push_back(grads_.back()->get());
      reqs.push_back(1);
    }
    check(MXAutogradMarkVariables(static_cast<uint32_t>(vars.size()), vars.data(), reqs.data(), grads.data()),
          "MXAutogradMarkVariables");
  }

  // What is timed, forward: every step queued (writing into the arrays of the first run) and the
  // wait for the engine to finish them. Backward: the recorded forward pass (fresh arrays, as in
  // a Gluon training step), the backward pass into the gradient buffers, and the wait for the
  // engine to finish both; the forward arrays are dropped before the wait, as a training loop
  // drops them when it rebinds its variables.
  void run() override {
    if (!backward_) {
      {
        const AutogradMode mode(false, training_);
        program_.execute(/*reuse=*/true);
      }
      check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
      return;
    }
    {
      const AutogradMode mode(true, true);
      program_.execute(/*reuse=*/false);
    }
    NDArrayHandle out = program_.handle(output_);
    NDArrayHandle head = head_ ? program_.handle(*head_) : nullptr;
    // No variables listed: the gradients go to the buffers attached above (as y.backward()).
    // retain_graph 0 frees the recorded graph; is_train 1 as under autograd.record().
    check(MXAutogradBackwardEx(1, &out, head_ ? &head : nullptr, 0, nullptr, /*retain_graph=*/0,
                               /*create_graph=*/0, /*is_train=*/1, nullptr, nullptr),
          "MXAutogradBackwardEx");
    program_.release();
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
  }

  std::vector<std::vector<float>> outputs() override {
    if (!backward_) return {copy_to_host(program_.handle(output_))};
    std::vector<std::vector<float>> out;
    for (const auto& g : grads_) out.push_back(g->copy_to_host());
    return out;
  }

 private:
  bool backward_, training_;
  Program program_;
  Program::Value output_ = 0;
  std::optional<Program::Value> head_;
  std::vector<std::unique_ptr<NDArray>> grads_;
};

inline std::unique_ptr<OpInstance> make_instance(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const Recipe& r) {
  return std::make_unique<RecipeInstance>(c, in, r);
}

// "(a, b)": how MXNet's tuple parameters (kernel, stride, pad) read a pair.
inline std::string pair_param(int64_t a, int64_t b) { return fmt::format("({}, {})", a, b); }

}  // namespace versus::mx
