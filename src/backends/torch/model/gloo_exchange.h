// Data-parallel gradient exchange through PyTorch's own c10d engine: a ProcessGroupGloo whose
// ranks meet at a TCPStore on rank 0 (what torch.distributed's "gloo" backend does). The
// initial parameters are broadcast from rank 0; after each backward the gradients are
// all-reduced in one flat bucket (as DistributedDataParallel buckets them) and divided by the
// world size.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/torch/torch_api.h"
#include "core/distributed_spec.h"

namespace versus::th {

class GradientExchange {
 public:
  virtual ~GradientExchange() = default;
  // Makes every rank's parameters rank 0's.
  virtual void broadcast_parameters(std::vector<torch::Tensor>& params) = 0;
  // Replaces each parameter's .grad by the mean over the ranks.
  virtual void average_gradients(std::vector<torch::Tensor>& params) = 0;
  // communication_report() of worker/model.h.
  virtual nlohmann::json report() const = 0;
};

// "c10d ProcessGroupGloo" when this build has it, else "unavailable: <why>".
std::string gloo_status();

// Joins the job (blocks until every rank has joined, or throws after spec.timeout_seconds).
std::unique_ptr<GradientExchange> join_gloo_group(const DistributedSpec& spec);

}  // namespace versus::th
