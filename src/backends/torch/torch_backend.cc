// The libtorch worker: PyTorch's C++ frontend (eager ATen ops), no Python. Ops live in ops/.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "backends/torch/model/data_loader_feed.h"
#include "backends/torch/model/torch_model.h"
#include "backends/torch/torch_api.h"
#include "core/errors.h"
#include "core/ops/dtype.h"
#include "worker/backend.h"
#include "worker/op_table.h"

namespace versus::th {
// What torch offers, asked of its own registry (support.cc).
nlohmann::json framework_support();
}  // namespace versus::th

namespace versus {
namespace {

// The files of the libraries named `prefix`* mapped into this process, as the loader resolved
// them: which libtorch this worker runs is a fact of the process, not of the build's intentions.
std::vector<std::string> loaded_libraries(const std::vector<std::string>& prefixes) {
  std::ifstream maps("/proc/self/maps");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    if (std::none_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return file.rfind(p, 0) == 0; })) continue;
    std::error_code ec;
    const auto real = std::filesystem::canonical(path, ec);
    const std::string name = ec ? path : real.string();
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

// The rest of the line after `key` in at::show_config() ("CUDA_VERSION=13.2, ..." -> "13.2" with
// end ","); null when absent.
nlohmann::json config_value(const std::string& config, const std::string& key, const char* end = "\n") {
  const auto p = config.find(key);
  if (p == std::string::npos) return nullptr;
  const auto from = p + key.size();
  return config.substr(from, config.find_first_of(end, from) - from);
}

// bfloat16 and float16 for gemm and conv2d (core/ops/dtype.h), where this libtorch has the kernels
// on `device`: a tiny forward and backward pass finds out, and a missing kernel is unsupported in
// torch's own words (libtorch 1.13 has no float16 matmul on the CPU, for one).
torch::ScalarType sixteen_bit_type(const CaseSpec& c, const torch::Device& device) {
  if (c.op != "gemm" && c.op != "conv2d")
    throw UnsupportedCase(fmt::format("torch: {} is float32 only here; bfloat16 and float16 cases exist for gemm and conv2d",
                                      c.op));
  const torch::ScalarType t = parse_dtype(c.dtype) == DType::kBFloat16 ? torch::kBFloat16 : torch::kHalf;
  try {
    const auto o = torch::TensorOptions().device(device).dtype(t);
    const torch::Tensor x = torch::ones(c.op == "gemm" ? std::vector<int64_t>{2, 2} : std::vector<int64_t>{1, 1, 3, 3}, o)
                                .requires_grad_(true);
    const torch::Tensor w = torch::ones(c.op == "gemm" ? std::vector<int64_t>{2, 2} : std::vector<int64_t>{1, 1, 2, 2}, o)
                                .requires_grad_(true);
    (c.op == "gemm" ? torch::mm(x, w) : torch::conv2d(x, w)).sum().backward();
  } catch (const c10::Error& e) {
    throw UnsupportedCase(fmt::format("torch: no {} {} on {} in this libtorch: {}", c.dtype, c.op, device.str(),
                                      std::string(e.what_without_backtrace()).substr(0, 200)));
  }
  return t;
}

// Why --device cuda cannot run here, in one line.
std::string no_cuda_reason() {
  if (VERSUS_TORCH_CUDA_LINKED == 0)
    return "this worker was linked without the wheel's libtorch_cuda (no GPU when it was configured); "
           "rebuild on a machine with one (scripts/gpu-check)";
  return "no CUDA device visible to libtorch";
}

// The whole line of at::show_config() that mentions `what`, less its "  - " bullet; null when none.
nlohmann::json config_line(const std::string& config, const std::string& what) {
  const auto p = config.find(what);
  if (p == std::string::npos) return nullptr;
  const auto begin = config.rfind("- ", p);
  const auto from = begin == std::string::npos ? config.rfind('\n', p) + 1 : begin + 2;
  return config.substr(from, config.find('\n', p) - from);
}

class TorchBackend final : public Backend {
 public:
  // A float32 case means float32 arithmetic: libtorch lets cuDNN convolutions round their
  // inputs to TF32 (10-bit mantissa) by default, which core's conv2d check deliberately does not
  // admit. cuBLAS's TF32 is off by default since 1.12, but is said so here too, and describe()
  // records what torch reports in effect (TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 still wins over
  // this). Likewise a float16 GEMM accumulates in float32 (core/ops/dtype.h's contract): cuBLAS's
  // reduced-precision split-K reductions, on by default, are turned off. No effect on a CPU build.
  TorchBackend() {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowFP16ReductionCuBLAS(false);
  }

  std::string name() const override { return "torch"; }
  std::vector<std::string> variants() const override { return {"eager"}; }

  nlohmann::json support() override { return th::framework_support(); }

