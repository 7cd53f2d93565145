// oneDNN plumbing for the native ops: one engine and stream per process, and an OpInstance that
// holds primitives created in prepare and only executes them in run(). A backward case's run()
// executes the forward primitives and then the backward ones: backward cases time forward +
// backward, one training step of the op, the same in every backend.
//
// Memory: inputs and outputs are host vectors in the op's row-major contract layout, wrapped by
// dnnl::memory without a copy. Where a primitive picks its own layout (format "any", e.g.
// convolution's blocked nChw16c), the reorders to and from the contract layout are steps of run()
// and so timed: every framework holding plain NCHW tensors pays them too, and the op is defined
// on plain tensors.
#pragma once
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <dnnl.hpp>
#include <fmt/format.h>

#include "core/case_spec.h"
#include "core/errors.h"
#include "core/tensor.h"
#include "worker/backend.h"

namespace versus {

struct OnednnRuntime {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

// One per process: every op runs on the one CPU engine, and creating it is not free.
inline OnednnRuntime& onednn() {
  static OnednnRuntime runtime;
  return runtime;
}

// The row-major (plain) float32 layout of `dims`, any rank up to 4.
inline dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  static const tag tags[] = {tag::a, tag::ab, tag::abc, tag::abcd};
  if (dims.empty() || dims.size() > 4) throw std::logic_error("plain_desc: rank 1 to 4 only");
  return {dims, dnnl::memory::data_type::f32, tags[dims.size() - 1]};
}

using OnednnArgs = std::unordered_map<int, dnnl::memory>;

class OnednnInstance final : public OpInstance {
 public:
  // A copy of `t` described by `md`: the harness's row-major data, or a strided view of it (a
  // transpose). Each tensor is copied once however many descriptors view it.
  dnnl::memory input(const HostTensor& t, const dnnl::memory::desc& md) {
    if (md.get_size() != t.data.size() * sizeof(float))
      throw std::logic_error(fmt::format("oneDNN input {}: {} bytes for {} floats", t.name, md.get_size(),
                                         t.data.size()));
    auto [it, added] = inputs_.try_emplace(&t, nullptr);
    if (added) it->second = &bufs_.emplace_back(t.data);
    return dnnl::memory(md, onednn().engine, it->second->data());
  }

  // An output in the contract layout `user`. When the primitive writes another layout `produced`,
  // the returned memory is a library-owned buffer in that layout and run() ends with a reorder
  // into the contract buffer.
  dnnl::memory output(const dnnl::memory::desc& user, const dnnl::memory::desc& produced) {
    std::vector<float>& b = bufs_.emplace_back(user.get_size() / sizeof(float), 0.0f);
    outs_.push_back(&b);
    dnnl::memory contract(user, onednn().engine, b.data());
    if (produced == user) return contract;
    dnnl::memory m(produced, onednn().engine);
    tail_.push_back({dnnl::reorder(m, contract), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, contract}}});
    return m;
  }
  dnnl::memory output(const dnnl::memory::desc& user) { return output(user, user); }

  // `from` in layout `want`: itself, or a new buffer filled by a reorder step of run().
  dnnl::memory in_layout(const dnnl::memory& from, const dnnl::memory::desc& want) {
    if (from.get_desc() == want) return from;
    dnnl::memory m(want, onednn().engine);
    step(dnnl::reorder(from, m), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, m}});
    return m;
  }

  // Library-owned working memory (a workspace, saved statistics, a saved forward result).
  static dnnl::memory scratch(const dnnl::memory::desc& md) { return dnnl::memory(md, onednn().engine); }

  // A primitive execution that run() repeats, in the order added.
  void step(dnnl::primitive p, OnednnArgs args) { steps_.push_back({std::move(p), std::move(args)}); }

  // A step of a backward case's forward pass (writing Y, a workspace, batch statistics into
  // scratch memory): added before the backward steps, so run() executes it first, every time.
  // Backward cases time forward + backward: one training step of the op, the same in every
  // backend (TensorFlow and MXNet can only time it that way).
  void forward_step(dnnl::primitive p, OnednnArgs args) { step(std::move(p), std::move(args)); }

  void run() override {
    for (auto& s : steps_) s.p.execute(onednn().stream, s.args);
    for (auto& s : tail_) s.p.execute(onednn().stream, s.args);
    onednn().stream.wait();
  }

  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out;
    for (const auto* b : outs_) out.push_back(*b);
    return out;
  }

 private:
  struct Step {
    dnnl::primitive p;
    OnednnArgs args;
  };
  std::deque<std::vector<float>> bufs_;  // a deque: wrapped pointers stay valid as it grows
  std::vector<std::vector<float>*> outs_;
  std::unordered_map<const HostTensor*, std::vector<float>*> inputs_;
  std::vector<Step> steps_, tail_;
};

// Runs `make` (which builds primitives) turning oneDNN's "unimplemented" — no implementation for
// this shape or layout — into UnsupportedCase, and its other errors into runtime errors with
// the library's message.
template <class Make>
std::unique_ptr<OpInstance> with_onednn(const CaseSpec& c, Make&& make) {
  try {
    return make();
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_unimplemented)
      throw UnsupportedCase(fmt::format("oneDNN has no implementation for {} {}: {}", c.op, c.direction, e.what()));
    throw std::runtime_error(fmt::format("oneDNN error in {} {}: {} (status {})", c.op, c.direction, e.what(),
                                         int(e.status)));
  }
}

}  // namespace versus
