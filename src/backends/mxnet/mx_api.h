// Thin RAII over MXNet's C API shared by the MXNet backend and its ops.
#pragma once
#include <mxnet/c_api.h>
#include <nnvm/c_api.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"

namespace versus::mx {

// Values of MXNet's internal enums that the C API takes as plain ints.
constexpr int kDevTypeCpu = 1;  // mxnet::Context::kCPU
constexpr int kFloat32 = 0;     // mshadow::kFloat32

// Every C API call returns 0 or -1; on -1 the reason is in the thread-local MXGetLastError().
inline void check(int rc, const char* call) {
  if (rc != 0) throw std::runtime_error(fmt::format("{} failed: {}", call, MXGetLastError()));
}

// The shape of any NDArray, as MXNet reports it (legacy shape semantics: a reduction to a
// scalar is [1], never []).
inline std::vector<int64_t> shape_of(NDArrayHandle h) {
  int ndim = 0;
  const int* dims = nullptr;
  check(MXNDArrayGetShapeEx(h, &ndim, &dims), "MXNDArrayGetShapeEx");
  // ndim is -1 for an array whose shape is not yet known; an error here, never a result.
  if (ndim < 0) throw std::runtime_error("mxnet: NDArray has an unknown shape");
  return std::vector<int64_t>(dims, dims + ndim);
}

// A copy of any float32 NDArray on the host, row-major; blocks until pending writes are done.
inline std::vector<float> copy_to_host(NDArrayHandle h) {
  size_t elements = 1;
  for (int64_t d : shape_of(h)) elements *= static_cast<size_t>(d);
  std::vector<float> host(elements);
  check(MXNDArraySyncCopyToCPU(h, host.data(), elements), "MXNDArraySyncCopyToCPU");
  return host;
}

// Owns one NDArrayHandle, allocated on cpu(0) as float32, of any rank.
class NDArray {
 public:
  explicit NDArray(const std::vector<int64_t>& shape) {
    // MXNDArrayCreateEx takes 32-bit dimensions (the wheel is built without large-tensor
    // support); the op's own size limits keep real cases far below this.
    constexpr int64_t kMaxDim = std::numeric_limits<uint32_t>::max();
    std::vector<uint32_t> dims;
    elements_ = 1;
    for (int64_t d : shape) {
      if (d < 0 || d > kMaxDim)
        throw UnsupportedCase("mxnet: dimension exceeds 2^32-1 (MXNDArrayCreateEx is 32-bit)");
      dims.push_back(static_cast<uint32_t>(d));
      elements_ *= static_cast<size_t>(d);
    }
    // delay_alloc=0: allocate now, in prepare(), not on the first timed write.
    check(MXNDArrayCreateEx(dims.data(), static_cast<uint32_t>(dims.size()), kDevTypeCpu, 0,
                            /*delay_alloc=*/0, kFloat32, &handle_),
          "MXNDArrayCreateEx");
  }
  NDArray(int64_t rows, int64_t cols) : NDArray(std::vector<int64_t>{rows, cols}) {}
  // A failed free cannot be reported from a destructor, and there is nothing left to do then.
  ~NDArray() { if (handle_) MXNDArrayFree(handle_); }
  NDArray(const NDArray&) = delete;
  NDArray& operator=(const NDArray&) = delete;

  NDArrayHandle get() const { return handle_; }

  // Both copies block until the engine has finished every pending write to this array.
  void copy_from(const std::vector<float>& host) {
    if (host.size() != elements_)
      throw std::runtime_error(fmt::format("mxnet: input has {} elements, NDArray has {}",
                                           host.size(), elements_));
    check(MXNDArraySyncCopyFromCPU(handle_, host.data(), elements_), "MXNDArraySyncCopyFromCPU");
  }
  std::vector<float> copy_to_host() const { return mx::copy_to_host(handle_); }

 private:
  NDArrayHandle handle_ = nullptr;
  size_t elements_ = 0;
};

// An operator's handle, looked up once in prepare() (the Python frontend does it at import).
inline OpHandle op_handle(const char* name) {
  OpHandle h = nullptr;
  // NNVM keeps its own last error, apart from MXGetLastError().
  if (NNGetOpHandle(name, &h) != 0)
    throw std::runtime_error(fmt::format("NNGetOpHandle({}) failed: {}", name, NNGetLastError()));
  return h;
}

// What every MXNet op gets from the backend (nothing yet: the engine is process-wide).
struct MxContext {};

}  // namespace versus::mx
