// A bare timing loop around torch::mm_out (the call the torch worker times, into a preallocated
// output, so neither side pays for allocating C): the yardstick for versus's harness tax on the torch
// worker (the cost of processes, protocol and timing loop, not of libtorch). Prints the median
// GFLOP/s of `reps` calls of C(M×N) = A(M×K) B(K×N).
//   versus-bench-bare-torch-mm M N K THREADS REPS
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/rng.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s M N K THREADS REPS\n", argv[0]);
    return 2;
  }
  const int64_t m = std::atoll(argv[1]), n = std::atoll(argv[2]), k = std::atoll(argv[3]);
  const int threads = std::atoi(argv[4]), reps = std::atoi(argv[5]);
  torch::set_num_threads(threads);  // as the torch worker sets them
  torch::set_num_interop_threads(1);
  std::vector<float> a(size_t(m * k)), b(size_t(k * n));
  versus::fill_uniform(a, 42, 0, -1, 1);  // the same bytes versus feeds its workers
  versus::fill_uniform(b, 42, 1, -1, 1);
  const torch::Tensor ta = torch::from_blob(a.data(), {m, k}), tb = torch::from_blob(b.data(), {k, n});
  torch::Tensor c = torch::empty({m, n});
  for (int i = 0; i < 5; ++i) torch::mm_out(c, ta, tb);
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::mm_out(c, ta, tb);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(seconds.begin(), seconds.begin() + reps / 2, seconds.end());
  std::printf("%.3f\n", 2.0 * double(m) * double(n) * double(k) / seconds[reps / 2] * 1e-9);
  return 0;
}
