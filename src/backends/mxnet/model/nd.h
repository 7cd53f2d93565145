// NDArrays and operator calls for the training path, as Gluon code makes them: every call
// `y = nd.op(x, ..., **kwargs)` returns fresh arrays (what autograd records), and the optimizer's
// `nd.sgd_update(w, g, out=w)` writes in place. Unlike mx_program.h's fixed replay, a training
// step's shapes follow the batch, so calls are made directly.
#pragma once
#include <mxnet/c_api.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "backends/mxnet/mx_api.h"

namespace versus::mx {

// Owns one NDArrayHandle (any shape, float32 on cpu(0)); movable, freed on destruction.
// Freeing a handle only drops a reference: autograd and the engine keep what they still need.
class Array {
 public:
  Array() = default;
  explicit Array(NDArrayHandle h) : h_(h) {}
  ~Array() { reset(); }
  Array(Array&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Array& operator=(Array&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;

  // A new array holding a copy of `data` (row-major, product(shape) elements).
  static Array from_host(const std::vector<int64_t>& shape, const float* data, size_t count);
  static Array from_host(const std::vector<int64_t>& shape, const std::vector<float>& data) {
    return from_host(shape, data.data(), data.size());
  }
  static Array filled(const std::vector<int64_t>& shape, float value);

  NDArrayHandle get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }
  std::vector<int64_t> shape() const { return shape_of(h_); }
  // Blocks until pending writes are done.
  std::vector<float> to_host() const { return copy_to_host(h_); }

 private:
  void reset() {
    // A failed free cannot be reported from here, and nothing is left to do then.
    if (h_) MXNDArrayFree(h_);
    h_ = nullptr;
  }
  NDArrayHandle h_ = nullptr;
};

// Keyword arguments as the Python frontend passes them: each value's str().
using Kwargs = std::vector<std::pair<std::string, std::string>>;

// `op(inputs..., **kwargs)`: every visible output, new arrays.
std::vector<Array> invoke(const std::string& op, const std::vector<NDArrayHandle>& inputs,
                          const Kwargs& kwargs = {});
// The first visible output only (the others, e.g. none for BatchNorm without output_mean_var,
// are dropped).
Array call(const std::string& op, const std::vector<NDArrayHandle>& inputs, const Kwargs& kwargs = {});
// `op(inputs..., out=out)`: writes the single visible output into an existing array.
void call_into(const std::string& op, const std::vector<NDArrayHandle>& inputs, NDArrayHandle out,
               const Kwargs& kwargs = {});

// While a tracer is installed (model/hybrid.cc), every invoke()/call() also hands it the call, so
// the same operators can be composed into a symbol: how Gluon's hybridize() traces a forward.
class CallTracer {
 public:
  virtual ~CallTracer() = default;
  virtual void record(const std::string& op, const std::vector<NDArrayHandle>& inputs, const Kwargs& kwargs,
                      const std::vector<NDArrayHandle>& outputs) = 0;
};
// Installs `tracer` (nullptr: none) for this thread; returns the one it replaces.
CallTracer* set_call_tracer(CallTracer* tracer);

// A float as MXNet's parameter parser reads it back exactly (shortest round-trip form).
std::string num(double v);
// "(a, b)" for kernel/stride/pad tuples, "(a, b, c)" for axes.
std::string tuple(const std::vector<int64_t>& v);

}  // namespace versus::mx
