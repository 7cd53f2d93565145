// Loss functions: a scalar mean loss forward, the gradient of that loss backward. The backward
// pass takes no dY: the upstream gradient of a loss is 1, as when training calls backward() on it.
//   softmax_cross_entropy  params {"batch", "classes"}
//       forward  inputs {logits [batch, classes], labels [batch, classes] one-hot}  output {loss [1]}
//                loss = mean over rows of -Σ_j labels_j·log softmax(logits)_j
//       backward same inputs, output {dLogits = (softmax(logits) - labels) / batch}
//   binary_cross_entropy   params {"n"}
//       forward  inputs {P [n] in (0.05, 0.95), T [n] in {0, 1}}  output {loss [1]}
//                loss = -mean(T·log P + (1-T)·log(1-P))
//       backward same inputs, output {dP = (P - T) / (P·(1-P)) / n}
//   mse                    params {"n"}
//       forward  inputs {X [n], Yt [n]}  output {loss [1]}, loss = mean((X - Yt)²)
//       backward same inputs, output {dX = 2·(X - Yt) / n}
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/compare.h"
#include "core/ops/float32_bounds.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 26;
constexpr int64_t kMaxElements = int64_t{1} << 30;

HostTensor scalar_loss(double loss) { return {"loss", {1}, {static_cast<float>(loss)}}; }

class SoftmaxCrossEntropyOp final : public OpDef {
 public:
  std::string name() const override { return "softmax_cross_entropy"; }
  std::string description() const override {
    return "loss = mean cross-entropy of softmax(logits [batch, classes]) and one-hot labels; "
           "backward (upstream gradient 1): dLogits = (softmax(logits) - labels) / batch";
  }
  void validate_params(const nlohmann::json& p) const override { parse(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return fmt::format("b{}-c{}", s.batch, s.classes);
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Shape s = parse(c.params);
    // [-4, 4]: class probabilities spread over e^8 ≈ 3000×, as trained logits are.
    HostTensor logits = uniform_tensor("logits", {s.batch, s.classes}, c.seed, 0, -4, 4);
    HostTensor labels{
        "labels", {s.batch, s.classes}, std::vector<float>(static_cast<size_t>(s.batch * s.classes))};
    const HostTensor pick = uniform_tensor("", {s.batch}, c.seed, 1, 0, 1);
    for (int64_t i = 0; i < s.batch; ++i) {
      const auto label =
          std::min(s.classes - 1, static_cast<int64_t>(pick.data[i] * static_cast<double>(s.classes)));
      labels.data[i * s.classes + label] = 1;
    }
    return {std::move(logits), std::move(labels)};
  }

  // Written for any label distribution (Σ_j labels_j need not be 1), which one-hot labels are a
  // case of: loss_i = Σ_j y_j·(lse - x_j), dx_j = (softmax_j·Σ_k y_k - y_j) / batch.
  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Shape s = parse(c.params);
    require_inputs(in, name(), {s.batch * s.classes, s.batch * s.classes});
    const bool backward = c.direction == "backward";
    HostTensor grad{"dLogits", {s.batch, s.classes}, {}};
    if (backward) grad.data.resize(static_cast<size_t>(s.batch * s.classes));
    double loss = 0;
    for (int64_t i = 0; i < s.batch; ++i) {
      const Row r = row(in, s, i);
      double label_sum = 0;
      for (int64_t j = 0; j < s.classes; ++j) {
        label_sum += r.y[j];
        loss += r.y[j] * (r.lse - r.x[j]);
      }
      if (backward)
        for (int64_t j = 0; j < s.classes; ++j)
          grad.data[i * s.classes + j] = static_cast<float>((std::exp(r.x[j] - r.lse) * label_sum - r.y[j]) /
                                                            static_cast<double>(s.batch));
    }
    if (backward) return {std::move(grad)};
    return {scalar_loss(loss / static_cast<double>(s.batch))};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const Shape s = parse(c.params);
    const auto batch = static_cast<double>(s.batch);
    if (c.direction == "backward") {
      // dLogits_j = (softmax_j - y_j) / batch cancels at the label where softmax ≈ 1, so each
      // element is judged against (softmax_j + y_j) / batch, the size of what it subtracts:
      // softmax's relative error (the forward sum's, <= sum_tolerance(classes)) times that.
      ScaledOutput out{&refs.at(0), {}, sum_tolerance(s.classes)};
      for (int64_t i = 0; i < s.batch; ++i) {
        const Row r = row(in, s, i);
        double label_sum = 0;
        for (int64_t j = 0; j < s.classes; ++j) label_sum += std::fabs(r.y[j]);
        for (int64_t j = 0; j < s.classes; ++j)
          out.scale.push_back((std::exp(r.x[j] - r.lse) * label_sum + std::fabs(r.y[j])) / batch);
      }
      return check_scaled({out}, results, "|dLogits - ref| / ((softmax + |labels|) / batch)");
    }
    // loss_i = lse - x_label cancels when the label's probability is near 1, so the loss is
    // judged against the mean of 1 + |max logit| + log Σexp + |label logit|: float32 rounds
    // those magnitudes, and the 1 carries log Σexp's absolute error, the sum's relative error
    // (<= classes·2^-24). Averaging the batch adds batch·2^-24 relative.
    double scale = 0;
    for (int64_t i = 0; i < s.batch; ++i) {
      const Row r = row(in, s, i);
      for (int64_t j = 0; j < s.classes; ++j)
        scale += std::fabs(r.y[j]) * (1 + std::fabs(r.max) + (r.lse - r.max) + std::fabs(r.x[j]));
    }
    ScaledOutput out{&refs.at(0), {scale / batch}, sum_tolerance(s.batch + s.classes)};
    return check_scaled({out}, results, "|loss - ref| / mean(1 + |max logit| + log Σexp + |label logit|)");
  }

