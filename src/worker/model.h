// A network built and made trainable in one framework (Backend::build_model). The worker's
// training loop (worker/train_loop.cc) feeds every backend the same batches in the same order.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"

namespace versus {

class Model {
 public:
  virtual ~Model() = default;
  // One optimizer step on a batch: x in the neutral layout ([B, C, H, W] images, [B, T] token
  // ids as floats), labels as floats (class ids, or 0/1 for sigmoid_cross_entropy). Returns the
  // batch-mean loss computed in the forward pass of this step, i.e. before the update. The
  // batch size may differ between calls (the last batch of an epoch can be short).
  virtual float train_step(const HostTensor& x, const std::vector<float>& labels) = 0;
  // The last layer's outputs (logits) in inference mode (batch-norm uses its running
  // statistics, no parameter changes), [B, classes] or [B, 1], row-major.
  virtual std::vector<float> predict(const HostTensor& x) = 0;
  // Whether image batches are fed channels-last ([B, H, W, C]): the training loop then converts
  // the dataset once, before anything is timed, as a Keras user's arrays come NHWC.
  virtual bool channels_last() const { return false; }
  // The current parameters in the neutral layout, in Network::params order.
  virtual std::vector<HostTensor> parameters() = 0;
  // What the model's execution mode did, beside Backend::mode_report (e.g. the CachedOps a
  // hybridized MXNet model created).
  virtual nlohmann::json mode_report() const { return nlohmann::json::object(); }
  // One train_step under the framework's own profiler: {"profiler": NAME, "ops": {op name:
  // {"seconds", "calls"}}} with the top-level operations only (nested calls are inside their
  // caller's time), or null where versus has no profiler hook for the framework yet.
  virtual nlohmann::json profile_step(const HostTensor& x, const std::vector<float>& labels) {
    (void)x, (void)labels;
    return nullptr;
  }
  // A distributed model (Backend::build_distributed_model): the engine and what each step spent
  // exchanging gradients, {"engine": ..., "communication_seconds": [per train_step], "payload_bytes":
  // gradient bytes each rank contributes per step, ...}; null for a single-process model.
  virtual nlohmann::json communication_report() const { return nullptr; }
};

}  // namespace versus
