// Losses in TensorFlow graph mode (losses.h).
#include "backends/tensorflow/model/losses.h"

#include "core/errors.h"

namespace versus::tf {

// loc: begin loss
TF_Output build_loss(ModelGraph& g, const std::string& loss, int64_t classes, TF_Output logits,
                     TF_Output labels) {
  g.set_scope("loss");
  if (loss == "softmax_cross_entropy") {
    // SparseSoftmaxCrossEntropyWithLogits has no C++ gradient; the dense form with one-hot
    // labels computes the same loss and has one.
    const TF_Output ids = g.op("Cast", {labels}, [](Desc d) { TF_SetAttrType(d, "DstT", TF_INT32); });
    const TF_Output one_hot =
        g.op("OneHot", {ids, g.scalar_int32(static_cast<int32_t>(classes)), g.scalar(1.0f), g.scalar(0.0f)});
    const TF_Output per_sample = g.op("SoftmaxCrossEntropyWithLogits", {logits, one_hot});
    return g.op("Mean", {per_sample, g.const_int32({0})});
  }
  if (loss == "sigmoid_cross_entropy") {
    // tf.nn.sigmoid_cross_entropy_with_logits' stable form: max(x,0) − x·z + log(1 + exp(−|x|)).
    const TF_Output z = g.reshape(labels, {-1, 1});
    const TF_Output softplus = g.op("Log1p", {g.op("Exp", {g.op("Neg", {g.op("Abs", {logits})})})});
    const TF_Output per_sample =
        g.op("AddV2", {g.op("Sub", {g.op("Relu", {logits}), g.op("Mul", {logits, z})}), softplus});
    return g.op("Mean", {per_sample, g.const_int32({0, 1})});
  }
  throw UnsupportedCase("tensorflow: loss '" + loss + "' is not supported: unknown loss");
}
// loc: end

}  // namespace versus::tf
