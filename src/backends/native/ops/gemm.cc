// GEMM in the native backend: OpenBLAS cblas_sgemm, oneDNN dnnl_sgemm or an Eigen product,
// chosen by the case's variant.
#include <cblas.h>
#include <dnnl.h>

#include <Eigen/Core>
#include <fmt/format.h>

#include "backends/native/native_context.h"
#include "core/ops/gemm.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class NativeGemm final : public OpInstance {
 public:
  NativeGemm(std::string variant, const GemmParams& g, const std::vector<HostTensor>& in)
      : variant_(std::move(variant)), g_(g), a_(in[0].data), b_(in[1].data),
        c_(static_cast<size_t>(g.m * g.n)) {}

  void run() override {
    const int64_t lda = g_.a_cols(), ldb = g_.b_cols(), ldc = g_.n;
    if (variant_ == "openblas") {
      cblas_sgemm(CblasRowMajor, g_.trans_a ? CblasTrans : CblasNoTrans,
                  g_.trans_b ? CblasTrans : CblasNoTrans, int(g_.m), int(g_.n), int(g_.k), 1.0f,
                  a_.data(), int(lda), b_.data(), int(ldb), 0.0f, c_.data(), int(ldc));
    } else if (variant_ == "onednn") {
      const dnnl_status_t st = dnnl_sgemm(g_.trans_a ? 'T' : 'N', g_.trans_b ? 'T' : 'N', g_.m, g_.n,
                                          g_.k, 1.0f, a_.data(), lda, b_.data(), ldb, 0.0f,
                                          c_.data(), ldc);
      if (st != dnnl_success) throw std::runtime_error(fmt::format("dnnl_sgemm failed: status {}", int(st)));
    } else {  // eigen
      Eigen::Map<const RowMajor> a(a_.data(), g_.a_rows(), g_.a_cols());
      Eigen::Map<const RowMajor> b(b_.data(), g_.b_rows(), g_.b_cols());
      Eigen::Map<RowMajor> c(c_.data(), g_.m, g_.n);
      if (!g_.trans_a && !g_.trans_b) c.noalias() = a * b;
      else if (!g_.trans_a) c.noalias() = a * b.transpose();
      else if (!g_.trans_b) c.noalias() = a.transpose() * b;
      else c.noalias() = a.transpose() * b.transpose();
    }
  }

  std::vector<std::vector<float>> outputs() override { return {c_}; }

 private:
  std::string variant_;
  GemmParams g_;
  std::vector<float> a_, b_, c_;
};

std::unique_ptr<OpInstance> prepare_gemm(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  return std::make_unique<NativeGemm>(c.variant, parse_gemm_params(c.params), in);
}
VERSUS_REGISTER_OP(NativeContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus
