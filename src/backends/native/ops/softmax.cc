// softmax over the last axis (core/ops/softmax.cc) in the native backend.
//   onednn  softmax primitive forward and backward (axis 1 of [rows, cols]); the backward pass
//           starts from the forward output Y, as autograd keeps it.
// Backward cases time forward + backward: one training step of the op, the same in every
// backend; run() computes Y (to scratch) and then dX, every time.
//   eigen   row-wise array expressions, max-shifted like the reference; single-threaded
//           (Eigen threads only its matrix products).
//   openblas  unsupported: BLAS has no exp or row reductions.
#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Mat = Eigen::Map<RowArray>;
using ConstMat = Eigen::Map<const RowArray>;
using Vec = Eigen::Map<Eigen::ArrayXf>;

std::unique_ptr<OpInstance> prepare_eigen(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  const Eigen::Index rows = in[0].shape.at(0), cols = in[0].shape.at(1);
  const size_t n = in[0].data.size();
  const ConstMat x(inst->input(in[0]).data(), rows, cols);
  // Per-row statistics go through a buffer: a partial reduction broadcast inside an expression
  // would be re-evaluated per element, and dividing Y by its own row sums in place would alias.
  Vec row(inst->scratch(size_t(rows)).data(), rows);
  auto forward = [=](Mat y) mutable {
    row = x.rowwise().maxCoeff();
    y = (x.colwise() - row).exp();
    row = y.rowwise().sum();
    y.colwise() /= row;
  };
  if (!is_backward(c)) {
    const Mat y(inst->output(n).data(), rows, cols);
    inst->set_body([=]() mutable { forward(y); });
    return inst;
  }
  const ConstMat dy(inst->input(in[1]).data(), rows, cols);
  const Mat y(inst->scratch(n).data(), rows, cols);
  inst->set_forward([=]() mutable { forward(y); });
  Mat dx(inst->output(n).data(), rows, cols);
  inst->set_body([=]() mutable {
    row = (dy * y).rowwise().sum();
    dx = y * (dy.colwise() - row);
  });
  return inst;
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::prop_kind;
  const dnnl::engine& eng = onednn().engine;
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory::desc md = plain_desc({in[0].shape.at(0), in[0].shape.at(1)});
  const dnnl::memory x = inst->input(in[0], md);
  constexpr int kAxis = 1;
  if (!is_backward(c)) {
    const dnnl::softmax_forward::primitive_desc pd({prop_kind::forward_inference, md, kAxis}, eng);
    inst->step(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, inst->output(md)}});
    return inst;
  }
  const dnnl::softmax_forward::primitive_desc fwd({prop_kind::forward_training, md, kAxis}, eng);
  const dnnl::memory y = OnednnInstance::scratch(md);
  inst->forward_step(dnnl::softmax_forward(fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
  const dnnl::softmax_backward::primitive_desc pd({md, md, kAxis}, eng, fwd);
  inst->step(dnnl::softmax_backward(pd),
             {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, inst->input(in[1], md)}, {DNNL_ARG_DIFF_SRC, inst->output(md)}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_softmax(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const NativeContext&) {
  if (c.variant == "eigen") return prepare_eigen(c, in);
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, "BLAS has no exponential or row reductions (use the onednn or eigen variant)");
}
VERSUS_REGISTER_OP(NativeContext, "softmax", prepare_softmax, "eigen", "onednn");

}  // namespace
}  // namespace versus
