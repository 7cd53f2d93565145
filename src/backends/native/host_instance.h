// Helpers shared by the native ops: an OpInstance whose run() is one host function over buffers
// it owns (the OpenBLAS, Eigen and plain-loop variants) — for a backward case the forward pass
// then the backward, both every run() — and the variant dispatch's refusal.
#pragma once
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/case_spec.h"
#include "core/errors.h"
#include "core/tensor.h"
#include "worker/backend.h"

namespace versus {

// Thrown when a variant's library has no routine for the case; `why` names what is missing, so the
// report says why the cell is empty instead of timing a stand-in written by us.
[[noreturn]] inline void unsupported_variant(const CaseSpec& c, const std::string& why) {
  throw UnsupportedCase(fmt::format("native/{} has no {} {}: {}", c.variant.empty() ? "openblas" : c.variant,
                                    c.op, c.direction, why));
}

inline bool is_backward(const CaseSpec& c) { return c.direction == "backward"; }

// Buffers live in a deque so that references handed out stay valid as more are added; the body
// captures those references. Inputs are copied: the harness's tensors are const and shared.
class HostInstance final : public OpInstance {
 public:
  std::vector<float>& input(const HostTensor& t) { return bufs_.emplace_back(t.data); }
  std::vector<float>& output(size_t elements) {
    std::vector<float>& b = bufs_.emplace_back(elements, 0.0f);
    outs_.push_back(&b);
    return b;
  }
  // Working memory that is not an output (e.g. a forward result saved for the backward pass).
  std::vector<float>& scratch(size_t elements) { return bufs_.emplace_back(elements, 0.0f); }
  void set_body(std::function<void()> body) { body_ = std::move(body); }
  // A backward case's forward pass (writing its result into scratch); run() executes it before
  // the body, every time: backward cases time forward + backward, one training step of the op,
  // the same in every backend.
  void set_forward(std::function<void()> forward) { forward_ = std::move(forward); }

  void run() override {
    if (forward_) forward_();
    body_();
  }
  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out;
    for (const auto* b : outs_) out.push_back(*b);
    return out;
  }

 private:
  std::deque<std::vector<float>> bufs_;
  std::vector<std::vector<float>*> outs_;
  std::function<void()> forward_, body_;
};

}  // namespace versus
