// The GPU roofline kernels (gpu_roofline.h), built by nvcc with the CUDA runtime linked statically,
// so the binary runs, and says why it cannot measure, on machines without a GPU or driver.
//   peak       every thread runs 8 independent float32 FMA chains (a dependent chain would
//              measure FMA latency, not throughput); 2 flops per FMA
//   bandwidth  the STREAM triad a[i] = b[i] + s·c[i] over three 256 MiB arrays; 12 bytes per element
// Each is the best of 5 timed launches after one warm-up, timed with CUDA events.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "machine/gpu_roofline_kernels.h"

namespace versus {
namespace {

constexpr int kChains = 8, kFmaIterations = 4096;

__global__ void fma_chains(float* out, float seed) {
  float a[kChains];
  for (int c = 0; c < kChains; ++c) a[c] = seed + static_cast<float>(threadIdx.x + c);
  const float m = 0.999999f, k = 1e-7f;
  for (int i = 0; i < kFmaIterations; ++i)
#pragma unroll
    for (int c = 0; c < kChains; ++c) a[c] = fmaf(a[c], m, k);
  float sum = 0;
  for (int c = 0; c < kChains; ++c) sum += a[c];
  if (sum == 12345.678f) out[0] = sum;  // never true: keeps the chains alive without a store per thread
}

__global__ void triad(float* a, const float* b, const float* c, float s, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    a[i] = b[i] + s * c[i];
}

struct CudaFailure {
  std::string what;
};

void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) throw CudaFailure{std::string(call) + ": " + cudaGetErrorString(e)};
}

// Seconds of the fastest of 5 launches (after a warm-up one).
template <class Launch>
double best_seconds(Launch launch) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  launch();
  check(cudaDeviceSynchronize(), "warm-up launch");
  double best = 1e300;
  for (int r = 0; r < 5; ++r) {
    check(cudaEventRecord(start), "cudaEventRecord");
    launch();
    check(cudaEventRecord(stop), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    best = std::min(best, ms * 1e-3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return best;
}

}  // namespace

GpuRooflineRaw run_gpu_roofline_kernels() {
  GpuRooflineRaw r;
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess || devices == 0) {
    r.reason = std::string("no usable CUDA device: ") + (e != cudaSuccess ? cudaGetErrorString(e) : "none found");
    return r;
  }
  float *a = nullptr, *b = nullptr, *c = nullptr;
  try {
    check(cudaSetDevice(0), "cudaSetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    const int threads = 256, blocks = prop.multiProcessorCount * (prop.maxThreadsPerMultiProcessor / threads) * 4;
    check(cudaMalloc(&a, sizeof(float)), "cudaMalloc");
    const double fma_seconds = best_seconds([&] { fma_chains<<<blocks, threads>>>(a, 1.0f); });
    const double flops = 2.0 * kChains * kFmaIterations * double(blocks) * threads;
    check(cudaFree(a), "cudaFree");
    a = nullptr;

    const size_t n = (size_t(256) << 20) / sizeof(float);
    check(cudaMalloc(&a, n * sizeof(float)), "cudaMalloc");
    check(cudaMalloc(&b, n * sizeof(float)), "cudaMalloc");
    check(cudaMalloc(&c, n * sizeof(float)), "cudaMalloc");
    check(cudaMemset(b, 0, n * sizeof(float)), "cudaMemset");
    check(cudaMemset(c, 0, n * sizeof(float)), "cudaMemset");
    const double triad_seconds =
        best_seconds([&] { triad<<<prop.multiProcessorCount * 8, 512>>>(a, b, c, 3.0f, n); });
    r.available = true;
    r.device = prop.name;
    r.peak_gflops = flops / fma_seconds * 1e-9;
    r.bandwidth_gbs = 12.0 * double(n) / triad_seconds * 1e-9;
  } catch (const CudaFailure& f) {
    r.reason = "CUDA failed while measuring: " + f.what;
  }
  if (a) cudaFree(a);
  if (b) cudaFree(b);
  if (c) cudaFree(c);
  return r;
}

}  // namespace versus