  bool has_backward() const override { return true; }
  // Nominal: max, subtract, exp, sum and label product per logit; log and add per row.
  double flops(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 5.0 * static_cast<double>(s.batch) * static_cast<double>(s.classes) +
           2.0 * static_cast<double>(s.batch);
  }
  double bytes(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 4.0 * (2.0 * static_cast<double>(s.batch) * static_cast<double>(s.classes) + 1);
  }

 private:
  struct Shape {
    int64_t batch, classes;
  };
  struct Row {
    const float* x;   // logits
    const float* y;   // labels
    double max, lse;  // max logit, log Σ exp(logits)
  };

  Shape parse(const nlohmann::json& p) const {
    const ParamReader r(name(), p, {"batch", "classes"});
    const Shape s{r.size("batch", 1, kMaxDim), r.size("classes", 2, kMaxDim)};
    r.limit_elements(3.0 * static_cast<double>(s.batch) * static_cast<double>(s.classes),
                     fmt::format("--batch {} --classes {} (logits, labels and dLogits in the backward pass)",
                                 s.batch, s.classes));
    return s;
  }

  static Row row(const std::vector<HostTensor>& in, const Shape& s, int64_t i) {
    Row r{&in[0].data[i * s.classes], &in[1].data[i * s.classes], 0, 0};
    r.max = *std::max_element(r.x, r.x + s.classes);
    double sum = 0;
    for (int64_t j = 0; j < s.classes; ++j) sum += std::exp(r.x[j] - r.max);
    r.lse = r.max + std::log(sum);
    return r;
  }
};

// A loss that is the mean of a per-element term of a prediction and a target, both [n].
struct ElementLoss {
  const char* name;
  const char* description;
  const char* prediction;  // input names; the gradient is "d" + prediction
  const char* target;
  double flops_per_element;  // nominal: log and division count one each, as + and ·
  float lo, hi;              // prediction range
  bool binary_target;        // targets in {0, 1}, else uniform in [lo, hi)
  double (*term)(double p, double t);
  double (*derivative)(double p, double t);  // of term with respect to p
};

