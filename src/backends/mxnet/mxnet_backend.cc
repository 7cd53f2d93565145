// The MXNet backend: MXNet 1.9 driven through its C API (libmxnet.so from the pip wheel), the
// same layer the Python frontend sits on, so what is timed is MXNet's own dispatch and kernels.
//
// Variant "imperative": the op's MXImperativeInvoke calls per iteration (one, or the few a Gluon
// user composes, e.g. for the losses), as `mx.nd.dot(a, b, out=c)` does; the backward direction
// records them with MXNet's autograd and runs its backward pass, as `with autograd.record():`
// and `y.backward(dY)` do (mx_program.h). The ops live in ops/, one file per op family.
// Networks train as a Gluon loop does, imperatively with autograd and MXNet's update operators
// (model/).
#include <dlfcn.h>
#include <mxnet/c_api.h>
#include <nnvm/c_api.h>

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backends/mxnet/model/mx_model.h"
#include "backends/mxnet/mx_api.h"
#include "core/errors.h"
#include "worker/backend.h"
#include "worker/op_table.h"

namespace versus::mx {
// What mxnet offers, asked of its own registry (support.cc).
nlohmann::json framework_support();
}  // namespace versus::mx

namespace versus {
namespace {

using namespace mx;

// MXNet runs operators on its engine's CPU worker thread, not on the thread calling the C API,
// and OpenMP thread counts are per thread: MXSetNumOMPThreads (= omp_set_num_threads on the
// caller) never reaches the worker, which takes OMP_NUM_THREADS or MXNet's default (half the
// cores on x86). The worker's OpenBLAS reads omp_get_max_threads() there on every call, so the
// count is set, and read back, on the worker itself: pushed to it as an engine operation.
// ThreadedEnginePerDevice has one CPU worker by default (MXNET_CPU_WORKER_NTHREADS=1), so this
// reaches every operator; pooled engines with several workers rely on OMP_NUM_THREADS alone.
class EngineWorkerOmp {
 public:
  // Applies `threads` (when > 0) on the worker and returns the count the worker then sees;
  // -1 when MXNet was built without OpenMP.
  static int apply(int threads) {
    // The OpenMP runtime libmxnet itself loaded: linking our own could bring in a second one.
    const auto set = reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    const auto get = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
    if (!set || !get) return -1;
    Probe probe{threads, -1, set, get};
    // The C API takes a pointer to an mxnet::Context, a C++ struct it does not declare in C:
    // {DeviceType dev_type; int32_t dev_id;}, stable since MXNet 0.x.
    const int32_t cpu0[2] = {kDevTypeCpu, 0};
    check(MXEnginePushSync(&Probe::on_worker, &probe, nullptr, cpu0, nullptr, 0, nullptr, 0,
                           nullptr, 0, "versus_omp_threads"),
          "MXEnginePushSync");
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
    return probe.seen;
  }

 private:
  struct Probe {
    int requested, seen;
    void (*set)(int);
    int (*get)();
    static void on_worker(void* /*run_context*/, void* self) {
      auto* p = static_cast<Probe*>(self);
      if (p->requested > 0) p->set(p->requested);
      p->seen = p->get();
    }
  };
};

class MxnetBackend final : public Backend {
 public:
  // Stops the engine's worker threads while the process is still whole, as the Python
  // frontend's atexit hook does, rather than leaving it to libmxnet's static destructors.
  ~MxnetBackend() override { MXNotifyShutdown(); }

  std::string name() const override { return "mxnet"; }
  std::vector<std::string> variants() const override { return {"imperative"}; }

  nlohmann::json support() override { return mx::framework_support(); }

  nlohmann::json describe() override {
    int v = 0;
    check(MXGetVersion(&v), "MXGetVersion");
    const LibFeature* features = nullptr;
    size_t count = 0;
    check(MXLibInfoFeatures(&features, &count), "MXLibInfoFeatures");

    nlohmann::json build = {{"onednn", false}, {"blas", "none"}, {"openmp", false}, {"cuda", false}};
    std::vector<std::string> enabled;
    for (size_t i = 0; i < count; ++i) {
      if (!features[i].enabled) continue;
      const std::string f = features[i].name;
      enabled.push_back(f);
      if (f == "MKLDNN" || f == "ONEDNN") build["onednn"] = true;
      else if (f == "OPENMP") build["openmp"] = true;
      else if (f == "CUDA") build["cuda"] = true;
      else if (f.starts_with("BLAS_")) build["blas"] = blas_name(f);
    }
    // The wheel bundles its own OpenBLAS, which need not match the one native uses.
    if (const std::string cfg = bundled_openblas_config(); !cfg.empty()) build["blas_config"] = cfg;
    build["features"] = enabled;

    const char* engine = std::getenv("MXNET_ENGINE_TYPE");
    build["engine"] = engine && *engine ? engine : "ThreadedEnginePerDevice";
    return {{"version", fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100)},
            {"ops", OpTable<MxContext>::get().ops()},
            {"build", build}};
  }

