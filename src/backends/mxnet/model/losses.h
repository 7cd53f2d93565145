// The networks' losses as MXNet operator calls, reduced to the batch mean (a [1] array), as
// Gluon's loss blocks followed by `.mean()` compute them:
//   softmax_cross_entropy  -mean(pick(log_softmax(logits), labels))   (SoftmaxCrossEntropyLoss,
//                          sparse_label=True); logits [B, classes], labels = class ids [B]
//   sigmoid_cross_entropy  mean(relu(x) - x·z + log1p(exp(-|x|)))   (SigmoidBinaryCrossEntropyLoss,
//                          from_sigmoid=False, the same stable form); logits [B, 1], labels 0/1
#pragma once
#include <string>
#include <vector>

#include "backends/mxnet/model/nd.h"

namespace versus::mx {

class Loss {
 public:
  // Throws UnsupportedCase for a loss other than the two above.
  explicit Loss(std::string kind);
  // The batch-mean loss of `logits` against `labels` (one per row), recorded when autograd is.
  Array operator()(const Array& logits, const std::vector<float>& labels) const;

 private:
  std::string kind_;
};

}  // namespace versus::mx
