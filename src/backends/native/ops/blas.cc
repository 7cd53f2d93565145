// dot, gemv and batched_gemm (core/ops/blas.h) in the native backend.
//   openblas  cblas_sdot, cblas_sgemv, and a loop of cblas_sgemm over the batch: OpenBLAS 0.3.21
//             has no cblas_sgemm_batch (added in 0.3.27), and each product is threaded inside.
//   onednn    the matmul primitive, batched (3-D, strided descriptors express the transposes
//             without copies); dot and gemv are matmuls with unit dimensions — oneDNN has no
//             BLAS-1/2 routines, and that is how a framework on oneDNN computes them.
//   eigen     dot(), matrix-vector and matrix products of maps; the products are threaded by
//             Eigen (OpenMP), dot and gemv are not (Eigen threads only matrix-matrix products).
// Backward (batched_gemm only): the forward product C (to scratch), then dA and dB as two batched
// products, formed as in core/ops/blas.cc so that a transposed operand's gradient comes out in
// its stored layout. Backward cases time forward + backward: one training step of the op, the
// same in every backend.
#include <cblas.h>

#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/blas.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::Map<Eigen::VectorXf>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

// out[b] (M×N) = op(left[b]) · op(right[b]), for b < batch. left is stored M×K, or K×M when
// left_t (and op transposes it back); right is stored K×N, or N×K when right_t. The operands
// are inputs of the case, by index.
struct Product {
  int left, right;
  bool left_t, right_t;
  int64_t batch, m, n, k;
};

std::vector<Product> products(const CaseSpec& c) {
  if (c.op == "dot") {
    const DotParams d = parse_dot_params(c.params);
    return {{0, 1, false, false, 1, 1, 1, d.n}};
  }
  if (c.op == "gemv") {
    const GemvParams g = parse_gemv_params(c.params);
    return {{0, 1, g.trans_a, false, 1, g.m, 1, g.n}};
  }
  const BatchedGemmParams b = parse_batched_gemm_params(c.params);
  const GemmParams& g = b.g;
  const Product fwd{0, 1, g.trans_a, g.trans_b, b.batch, g.m, g.n, g.k};
  if (!is_backward(c)) return {fwd};
  constexpr int kA = 0, kB = 1, kDc = 2;
  // dA: without trans_a, dC·op(B)ᵀ (m×k); with it, its transpose op(B)·dCᵀ (k×m).
  const Product da = g.trans_a ? Product{kB, kDc, g.trans_b, true, b.batch, g.k, g.m, g.n}
                               : Product{kDc, kB, false, !g.trans_b, b.batch, g.m, g.k, g.n};
  // dB: without trans_b, op(A)ᵀ·dC (k×n); with it, its transpose dCᵀ·op(A) (n×k).
  const Product db = g.trans_b ? Product{kDc, kA, true, g.trans_a, b.batch, g.n, g.k, g.m}
                               : Product{kA, kDc, !g.trans_a, false, b.batch, g.k, g.n, g.m};
  return {fwd, da, db};
}

// The buffer product `i` of products(c) writes: an output, or scratch for a backward case's
// forward product (the first), which is computed but is not a gradient.
template <class Instance, class Desc>
decltype(auto) product_dst(const CaseSpec& c, size_t i, Instance& inst, const Desc& desc) {
  if (is_backward(c) && i == 0) return inst.scratch(desc);
  return inst.output(desc);
}

std::unique_ptr<OpInstance> prepare_openblas(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  std::vector<const float*> ins;
  for (const HostTensor& t : in) ins.push_back(inst->input(t).data());
  if (c.op == "dot") {
    const auto n = static_cast<int>(in[0].data.size());
    float* z = inst->output(1).data();
    inst->set_body([=] { *z = cblas_sdot(n, ins[0], 1, ins[1], 1); });
    return inst;
  }
  if (c.op == "gemv") {
    const GemvParams g = parse_gemv_params(c.params);
    float* y = inst->output(size_t(g.m)).data();
    // Stored A is m×n, or n×m when trans_a.
    const int rows = int(g.trans_a ? g.n : g.m), cols = int(g.trans_a ? g.m : g.n);
    inst->set_body([=] {
      cblas_sgemv(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, rows, cols, 1.0f, ins[0], cols, ins[1], 1,
                  0.0f, y, 1);
    });
    return inst;
  }
  std::vector<std::pair<Product, float*>> work;
  const std::vector<Product> ps = products(c);
  for (size_t i = 0; i < ps.size(); ++i)
    work.push_back({ps[i], product_dst(c, i, *inst, size_t(ps[i].batch * ps[i].m * ps[i].n)).data()});
  inst->set_body([=] {
    for (const auto& [p, out] : work)
      for (int64_t b = 0; b < p.batch; ++b)
        cblas_sgemm(CblasRowMajor, p.left_t ? CblasTrans : CblasNoTrans, p.right_t ? CblasTrans : CblasNoTrans,
                    int(p.m), int(p.n), int(p.k), 1.0f, ins[p.left] + b * p.m * p.k, int(p.left_t ? p.m : p.k),
                    ins[p.right] + b * p.k * p.n, int(p.right_t ? p.k : p.n), 0.0f, out + b * p.m * p.n, int(p.n));
  });
  return inst;
}

