// The machine's measured limits: peak float32 FMA throughput and sustainable memory bandwidth.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct Roofline {
  double peak_gflops = 0;     // float32, all `threads` busy with independent FMAs; best trial
  double bandwidth_gbs = 0;   // STREAM triad a = b + s·c; best trial
  int threads = 0;
  std::string isa;            // which kernel measured the peak (avx512f, avx2+fma, scalar)
  // Every trial, so the spread shows how steady the machine was while it was measured.
  std::vector<double> peak_trials, bandwidth_trials;
};

Roofline measure_roofline(int threads);
// Runs work(0..threads-1) on threads started together and returns the wall time from the first
// thread's start to the last thread's end, each stamped by the thread itself: a timing thread
// that is scheduled late (one more runnable thread than cores) cannot shorten it.
double time_parallel(int threads, const std::function<void(int)>& work);
// Attainable GFLOP/s at arithmetic intensity `flops_per_byte`: min(peak, bandwidth·intensity).
double roofline_bound_gflops(const Roofline& r, double flops_per_byte);

void to_json(nlohmann::json& j, const Roofline& r);
void from_json(const nlohmann::json& j, Roofline& r);

}  // namespace versus
