#include "core/rng.h"

namespace versus {

uint64_t Rng::next_u64() {  // splitmix64
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

float Rng::uniform(float lo, float hi) {
  const float unit = static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f);
  return lo + (hi - lo) * unit;
}

void fill_uniform(std::span<float> out, uint64_t seed, uint64_t stream, float lo, float hi) {
  Rng rng(seed * 0x100000001b3ULL + stream * 0x9e3779b97f4a7c15ULL + 1);
  for (float& x : out) x = rng.uniform(lo, hi);
}

}  // namespace versus
