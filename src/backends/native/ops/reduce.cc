// reduce_sum and reduce_mean over the rows of [rows, cols] (core/ops/reduce.cc), native backend.
//   onednn  reduction primitive (reduction_sum / reduction_mean to [rows, 1]), forward only:
//           oneDNN has no reduction backward; the broadcast of dY is framework code.
//   eigen   row-wise sum forward, replicate backward; single-threaded (Eigen threads only its
//           matrix products).
// Backward cases time forward + backward: one training step of the op, the same in every
// backend; run() reduces X (to scratch) and then broadcasts dY, every time.
//   openblas  unsupported: BLAS has no reduction (a GEMV with a vector of ones would be a
//           stand-in, not a library reduction).
#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool is_mean(const CaseSpec& c) { return c.op == "reduce_mean"; }

std::unique_ptr<OpInstance> prepare_eigen(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  const Eigen::Index rows = in[0].shape.at(0), cols = in[0].shape.at(1);
  const Eigen::Map<const RowArray> x(inst->input(in[0]).data(), rows, cols);
  auto forward = [&](float* out) -> std::function<void()> {
    Eigen::Map<Eigen::ArrayXf> y(out, rows);
    if (is_mean(c)) return [=]() mutable { y = x.rowwise().mean(); };
    return [=]() mutable { y = x.rowwise().sum(); };
  };
  if (!is_backward(c)) {
    inst->set_body(forward(inst->output(size_t(rows)).data()));
    return inst;
  }
  inst->set_forward(forward(inst->scratch(size_t(rows)).data()));
  const Eigen::Map<const Eigen::ArrayXf> dy(inst->input(in[1]).data(), rows);
  Eigen::Map<RowArray> dx(inst->output(in[0].data.size()).data(), rows, cols);
  if (is_mean(c)) {
    const float inv = 1.0f / static_cast<float>(cols);
    inst->set_body([=]() mutable { dx = (dy * inv).replicate(1, cols); });
  } else {
    inst->set_body([=]() mutable { dx = dy.replicate(1, cols); });
  }
  return inst;
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  if (is_backward(c)) unsupported_variant(c, "oneDNN has no reduction backward (the broadcast is framework code)");
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory::dim rows = in[0].shape.at(0), cols = in[0].shape.at(1);
  const dnnl::memory::desc src = plain_desc({rows, cols}), dst = plain_desc({rows, 1});
  const dnnl::reduction::primitive_desc pd(
      {is_mean(c) ? dnnl::algorithm::reduction_mean : dnnl::algorithm::reduction_sum, src, dst, 0.0f, 0.0f},
      onednn().engine);
  inst->step(dnnl::reduction(pd), {{DNNL_ARG_SRC, inst->input(in[0], src)}, {DNNL_ARG_DST, inst->output(dst)}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_reduce(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const NativeContext&) {
  if (c.variant == "eigen") return prepare_eigen(c, in);
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, "BLAS has no reductions (use the onednn or eigen variant)");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"reduce_sum", "reduce_mean"}) OpTable<NativeContext>::get().add(op, prepare_reduce, {"onednn", "eigen"});
  return true;
}();

}  // namespace
}  // namespace versus
