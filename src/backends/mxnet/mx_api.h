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

// Owns one NDArrayHandle, allocated on cpu(0) as float32.
class NDArray {
 public:
  NDArray(int64_t rows, int64_t cols) {
    // MXNDArrayCreateEx takes 32-bit dimensions (the wheel is built without large-tensor
    // support); the op's own size limits keep real cases far below this.
    constexpr int64_t kMaxDim = std::numeric_limits<uint32_t>::max();
    if (rows > kMaxDim || cols > kMaxDim)
      throw UnsupportedCase("mxnet: dimension exceeds 2^32-1 (MXNDArrayCreateEx is 32-bit)");
    const uint32_t shape[2] = {static_cast<uint32_t>(rows), static_cast<uint32_t>(cols)};
    // delay_alloc=0: allocate now, in prepare(), not on the first timed write.
    check(MXNDArrayCreateEx(shape, 2, kDevTypeCpu, 0, /*delay_alloc=*/0, kFloat32, &handle_),
          "MXNDArrayCreateEx");
    elements_ = static_cast<size_t>(rows * cols);
  }
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
  std::vector<float> copy_to_host() const {
    std::vector<float> host(elements_);
    check(MXNDArraySyncCopyToCPU(handle_, host.data(), elements_), "MXNDArraySyncCopyToCPU");
    return host;
  }

 private:
  NDArrayHandle handle_ = nullptr;
  size_t elements_ = 0;
};

// What every MXNet op gets from the backend (nothing yet: the engine is process-wide).
struct MxContext {};

}  // namespace versus::mx
