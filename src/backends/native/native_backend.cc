// The native backend: the libraries the frameworks themselves call (OpenBLAS, oneDNN, Eigen),
// driven directly. It is the "how close to the library limit" baseline for every op.
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>

#include <Eigen/Core>
#include <fmt/format.h>

#include "backends/native/native_context.h"
#include "core/errors.h"
#include "worker/backend.h"
#include "worker/op_table.h"

extern "C" {
// OpenBLAS extensions (declared in its cblas.h on most builds; repeated here for older ones).
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
}

namespace versus {
namespace {

class NativeBackend final : public Backend {
 public:
  std::string name() const override { return "native"; }
  std::vector<std::string> variants() const override { return {"openblas", "onednn", "eigen"}; }

  nlohmann::json describe() override {
    const dnnl_version_t* v = dnnl_version();
    return {{"ops", OpTable<NativeContext>::get().ops()},
            {"variant_ops", OpTable<NativeContext>::get().ops_by_variant(variants())},
            {"version", fmt::format("OpenBLAS {} / oneDNN {}.{}.{} / Eigen {}.{}.{}",
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
    return OpTable<NativeContext>::get().prepare(name(), c, in, NativeContext{});
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
