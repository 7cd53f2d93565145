// Seeded, platform-independent random numbers: the same seed gives the same bytes everywhere,
// so every backend receives identical inputs (std::uniform_real_distribution is not portable).
#pragma once
#include <cstdint>
#include <span>

namespace versus {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  // Uniform in [lo, hi), with 24 random mantissa bits so every value is an exact float.
  float uniform(float lo, float hi);

 private:
  uint64_t state_;
};

// Fills `out` with uniform values in [lo, hi) drawn from a stream derived from (seed, stream).
void fill_uniform(std::span<float> out, uint64_t seed, uint64_t stream, float lo, float hi);

}  // namespace versus
