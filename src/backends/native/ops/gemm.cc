// GEMM in the native backend: OpenBLAS cblas_sgemm, oneDNN dnnl_sgemm or an Eigen product,
// chosen by the case's variant. Backward: the forward product C (to scratch), then dA and dB as
// two more calls of the same routine, on core's gemm_products (core/ops/matrix_product.h): the
// transposes that leave each gradient in its operand's stored layout, never a copy. Backward cases
// time forward + backward: one training step of the op, the same in every backend.
#include <cblas.h>
#include <dnnl.h>

#include <Eigen/Core>
#include <fmt/format.h>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "core/ops/gemm.h"
#include "core/ops/matrix_product.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// out (row-major, l.rows × r.cols) = l·r, where each view is row-major storage of the matrix or
// of its transpose; the variant's routine takes the transpose as a flag.
void multiply(const std::string& variant, const MatView& l, const MatView& r, float* out) {
  const int64_t m = l.rows, n = r.cols, k = l.cols;
  // Leading dimensions: the row length of each operand as stored.
  const int64_t lda = l.transposed ? m : k, ldb = r.transposed ? k : n;
  if (variant == "openblas") {
    cblas_sgemm(CblasRowMajor, l.transposed ? CblasTrans : CblasNoTrans, r.transposed ? CblasTrans : CblasNoTrans,
                int(m), int(n), int(k), 1.0f, l.data, int(lda), r.data, int(ldb), 0.0f, out, int(n));
  } else if (variant == "onednn") {
    const dnnl_status_t st = dnnl_sgemm(l.transposed ? 'T' : 'N', r.transposed ? 'T' : 'N', m, n, k, 1.0f, l.data,
                                        lda, r.data, ldb, 0.0f, out, n);
    if (st != dnnl_success) throw std::runtime_error(fmt::format("dnnl_sgemm failed: status {}", int(st)));
  } else {  // eigen
    const Eigen::Map<const RowMajor> a(l.data, l.transposed ? k : m, l.transposed ? m : k);
    const Eigen::Map<const RowMajor> b(r.data, r.transposed ? n : k, r.transposed ? k : n);
    Eigen::Map<RowMajor> c(out, m, n);
    if (!l.transposed && !r.transposed) c.noalias() = a * b;
    else if (!l.transposed) c.noalias() = a * b.transpose();
    else if (!r.transposed) c.noalias() = a.transpose() * b;
    else c.noalias() = a.transpose() * b.transpose();
  }
}

std::unique_ptr<OpInstance> prepare_gemm(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  const GemmParams g = parse_gemm_params(c.params);
  if (in.size() != (is_backward(c) ? 3u : 2u))
    throw std::runtime_error(fmt::format("gemm {} expects {} inputs, got {}", c.direction,
                                         is_backward(c) ? 3 : 2, in.size()));
  auto inst = std::make_unique<HostInstance>();
  std::vector<const float*> ins;
  for (const HostTensor& t : in) ins.push_back(inst->input(t).data());
  const std::string variant = c.variant;
  const ViewProduct fwd = gemm_products(g, ins[0], ins[1], nullptr).front();
  if (!is_backward(c)) {
    float* out = inst->output(size_t(fwd.size())).data();
    inst->set_body([=] { multiply(variant, fwd.left, fwd.right, out); });
    return inst;
  }
  float* scratch = inst->scratch(size_t(fwd.size())).data();
  inst->set_forward([=] { multiply(variant, fwd.left, fwd.right, scratch); });
  std::vector<std::pair<ViewProduct, float*>> grads;
  for (const ViewProduct& p : gemm_products(g, ins[0], ins[1], ins[2]))
    grads.push_back({p, inst->output(size_t(p.size())).data()});
  inst->set_body([=] {
    for (const auto& [p, out] : grads) multiply(variant, p.left, p.right, out);
  });
  return inst;
}
VERSUS_REGISTER_OP(NativeContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus
