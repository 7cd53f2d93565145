// A network's loss as TensorFlow graph nodes: the batch mean, from ops whose gradients TF's C++
// registry has.
#pragma once
#include <string>

#include "backends/tensorflow/model/model_graph.h"

namespace versus::tf {

// `logits` [batch, classes] or [batch, 1]; `labels` [batch] floats (class ids, or 0/1).
// Returns the scalar batch-mean loss.
TF_Output build_loss(ModelGraph& g, const std::string& loss, int64_t classes, TF_Output logits,
                     TF_Output labels);

}  // namespace versus::tf
