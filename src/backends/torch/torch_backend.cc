// The libtorch worker: PyTorch's C++ frontend (eager ATen ops), no Python.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/ops/gemm.h"
#include "worker/backend.h"

namespace versus {
namespace {

// Debian's libtorch links the generic libblas.so.3; which BLAS that is depends on the
// alternatives system, so report the library actually mapped into this process.
std::string loaded_blas_library() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    if (file.rfind("libblas", 0) == 0 || file.rfind("libopenblas", 0) == 0 || file.rfind("libmkl", 0) == 0) {
      std::error_code ec;
      const auto real = std::filesystem::canonical(path, ec);
      return ec ? path : real.string();
    }
  }
  return "none mapped";
}

torch::Tensor from_host(const HostTensor& t) {
  // clone(): the tensor owns its memory, independent of the harness's buffer.
  return torch::from_blob(const_cast<float*>(t.data.data()), t.shape, torch::kFloat32).clone();
}

class TorchGemm final : public OpInstance {
 public:
  TorchGemm(const GemmParams& g, const std::vector<HostTensor>& in)
      : g_(g), a_(from_host(in[0])), b_(from_host(in[1])), c_(torch::empty({g.m, g.n})) {}

  void run() override {
    torch::NoGradGuard no_grad;
    // .t() is a view; mm_out dispatches the transposed layout to BLAS without copying.
    torch::mm_out(c_, g_.trans_a ? a_.t() : a_, g_.trans_b ? b_.t() : b_);
  }

  std::vector<std::vector<float>> outputs() override {
    const torch::Tensor c = c_.contiguous();
    return {{c.data_ptr<float>(), c.data_ptr<float>() + c.numel()}};
  }

 private:
  GemmParams g_;
  torch::Tensor a_, b_, c_;
};

class TorchBackend final : public Backend {
 public:
  std::string name() const override { return "torch"; }
  std::vector<std::string> variants() const override { return {"eager"}; }

  nlohmann::json describe() override {
    const std::string config = at::show_config();
    auto has = [&](const char* s) { return config.find(s) != std::string::npos; };
    std::string blas_info = "unknown";
    if (const auto p = config.find("BLAS_INFO="); p != std::string::npos)
      blas_info = config.substr(p + 10, config.find_first_of(", \n", p + 10) - p - 10);
    const std::string blas = fmt::format("{} (loaded: {})", blas_info, loaded_blas_library());
    return {{"version", TORCH_VERSION},
            {"build",
             {{"onednn", at::hasMKLDNN()},
              {"blas", blas},
              {"openmp", has("USE_OPENMP=ON") || has("OpenMP")},
              {"cuda", torch::cuda::is_available()},
              {"parallel_backend", parallel_backend(at::get_parallel_info())}}}};
  }

  void set_threads(int threads) override {
    torch::set_num_threads(threads);
    torch::set_num_interop_threads(1);
  }

  nlohmann::json threads_used() override {
    return {{"intra_op", at::get_num_threads()}, {"inter_op", at::get_num_interop_threads()}};
  }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    if (c.device != "cpu") throw UnsupportedCase("this torch worker was built for the CPU only");
    if (c.dtype != "float32") throw UnsupportedCase("torch worker supports float32 only");
    if (c.op != "gemm") throw UnsupportedCase("torch worker has no op '" + c.op + "'");
    return std::make_unique<TorchGemm>(parse_gemm_params(c.params), in);
  }

 private:
  static std::string parallel_backend(const std::string& config) {
    for (const char* b : {"OpenMP", "native", "TBB"})
      if (config.find(std::string("ATen parallel backend: ") + b) != std::string::npos) return b;
    return config.find("USE_OPENMP=ON") != std::string::npos ? "OpenMP" : "unknown";
  }
};

}  // namespace

std::unique_ptr<Backend> make_backend() { return std::make_unique<TorchBackend>(); }

}  // namespace versus