  void set_threads(int threads) override {
    // The calling thread: where NaiveEngine (MXNET_ENGINE_TYPE) runs operators.
    check(MXSetNumOMPThreads(threads), "MXSetNumOMPThreads");
    // The engine's CPU worker: where ThreadedEngine* run them (see EngineWorkerOmp).
    EngineWorkerOmp::apply(threads);
    threads_ = threads;
  }

  nlohmann::json threads_used() override {
    // The C API has no getter, so the count is read where the operators run.
    const int seen = EngineWorkerOmp::apply(0);
    nlohmann::json used = {{"omp", seen >= 0 ? nlohmann::json(seen) : nlohmann::json(nullptr)},
                           {"omp_requested", threads_},
                           {"source", "omp_get_max_threads() on MXNet's CPU engine worker"}};
    if (const char* env = std::getenv("OMP_NUM_THREADS")) used["OMP_NUM_THREADS"] = env;
    return used;
  }

  std::unique_ptr<OpInstance> prepare(const CaseSpec& c, const std::vector<HostTensor>& in) override {
    if (c.device != "cpu") throw UnsupportedCase("mxnet worker runs on the CPU only");
    if (c.dtype != "float32") throw UnsupportedCase("mxnet worker supports float32 only");
    if (hybridize_)
      throw UnsupportedCase("versus runs MXNet's ops imperatively; one op as a CachedOp is measured by the dispatch "
                            "op's mode=cachedop, whole networks by training in hybridized mode");
    return OpTable<MxContext>::get().prepare(name(), c, in, MxContext{});
  }

  // Imperative Gluon-style training through the C API (model/).
  std::unique_ptr<Model> build_model(const Network& net, const std::vector<HostTensor>& initial,
                                     const OptimizerSpec& optimizer, const std::string& device) override {
    if (device != "cpu") throw UnsupportedCase("mxnet: the mxnet wheel is a CPU build");
    return mx::make_model(net, initial, optimizer, hybridize_);
  }

  std::unique_ptr<Model> build_distributed_model(const Network& net, const std::vector<HostTensor>& initial,
                                                 const OptimizerSpec& optimizer, const std::string& device,
                                                 DistributedSpec& spec) override {
    if (device != "cpu") throw UnsupportedCase("mxnet: the mxnet wheel is a CPU build");
    // The rank stays the launcher's (it picks the rank's share of the batch and names its host):
    // ps-lite numbers its workers its own way across hosts (kvstore_exchange.cc), which the sum
    // of the gradients does not depend on.
    auto exchange = std::make_unique<mx::KVStoreExchange>(spec);
    return mx::make_model(net, initial, optimizer, hybridize_, std::move(exchange));
  }

  std::vector<std::string> distributed_helper_roles() const override { return {"scheduler", "server"}; }
  void serve(const std::string& role, const DistributedSpec& spec) override { mx::serve_kvstore_role(role, spec); }

  std::vector<ExecutionMode> execution_modes() const override {
    return {{"imperative", "imperative with autograd (Gluon without hybridize), threaded engine, oneDNN on", {}},
            {"hybridized", "the network as one CachedOp (static_alloc, static_shape), as after Gluon's hybridize()", {}},
            {"naive-engine", "imperative, every operator run synchronously on the calling thread (NaiveEngine)",
             {{"MXNET_ENGINE_TYPE", "NaiveEngine"}}},
            {"no-mkldnn", "imperative with the wheel's oneDNN (MKLDNN) kernels off: MXNet's own CPU kernels",
             {{"MXNET_MKLDNN_ENABLED", "0"}}}};
  }

  void set_mode(const std::string& mode) override {
    require_listed_mode(mode);
    hybridize_ = mode == "hybridized";
  }

  nlohmann::json mode_report() override {
    // MXNet reads both switches from the environment when it loads and has no getter for them.
    const char* mkldnn = std::getenv("MXNET_MKLDNN_ENABLED");
    const bool compiled = describe()["build"]["onednn"].get<bool>();
    return {{"engine", describe()["build"]["engine"]},
            {"mkldnn", compiled && !(mkldnn && std::string(mkldnn) == "0")},
            {"source", "MXNET_ENGINE_TYPE / MXNET_MKLDNN_ENABLED as MXNet reads them at load, and MXLibInfoFeatures"}};
  }

 private:
  static std::string blas_name(const std::string& feature) {
    if (feature == "BLAS_OPEN") return "openblas";
    if (feature == "BLAS_MKL") return "mkl";
    if (feature == "BLAS_ATLAS") return "atlas";
    if (feature == "BLAS_APPLE") return "accelerate";
    return feature;
  }

  // OpenBLAS's own version string, from the copy libmxnet loaded; looked up at run time
  // because it is not part of MXNet's API and another BLAS may be linked instead.
  static std::string bundled_openblas_config() {
    using GetConfig = char* (*)();
    const auto get = reinterpret_cast<GetConfig>(::dlsym(RTLD_DEFAULT, "openblas_get_config"));
    return get ? std::string(get()) : std::string();
  }

  int threads_ = 0;
  bool hybridize_ = false;
};

}  // namespace

std::unique_ptr<Backend> make_backend() { return std::make_unique<MxnetBackend>(); }

}  // namespace versus
