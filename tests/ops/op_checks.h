// Checks shared by the op family tests: the backward reference against central differences of
// the forward reference (the proof that the gradient formulas are right), check() against
// corrupted results, and the message of a rejected parameter.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/op_registry.h"

namespace versus::op_checks {

inline CaseSpec make_case(const std::string& op, nlohmann::json params,
                          const std::string& direction = "forward") {
  CaseSpec c;
  c.op = op;
  c.params = std::move(params);
  c.direction = direction;
  return c;
}

// Σ_k dY_k·Y_k over the forward outputs, or the scalar loss itself when `dy` is null: the
// quantity whose gradient the backward reference claims to be.
inline double objective(const OpDef& op, const CaseSpec& forward, const std::vector<HostTensor>& in,
                        const HostTensor* dy) {
  const HostTensor y = op.reference(forward, in).at(0);
  if (!dy) return y.data.at(0);
  double sum = 0;
  for (size_t k = 0; k < y.data.size(); ++k) sum += double(dy->data.at(k)) * y.data[k];
  return sum;
}

// Compares backward output `grad` with central differences, step h, of the objective with
// respect to every element of input `input`: max|fd - grad| <= tol·max|grad|.
inline void expect_gradient_matches_differences(const OpDef& op, const nlohmann::json& params, size_t input,
                                                size_t grad, double h, double tol = 1e-3) {
  SCOPED_TRACE(op.name() + " gradient " + std::to_string(grad) + " " + params.dump());
  const CaseSpec bwd = make_case(op.name(), params, "backward");
  const CaseSpec fwd = make_case(op.name(), params, "forward");
  const std::vector<HostTensor> bwd_in = op.make_inputs(bwd);
  std::vector<HostTensor> in = op.make_inputs(fwd);
  const bool takes_dy = bwd_in.size() > in.size();
  const HostTensor* dy = takes_dy ? &bwd_in.back() : nullptr;
  if (takes_dy) {
    // The head gradient is named after the forward output: dY, or dC for gemm's C.
    EXPECT_EQ(bwd_in.back().name, "d" + op.reference(fwd, in).at(0).name);
  }
  const std::vector<float> g = op.reference(bwd, bwd_in).at(grad).data;
  ASSERT_EQ(g.size(), in.at(input).data.size());
  double scale = 0, worst = 0;
  for (float v : g) scale = std::max(scale, std::fabs(double(v)));
  ASSERT_GT(scale, 0) << "a zero gradient proves nothing";
  for (size_t i = 0; i < g.size(); ++i) {
    const float x = in[input].data[i];
    const auto xp = static_cast<float>(x + h), xm = static_cast<float>(x - h);
    in[input].data[i] = xp;
    const double fp = objective(op, fwd, in, dy);
    in[input].data[i] = xm;
    const double fm = objective(op, fwd, in, dy);
    in[input].data[i] = x;
    const double fd = (fp - fm) / (double(xp) - double(xm));
    worst = std::max(worst, std::fabs(fd - g[i]));
    EXPECT_NEAR(fd, g[i], tol * scale) << "element " << i;
  }
  EXPECT_LE(worst, tol * scale);
}

// check() passes the reference itself and fails a perturbed element, a NaN, a short output and
// a missing output.
inline void expect_check_rejects_corruption(const OpDef& op, const CaseSpec& c) {
  SCOPED_TRACE(op.name() + " " + c.direction + " " + c.params.dump());
  const std::vector<HostTensor> in = op.make_inputs(c);
  const std::vector<HostTensor> refs = op.reference(c, in);
  std::vector<std::vector<float>> results;
  for (const HostTensor& r : refs) results.push_back(r.data);
  const Validation ok = op.check(c, in, refs, results);
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_EQ(ok.max_rel_error, 0.0);
  EXPECT_FALSE(ok.metric.empty());
  for (size_t o = 0; o < results.size(); ++o) {
    double max_ref = 0;
    for (float v : refs[o].data) max_ref = std::max(max_ref, std::fabs(double(v)));
    const size_t k = results[o].size() / 2;
    auto bad = results;
    bad[o][k] += static_cast<float>(1e-2 * (max_ref + std::fabs(double(bad[o][k]))));
    const Validation perturbed = op.check(c, in, refs, bad);
    EXPECT_FALSE(perturbed.passed) << "output " << o << ": " << perturbed.max_rel_error;
    bad = results;
    bad[o][k] = std::nanf("");
    EXPECT_FALSE(op.check(c, in, refs, bad).passed) << "NaN in output " << o;
    bad = results;
    bad[o].pop_back();
    EXPECT_FALSE(op.check(c, in, refs, bad).passed) << "short output " << o;
  }
  results.pop_back();
  EXPECT_FALSE(op.check(c, in, refs, results).passed) << "missing output";
}

// The UserError message for `params`, or "no error".
inline std::string rejection(const OpDef& op, const nlohmann::json& params) {
  try {
    op.validate_params(params);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

inline std::vector<std::string> names(const std::vector<HostTensor>& tensors) {
  std::vector<std::string> out;
  for (const HostTensor& t : tensors) out.push_back(t.name);
  return out;
}

}  // namespace versus::op_checks
