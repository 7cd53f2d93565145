// The "hybridized" training mode: the network body as one CachedOp, as Gluon's
// HybridBlock.hybridize(static_alloc=True, static_shape=True) runs it.
#pragma once
#include <memory>

#include <nlohmann/json.hpp>

#include "backends/mxnet/model/layers.h"

namespace versus::mx {

// Wraps `body`: the first forward at a new input shape traces the body's operator calls into a
// symbol (running them once, in inference mode, so no running statistic moves) and creates a
// CachedOp from it; every forward then invokes that CachedOp, which autograd records as one
// operator. The loss stays imperative, as a Gluon loss block usually is.
class HybridBlock final : public Block {
 public:
  explicit HybridBlock(std::unique_ptr<Block> body);
  ~HybridBlock() override;
  Array forward(const Array& x) override;
  // {"cached_op": {"static_alloc": true, "static_shape": true, "graphs": N, "nodes": M, "trace_seconds": S}}
  nlohmann::json report() const;

 private:
  struct Graph;
  std::unique_ptr<Block> body_;
  std::vector<std::unique_ptr<Graph>> graphs_;  // one per input shape seen
  double trace_seconds_ = 0;
};

}  // namespace versus::mx
