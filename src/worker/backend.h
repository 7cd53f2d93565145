// The interface every framework worker implements. One worker executable links exactly one
// framework (their protobuf/oneDNN/OpenMP copies clash in one process); worker_main.cc drives it.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_spec.h"
#include "core/errors.h"
#include "core/tensor.h"
#include "nets/network.h"
#include "core/distributed_spec.h"
#include "worker/model.h"

namespace versus {

// A case made ready in one framework: buffers allocated, graph built, inputs copied in.
class OpInstance {
 public:
  virtual ~OpInstance() = default;
  // One iteration. Returns only when the result is complete: asynchronous engines (MXNet,
  // TF eager, CUDA) must be synchronised here, inside the timed region.
  virtual void run() = 0;
  // The results of the last run(), copied to the host as row-major float32 arrays, in the
  // order of the op's reference() (e.g. forward: {Y}; backward: {dX, dW}).
  virtual std::vector<std::vector<float>> outputs() = 0;
};

// A way of running that a framework documents (graph, XLA, hybridized, another engine, oneDNN
// off), for training and, where it applies, the op catalogue (there a mode is chosen like a
// variant: --backends tensorflow:xla). `environment` is set by the runner before the worker
// starts, because frameworks read such switches when they load; whatever else the mode needs
// the backend does itself.
struct ExecutionMode {
  std::string name;
  std::string description;
  std::map<std::string, std::string> environment;
};

// An epoch's batches through a framework's own input pipeline (Backend::make_feed), in the order
// given, instead of the training loop's gather from memory.
class EpochFeed {
 public:
  virtual ~EpochFeed() = default;
  // Starts an epoch over `order` (sample indices into the split the feed was made for), in batches
  // of the feed's size; the short tail is dropped.
  virtual void start_epoch(const std::vector<int64_t>& order) = 0;
  // The next batch (the neutral layout the training loop feeds train_step), false at the epoch's end.
  virtual bool next(HostTensor& x, std::vector<float>& labels) = 0;
};

struct Split;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Variants this backend offers (e.g. "openblas", "onednn", "eigen"); the first is the default.
  virtual std::vector<std::string> variants() const = 0;
  // {"version": "...", "build": {"onednn": true, "blas": "...", "openmp": true, "cuda": false, ...}}
  virtual nlohmann::json describe() = 0;
  // What the framework offers, asked of its own registry (worker/support.h); null when the
  // question does not apply (native is not a framework).
  virtual nlohmann::json support() { return nullptr; }
  // Intra-op threads; called once before prepare().
  virtual void set_threads(int threads) = 0;
  // What the framework reports it actually uses, e.g. {"intra_op": 2, "omp": 2}.
  virtual nlohmann::json threads_used() = 0;
  // Throws UnsupportedCase when the framework cannot do this case, with the reason.
  virtual std::unique_ptr<OpInstance> prepare(const CaseSpec& c,
                                              const std::vector<HostTensor>& inputs) = 0;
  // Builds `net` for training and inference through the framework's own API on `device` ("cpu"
  // or "cuda"), starting from `initial` (neutral layout, Network::params order) and updated by
  // `optimizer`. Throws UnsupportedCase naming the layer type, device or setting it cannot do.
  virtual std::unique_ptr<Model> build_model(const Network& net, const std::vector<HostTensor>& initial,
                                             const OptimizerSpec& optimizer, const std::string& device) {
    (void)net, (void)initial, (void)optimizer, (void)device;
    throw UnsupportedCase(name() + " does not train networks");
  }
  // The same, as one rank of a data-parallel job through the framework's own distributed engine:
  // every rank starts from rank 0's parameters, and each train_step averages the gradients of all
  // ranks before the update, so all ranks hold the same parameters after every step. The engine
  // may renumber the ranks (ps-lite numbers workers as they connect): it sets spec.rank to the
  // rank it uses, and the caller feeds that rank's share of each batch.
  virtual std::unique_ptr<Model> build_distributed_model(const Network& net, const std::vector<HostTensor>& initial,
                                                         const OptimizerSpec& optimizer, const std::string& device,
                                                         DistributedSpec& spec) {
    (void)net, (void)initial, (void)optimizer, (void)device, (void)spec;
    throw UnsupportedCase(name() + " has no distributed engine in versus");
  }
  // The roles serve() takes, in the order the runner starts them (one process each).
  virtual std::vector<std::string> distributed_helper_roles() const { return {}; }
  // The helper roles an engine needs beside the ranks (MXNet's ps-lite scheduler and server),
  // run from the same worker executable (`--serve ROLE`); returns when the job ends.
  virtual void serve(const std::string& role, const DistributedSpec& spec) {
    (void)spec;
    throw UnsupportedCase(name() + " has no '" + role + "' role");
  }
  // The input pipelines training can be fed through: "memory" (the training loop gathers each batch
  // from the dataset in memory, every backend) first, then the framework's own (make_feed).
  virtual std::vector<std::string> input_pipelines() const { return {"memory"}; }
  // A feed of `split` in batches of `batch` through the framework's pipeline `name` (one of
  // input_pipelines() but memory); the split outlives it. Throws UnsupportedCase for another name.
  virtual std::unique_ptr<EpochFeed> make_feed(const std::string& name, const Split& split, int64_t batch) {
    (void)split, (void)batch;
    throw UnsupportedCase(this->name() + " has no input pipeline '" + name + "' in versus (it feeds from memory)");
  }
  // The execution modes this backend knows; the first is the default (what a user gets out of the
  // box). Listed in --info, so the runner knows each mode's environment.
  virtual std::vector<ExecutionMode> execution_modes() const { return {}; }
  // Called before build_model or prepare. The default accepts every listed mode (their
  // environment does the work). build_model/prepare throw UnsupportedCase, with the reason, for
  // a mode they cannot do.
  virtual void set_mode(const std::string& mode) { require_listed_mode(mode); }
  // After training or an op's run: what the framework reports it actually did in this mode (e.g. XLA clusters
  // compiled, the engine type, oneDNN in use), from the framework itself where it says.
  virtual nlohmann::json mode_report() { return nlohmann::json::object(); }

 protected:
  void require_listed_mode(const std::string& mode) const {
    std::string listed;
    for (const ExecutionMode& m : execution_modes()) {
      if (m.name == mode) return;
      listed += (listed.empty() ? "" : ", ") + m.name;
    }
    if (!listed.empty() || !mode.empty())
      throw std::invalid_argument(name() + " has no execution mode '" + mode + "' (it has: " + listed + ")");
  }
};

// Defined once in each worker executable.
std::unique_ptr<Backend> make_backend();
// {"layer conv2d": 12, "train_step": 20, ...}: the lines of the worker's marked model code,
// generated by the build (core/lines_of_code.h).
const char* lines_of_code_json();
// {"train_step": "...code...", ...}: the text of those regions, which the training report shows side by side.
const char* marked_code_json();

}  // namespace versus