  // The build as torch reports it (at::show_config(): what `torch.__config__.show()` prints), and
  // the library this process actually loaded.
  nlohmann::json describe() override {
    const std::string config = at::show_config();
    auto has = [&](const char* s) { return config.find(s) != std::string::npos; };
    return {{"version", TORCH_VERSION},
            {"ops", OpTable<th::TorchContext>::get().ops()},
            {"build",
             {{"library", [] {
                const auto found = loaded_libraries({"libtorch_cpu"});
                return found.empty() ? nlohmann::json(nullptr) : nlohmann::json(found.front());
              }()},
              {"libraries_loaded", loaded_libraries({"libtorch", "libc10"})},
              {"commit", config_value(config, "COMMIT_SHA=", ",")},
              {"compiler", config_value(config, "  - GCC ")},
              {"blas", config_value(config, "BLAS_INFO=", ",")},
              {"blas_library", config_line(config, "Math Kernel Library")},
              {"onednn", at::hasMKLDNN()},
              {"onednn_version", config_value(config, "MKL-DNN v", " ")},
              {"openmp", has("USE_OPENMP=ON")},
              {"openmp_version", config_value(config, "  - OpenMP ", " ")},
              {"cpu_capability", config_value(config, "CPU capability usage: ")},
              {"cuda_build", config_value(config, "CUDA_VERSION=", ",")},
              {"cudnn_build", config_value(config, "CUDNN_VERSION=", ",")},
              {"cuda_kernels_linked", VERSUS_TORCH_CUDA_LINKED == 1},
              {"cuda", torch::cuda::is_available()},
              {"cuda_devices", torch::cuda::device_count()},
              {"gloo", th::gloo_status()},
              {"tf32", {{"cudnn", at::globalContext().allowTF32CuDNN()},
                        {"cublas", at::globalContext().allowTF32CuBLAS()}}},
              {"fp16_reduced_precision_reduction_cublas", at::globalContext().allowFP16ReductionCuBLAS()},
              {"parallel_backend", parallel_backend(at::get_parallel_info())}}}};
  }

  std::vector<std::string> input_pipelines() const override { return {"memory", "dataloader", "dataloader-workers"}; }
  std::unique_ptr<EpochFeed> make_feed(const std::string& name, const Split& split, int64_t batch) override {
    return th::make_data_loader_feed(name, split, batch);
  }

  std::vector<ExecutionMode> execution_modes() const override {
    return {{"eager", "eager with autograd, libtorch's defaults (oneDNN on where ATen uses it)", {}},
            {"no-mkldnn", "eager with ATen's oneDNN (mkldnn) paths off (at::Context::setUserEnabledMkldnn(false))", {}}};
  }

  void set_mode(const std::string& mode) override {
    require_listed_mode(mode);
    at::globalContext().setUserEnabledMkldnn(mode != "no-mkldnn");
  }

  nlohmann::json mode_report() override {
    return {{"mkldnn_compiled", at::hasMKLDNN()}, {"mkldnn_enabled", at::globalContext().userEnabledMkldnn()}};
  }

  void set_threads(int threads) override {
    torch::set_num_threads(threads);
    torch::set_num_interop_threads(1);
  }

  nlohmann::json threads_used() override {
    return {{"intra_op", at::get_num_threads()}, {"inter_op", at::get_num_interop_threads()}};
  }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    th::TorchContext ctx;
    if (c.device == "cuda") {
      if (!torch::cuda::is_available())
        throw UnsupportedCase(no_cuda_reason());
      ctx.device = torch::Device(torch::kCUDA, 0);
    } else if (c.device != "cpu") {
      throw UnsupportedCase("torch worker knows devices cpu and cuda, not '" + c.device + "'");
    }
    if (c.dtype != "float32") ctx.dtype = sixteen_bit_type(c, ctx.device);
    return OpTable<th::TorchContext>::get().prepare(name(), c, in, ctx);
  }

  // nn modules, autograd and the optimizers of model/, on the CPU or the first CUDA device.
  std::unique_ptr<Model> build_model(const Network& net, const std::vector<HostTensor>& initial,
                                     const OptimizerSpec& optimizer, const std::string& device) override {
    if (device == "cuda" && !torch::cuda::is_available()) throw UnsupportedCase("torch: " + no_cuda_reason());
    if (device != "cpu" && device != "cuda") throw UnsupportedCase("torch: unknown device '" + device + "'");
    return th::make_torch_model(net, initial, optimizer, device == "cuda" ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU));
  }

  std::unique_ptr<Model> build_distributed_model(const Network& net, const std::vector<HostTensor>& initial,
                                                 const OptimizerSpec& optimizer, const std::string& device,
                                                 DistributedSpec& spec) override {
    if (device != "cpu")
      throw UnsupportedCase("torch: distributed training is wired for the CPU (Gloo); NCCL on " + device + " is not yet");
    return th::make_torch_model(net, initial, optimizer, torch::Device(torch::kCPU), th::join_gloo_group(spec));
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
