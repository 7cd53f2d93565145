// add, mul, relu, sigmoid, tanh in the native backend (core/ops/elementwise.cc defines them).
//   onednn  binary primitive (add, mul); eltwise primitive forward and backward (relu, sigmoid,
//           tanh). add's backward is two copies of dY (reorder primitives); mul's is two binary
//           multiplications.
//   eigen   array expressions. Single-threaded: Eigen parallelises only its matrix products
//           (setNbThreads has no effect on coefficient-wise expressions); a memory-bound
//           element-wise pass gains little from a second core anyway, and the report shows the
//           oneDNN variant, which is threaded, next to it.
//   openblas  unsupported: BLAS has no element-wise kernels.
// Backward cases time forward + backward: one training step of the op, the same in every
// backend. run() computes the forward output (to scratch) and then the gradients, every time;
// the backward passes of sigmoid and tanh start from that Y, as autograd keeps it (and as the
// reference's tolerance assumes, see elementwise.cc).
#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using Array = Eigen::Map<Eigen::ArrayXf>;
using ConstArray = Eigen::Map<const Eigen::ArrayXf>;

bool is_binary(const std::string& op) { return op == "add" || op == "mul"; }

std::unique_ptr<OpInstance> prepare_eigen(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  const auto n = static_cast<Eigen::Index>(in[0].data.size());
  const std::string& op = c.op;
  if (is_binary(op)) {
    const ConstArray a(inst->input(in[0]).data(), n), b(inst->input(in[1]).data(), n);
    if (!is_backward(c)) {
      Array y(inst->output(size_t(n)).data(), n);
      if (op == "add") inst->set_body([=]() mutable { y = a + b; });
      else inst->set_body([=]() mutable { y = a * b; });
      return inst;
    }
    const ConstArray dy(inst->input(in[2]).data(), n);
    Array da(inst->output(size_t(n)).data(), n), db(inst->output(size_t(n)).data(), n);
    Array y(inst->scratch(size_t(n)).data(), n);
    if (op == "add") inst->set_forward([=]() mutable { y = a + b; });
    else inst->set_forward([=]() mutable { y = a * b; });
    if (op == "add") {
      inst->set_body([=]() mutable {
        da = dy;
        db = dy;
      });
    } else {
      inst->set_body([=]() mutable {
        da = dy * b;
        db = dy * a;
      });
    }
    return inst;
  }
  const ConstArray x(inst->input(in[0]).data(), n);
  if (!is_backward(c)) {
    Array y(inst->output(size_t(n)).data(), n);
    if (op == "relu") inst->set_body([=]() mutable { y = x.max(0.0f); });
    else if (op == "sigmoid") inst->set_body([=]() mutable { y = x.logistic(); });
    else inst->set_body([=]() mutable { y = x.tanh(); });
    return inst;
  }
  const ConstArray dy(inst->input(in[1]).data(), n);
  Array dx(inst->output(size_t(n)).data(), n);
  Array y(inst->scratch(size_t(n)).data(), n);
  if (op == "relu") {
    inst->set_forward([=]() mutable { y = x.max(0.0f); });
    inst->set_body([=]() mutable { dx = (x > 0.0f).select(dy, 0.0f); });
  } else if (op == "sigmoid") {
    inst->set_forward([=]() mutable { y = x.logistic(); });
    inst->set_body([=]() mutable { dx = dy * y * (1.0f - y); });
  } else {
    inst->set_forward([=]() mutable { y = x.tanh(); });
    inst->set_body([=]() mutable { dx = dy * (1.0f - y.square()); });
  }
  return inst;
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::algorithm;
  using dnnl::prop_kind;
  const dnnl::engine& eng = onednn().engine;
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory::desc md = plain_desc({static_cast<dnnl::memory::dim>(in[0].data.size())});
  const std::string& op = c.op;

  if (is_binary(op)) {
    const dnnl::memory a = inst->input(in[0], md), b = inst->input(in[1], md);
    if (!is_backward(c)) {
      const dnnl::binary::primitive_desc pd(
          {op == "add" ? algorithm::binary_add : algorithm::binary_mul, md, md, md}, eng);
      inst->step(dnnl::binary(pd), {{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, inst->output(md)}});
      return inst;
    }
    const dnnl::memory dy = inst->input(in[2], md);
    const dnnl::memory da = inst->output(md), db = inst->output(md);
    const dnnl::binary::primitive_desc fwd({op == "add" ? algorithm::binary_add : algorithm::binary_mul, md, md, md},
                                           eng);
    inst->forward_step(dnnl::binary(fwd),
                       {{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, OnednnInstance::scratch(md)}});
    if (op == "add") {
      // The gradient of a sum passes dY through to both operands: two copies.
      const dnnl::reorder copy(dy, da);
      inst->step(copy, {{DNNL_ARG_FROM, dy}, {DNNL_ARG_TO, da}});
      inst->step(copy, {{DNNL_ARG_FROM, dy}, {DNNL_ARG_TO, db}});
    } else {
      const dnnl::binary mul(dnnl::binary::primitive_desc({algorithm::binary_mul, md, md, md}, eng));
      inst->step(mul, {{DNNL_ARG_SRC_0, dy}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, da}});
      inst->step(mul, {{DNNL_ARG_SRC_0, dy}, {DNNL_ARG_SRC_1, a}, {DNNL_ARG_DST, db}});
    }
    return inst;
  }

  const dnnl::memory x = inst->input(in[0], md);
  if (!is_backward(c)) {
    const algorithm alg = op == "relu"      ? algorithm::eltwise_relu
                          : op == "sigmoid" ? algorithm::eltwise_logistic
                                            : algorithm::eltwise_tanh;
    const dnnl::eltwise_forward::primitive_desc pd({prop_kind::forward_inference, alg, md, 0.0f, 0.0f}, eng);
    inst->step(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, inst->output(md)}});
    return inst;
  }
  const dnnl::memory dy = inst->input(in[1], md), dx = inst->output(md);
  if (op == "relu") {
    // From X (the case's input), as the reference's [X > 0] is stated.
    const dnnl::eltwise_forward::primitive_desc fwd({prop_kind::forward_training, algorithm::eltwise_relu, md, 0.0f},
                                                    eng);
    inst->forward_step(dnnl::eltwise_forward(fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, OnednnInstance::scratch(md)}});
    const dnnl::eltwise_backward::primitive_desc pd({algorithm::eltwise_relu, md, md, 0.0f}, eng, fwd);
    inst->step(dnnl::eltwise_backward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
    return inst;
  }
  // sigmoid and tanh: the use_dst_for_bwd algorithms, dX from Y = f(X) as frameworks do it.
  const algorithm alg =
      op == "sigmoid" ? algorithm::eltwise_logistic_use_dst_for_bwd : algorithm::eltwise_tanh_use_dst_for_bwd;
  const dnnl::eltwise_forward::primitive_desc fwd({prop_kind::forward_training, alg, md, 0.0f}, eng);
  const dnnl::memory y = OnednnInstance::scratch(md);
  inst->forward_step(dnnl::eltwise_forward(fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
  const dnnl::eltwise_backward::primitive_desc pd({alg, md, md, 0.0f}, eng, fwd);
  inst->step(dnnl::eltwise_backward(pd), {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_elementwise(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const NativeContext&) {
  if (c.variant == "eigen") return prepare_eigen(c, in);
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, "BLAS has no element-wise kernels (use the onednn or eigen variant)");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"add", "mul", "relu", "sigmoid", "tanh"})
    OpTable<NativeContext>::get().add(op, prepare_elementwise, {"eigen", "onednn"});
  return true;
}();

}  // namespace
}  // namespace versus