// (0.05, 0.95): log P and log(1-P) stay within 3 nats, away from the clamps frameworks put near
// 0 and 1 (PyTorch clamps log at -100, Keras clips P to [1e-7, 1-1e-7]).
const ElementLoss kBinaryCrossEntropy = {
    .name = "binary_cross_entropy",
    .description =
        "loss = -mean(T·log P + (1-T)·log(1-P)) over n elements; backward (upstream gradient 1): "
        "dP = (P - T) / (P·(1-P)) / n",
    .prediction = "P",
    .target = "T",
    .flops_per_element = 8,
    .lo = 0.05f,
    .hi = 0.95f,
    .binary_target = true,
    .term = [](double p, double t) { return -(t * std::log(p) + (1 - t) * std::log(1 - p)); },
    .derivative = [](double p, double t) { return (p - t) / (p * (1 - p)); }};

const ElementLoss kMse = {
    .name = "mse",
    .description =
        "loss = mean((X - Yt)²) over n elements; backward (upstream gradient 1): dX = 2·(X - Yt) / n",
    .prediction = "X",
    .target = "Yt",
    .flops_per_element = 3,
    .lo = -1,
    .hi = 1,
    .binary_target = false,
    .term = [](double x, double t) { return (x - t) * (x - t); },
    .derivative = [](double x, double t) { return 2 * (x - t); }};

class ElementLossOp final : public OpDef {
 public:
  explicit ElementLossOp(const ElementLoss& k) : k_(k) {}

  std::string name() const override { return k_.name; }
  std::string description() const override { return k_.description; }
  void validate_params(const nlohmann::json& p) const override { size(p); }
  std::string shape_label(const nlohmann::json& p) const override { return fmt::format("n{}", size(p)); }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const int64_t n = size(c.params);
    HostTensor target =
        uniform_tensor(k_.target, {n}, c.seed, 1, k_.binary_target ? 0 : k_.lo, k_.binary_target ? 1 : k_.hi);
    if (k_.binary_target)
      for (float& t : target.data) t = t < 0.5f ? 0.0f : 1.0f;
    return {uniform_tensor(k_.prediction, {n}, c.seed, 0, k_.lo, k_.hi), std::move(target)};
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const int64_t n = size(c.params);
    require_inputs(in, name(), {n, n});
    const float* p = in[0].data.data();
    const float* t = in[1].data.data();
    if (c.direction == "backward") {
      HostTensor grad{fmt::format("d{}", k_.prediction), {n}, std::vector<float>(static_cast<size_t>(n))};
      for (int64_t i = 0; i < n; ++i)
        grad.data[i] = static_cast<float>(k_.derivative(p[i], t[i]) / static_cast<double>(n));
      return {std::move(grad)};
    }
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += k_.term(p[i], t[i]);
    return {scalar_loss(sum / static_cast<double>(n))};
  }

  // Forward: every term is >= 0 (cross-entropy of a probability, a square), so the mean's
  // relative error is the float32 sum's, (n-1)·2^-24 at worst, plus each term's few roundings.
  // Backward: each gradient element is a handful of correctly rounded operations on exact
  // inputs, without cancellation (P - T and X - Yt are each one rounding of exact floats).
  Validation check(const CaseSpec& c, const std::vector<HostTensor>&, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    if (c.direction == "backward") return compare_outputs(refs, results, kElementwiseTolerance);
    return compare_outputs(refs, results, sum_tolerance(size(c.params)));
  }

  bool has_backward() const override { return true; }
  double flops(const nlohmann::json& p) const override {
    return k_.flops_per_element * static_cast<double>(size(p));
  }
  double bytes(const nlohmann::json& p) const override {
    return 4.0 * (2.0 * static_cast<double>(size(p)) + 1);
  }

 private:
  int64_t size(const nlohmann::json& p) const {
    const ParamReader r(k_.name, p, {"n"});
    const int64_t n = r.size("n", 1, kMaxElements);
    r.limit_elements(3.0 * static_cast<double>(n),
                     fmt::format("--n {} (prediction, target and gradient in the backward pass)", n));
    return n;
  }

  const ElementLoss& k_;
};

}  // namespace

const OpDef& softmax_cross_entropy_op() {
  static const SoftmaxCrossEntropyOp op;
  return op;
}

const OpDef& binary_cross_entropy_op() {
  static const ElementLossOp op(kBinaryCrossEntropy);
  return op;
}

const OpDef& mse_op() {
  static const ElementLossOp op(kMse);
  return op;
}

}  // namespace versus
