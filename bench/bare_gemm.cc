// A bare timing loop around cblas_sgemm: the yardstick for versus's harness tax (the cost of
// processes, protocol and timing loop). Prints the median GFLOP/s of `reps` calls.
//   versus-bench-bare-gemm N THREADS REPS
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/rng.h"

extern "C" void openblas_set_num_threads(int);

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N THREADS REPS\n", argv[0]);
    return 2;
  }
  const int n = std::atoi(argv[1]), threads = std::atoi(argv[2]), reps = std::atoi(argv[3]);
  openblas_set_num_threads(threads);
  std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
  versus::fill_uniform(a, 42, 0, -1, 1);  // the same bytes versus feeds its workers
  versus::fill_uniform(b, 42, 1, -1, 1);
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                c.data(), n);
  };
  for (int i = 0; i < 5; ++i) call();
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    call();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(seconds.begin(), seconds.begin() + reps / 2, seconds.end());
  std::printf("%.3f\n", 2.0 * n * n * double(n) / seconds[reps / 2] * 1e-9);
  return 0;
}
