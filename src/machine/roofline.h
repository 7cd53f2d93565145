// The machine's measured limits: peak float32 FMA throughput and sustainable memory bandwidth.
#pragma once
#include <nlohmann/json.hpp>

namespace versus {

struct Roofline {
  double peak_gflops = 0;     // float32, all `threads` busy with independent FMAs
  double bandwidth_gbs = 0;   // STREAM triad a = b + s·c, best of several trials
  int threads = 0;
  std::string isa;            // which kernel measured the peak (avx512f, avx2+fma, scalar)
};

Roofline measure_roofline(int threads);
// Attainable GFLOP/s at arithmetic intensity `flops_per_byte`: min(peak, bandwidth·intensity).
double roofline_bound_gflops(const Roofline& r, double flops_per_byte);

void to_json(nlohmann::json& j, const Roofline& r);
void from_json(const nlohmann::json& j, Roofline& r);

}  // namespace versus
