// The native backend: the libraries the frameworks themselves call (OpenBLAS, oneDNN, Eigen),
// driven directly. It is the "how close to the library limit" baseline for every op.
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>

#include <Eigen/Core>
#include <fmt/format.h>

#include "core/errors.h"
#include "core/ops/gemm.h"
#include "worker/backend.h"

extern "C" {
// OpenBLAS extensions (declared in its cblas.h on most builds; repeated here for older ones).
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
}

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

class NativeBackend final : public Backend {
 public:
  std::string name() const override { return "native"; }
  std::vector<std::string> variants() const override { return {"openblas", "onednn", "eigen"}; }

  nlohmann::json describe() override {
    const dnnl_version_t* v = dnnl_version();
    return {{"version", fmt::format("OpenBLAS {} / oneDNN {}.{}.{} / Eigen {}.{}.{}",
                                    openblas_version(), v->major, v->minor, v->patch,
                                    EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION)},
            {"build",
             {{"blas", std::string(openblas_get_config())},
              {"onednn", fmt::format("{}.{}.{} (cpu runtime {})", v->major, v->minor, v->patch,
                                     v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other")},
              {"eigen", fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
                                    EIGEN_MINOR_VERSION)},
              {"openmp", true},
              {"cuda", false}}}};
  }

  void set_threads(int threads) override {
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);  // oneDNN (OpenMP runtime) and Eigen
    Eigen::setNbThreads(threads);
  }

  nlohmann::json threads_used() override {
    return {{"openblas", openblas_get_num_threads()},
            {"omp", omp_get_max_threads()},
            {"eigen", Eigen::nbThreads()}};
  }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    if (c.device != "cpu") throw UnsupportedCase("native runs on the CPU only");
    if (c.dtype != "float32") throw UnsupportedCase("native supports float32 only");
    if (c.op != "gemm") throw UnsupportedCase("native has no op '" + c.op + "'");
    return std::make_unique<NativeGemm>(c.variant, parse_gemm_params(c.params), in);
  }

 private:
  static std::string openblas_version() {
    const std::string cfg = openblas_get_config();  // "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."
    const auto space = cfg.find(' ');
    const auto end = cfg.find(' ', space + 1);
    return space == std::string::npos ? cfg : cfg.substr(space + 1, end - space - 1);
  }
};

}  // namespace

std::unique_ptr<Backend> make_backend() { return std::make_unique<NativeBackend>(); }

}  // namespace versus
