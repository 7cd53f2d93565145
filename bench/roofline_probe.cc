// An independent check of versus's roofline (src/machine/roofline.cc): the same two numbers
// measured another way — OpenMP threads, one wall clock (omp_get_wtime) around the whole parallel
// region, the compiler's own vectorisation (-O3 -march=native) instead of hand-written vector
// types. If the two disagree by more than the machine's noise, one of them is wrong.
//   versus-bench-roofline-probe [THREADS=all] [TRIALS=5]
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double triad_gbs(int threads, size_t n) {
  std::vector<float> a(n), b(n), c(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) a[i] = 0, b[i] = 1, c[i] = 2;  // first touch by the user thread
  const double t0 = omp_get_wtime();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
  const double s = omp_get_wtime() - t0;
  if (a[n / 2] != 7.0f) std::abort();
  return 12.0 * static_cast<double>(n) / s * 1e-9;
}

// 12 independent accumulators of 16 floats each (12 vector registers, enough to hide the FMA
// latency): the compiler vectorises and fuses them.
double fma_gflops(int threads, long iters) {
  constexpr int kAcc = 12 * 16;
  double total = 0;
  const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    float acc[kAcc];
    for (int j = 0; j < kAcc; ++j) acc[j] = static_cast<float>(j + omp_get_thread_num());
    for (long i = 0; i < iters; ++i)
#pragma omp simd
      for (int j = 0; j < kAcc; ++j) acc[j] = acc[j] * 0.999999f + 1e-7f;
    for (int j = 0; j < kAcc; ++j) total += acc[j];
  }
  const double s = omp_get_wtime() - t0;
  if (total == 0) std::abort();
  return 2.0 * kAcc * static_cast<double>(iters) * threads / s * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  const int trials = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<double> bw, peak;
  for (int t = 0; t < trials; ++t) {
    bw.push_back(triad_gbs(threads, size_t{1} << 26));
    peak.push_back(fma_gflops(threads, 10'000'000));
  }
  std::printf("probe  %d threads, %d trials: FMA peak best %.1f GFLOP/s (%.1f–%.1f), triad best %.1f GB/s (%.1f–%.1f)\n",
              threads, trials, *std::max_element(peak.begin(), peak.end()), *std::min_element(peak.begin(), peak.end()),
              *std::max_element(peak.begin(), peak.end()), *std::max_element(bw.begin(), bw.end()),
              *std::min_element(bw.begin(), bw.end()), *std::max_element(bw.begin(), bw.end()));
}