std::unique_ptr<OpInstance> prepare_eigen(const CaseSpec& c, const std::vector<HostTensor>& in) {
  auto inst = std::make_unique<HostInstance>();
  std::vector<const float*> ins;
  for (const HostTensor& t : in) ins.push_back(inst->input(t).data());
  if (c.op == "dot") {
    const auto n = static_cast<Eigen::Index>(in[0].data.size());
    const ConstVec x(ins[0], n), y(ins[1], n);
    float* z = inst->output(1).data();
    inst->set_body([=] { *z = x.dot(y); });
    return inst;
  }
  if (c.op == "gemv") {
    const GemvParams g = parse_gemv_params(c.params);
    const ConstVec x(ins[1], g.n);
    Vec y(inst->output(size_t(g.m)).data(), g.m);
    if (g.trans_a) {
      const Eigen::Map<const RowMajor> a(ins[0], g.n, g.m);
      inst->set_body([=]() mutable { y.noalias() = a.transpose() * x; });
    } else {
      const Eigen::Map<const RowMajor> a(ins[0], g.m, g.n);
      inst->set_body([=]() mutable { y.noalias() = a * x; });
    }
    return inst;
  }
  std::vector<std::pair<Product, float*>> work;
  const std::vector<Product> ps = products(c);
  for (size_t i = 0; i < ps.size(); ++i)
    work.push_back({ps[i], product_dst(c, i, *inst, size_t(ps[i].batch * ps[i].m * ps[i].n)).data()});
  inst->set_body([=] {
    for (const auto& [p, out] : work)
      for (int64_t b = 0; b < p.batch; ++b) {
        const Eigen::Map<const RowMajor> l(ins[p.left] + b * p.m * p.k, p.left_t ? p.k : p.m, p.left_t ? p.m : p.k);
        const Eigen::Map<const RowMajor> r(ins[p.right] + b * p.k * p.n, p.right_t ? p.n : p.k,
                                           p.right_t ? p.k : p.n);
        Eigen::Map<RowMajor> o(out + b * p.m * p.n, p.m, p.n);
        if (!p.left_t && !p.right_t) o.noalias() = l * r;
        else if (!p.left_t) o.noalias() = l * r.transpose();
        else if (!p.right_t) o.noalias() = l.transpose() * r;
        else o.noalias() = l.transpose() * r.transpose();
      }
  });
  return inst;
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dims = dnnl::memory::dims;
  const auto f32 = dnnl::memory::data_type::f32;
  auto inst = std::make_unique<OnednnInstance>();
  const std::vector<Product> ps = products(c);
  for (size_t i = 0; i < ps.size(); ++i) {
    const Product& p = ps[i];
    // Row-major [batch, rows, cols], or its transpose described by strides (no copy).
    const dnnl::memory::desc src({p.batch, p.m, p.k}, f32,
                                 p.left_t ? dims{p.m * p.k, 1, p.m} : dims{p.m * p.k, p.k, 1});
    const dnnl::memory::desc wei({p.batch, p.k, p.n}, f32,
                                 p.right_t ? dims{p.k * p.n, 1, p.k} : dims{p.k * p.n, p.n, 1});
    const dnnl::memory::desc dst = plain_desc({p.batch, p.m, p.n});
    const dnnl::matmul::primitive_desc pd({src, wei, dst}, onednn().engine);
    inst->step(dnnl::matmul(pd), {{DNNL_ARG_SRC, inst->input(in[size_t(p.left)], src)},
                                  {DNNL_ARG_WEIGHTS, inst->input(in[size_t(p.right)], wei)},
                                  {DNNL_ARG_DST, product_dst(c, i, *inst, dst)}});
  }
  return inst;
}

std::unique_ptr<OpInstance> prepare_blas(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (c.variant == "openblas") return prepare_openblas(c, in);
  if (c.variant == "eigen") return prepare_eigen(c, in);
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, "no such variant");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"dot", "gemv", "batched_gemm"}) OpTable<NativeContext>::get().add(op, prepare_blas);
  return true;
}();

}  // namespace
}  // namespace versus
