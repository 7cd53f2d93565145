// Optimizer updates in TensorFlow graph mode (optimizers.h). TF's kernels compute exactly the
// OptimizerSpec formulas:
//   ResourceApplyGradientDescent  w -= lr·g
//   ResourceApplyMomentum         accum = μ·accum + g;  w -= lr·accum   (use_nesterov=false)
//   ResourceApplyAdam             lr_t = lr·√(1-β2ᵗ)/(1-β1ᵗ);  m += (g-m)(1-β1);  v += (g²-v)(1-β2);
//                                 w -= lr_t·m/(√v + ε)
#include "backends/tensorflow/model/optimizers.h"

#include "core/errors.h"

namespace versus::tf {

OptimizerGraph build_optimizer(ModelGraph& g, const OptimizerSpec& o, const std::vector<Variable>& vars,
                               const std::vector<TF_Output>& grads, TF_Operation* after) {
  if (o.kind != "sgd" && o.kind != "momentum" && o.kind != "adam")
    throw UnsupportedCase("tensorflow: optimizer '" + o.kind + "' is not supported: unknown optimizer");
  OptimizerGraph out;
  g.set_scope("optimizer");
  const TF_Output lr = g.scalar(static_cast<float>(o.learning_rate));
  TF_Output momentum{}, beta1{}, beta2{}, epsilon{};
  if (o.kind == "momentum") momentum = g.scalar(static_cast<float>(o.momentum));
  if (o.kind == "adam") {
    out.adam = true;
    out.beta1_power = g.placeholder("beta1_power", TF_FLOAT, {});
    out.beta2_power = g.placeholder("beta2_power", TF_FLOAT, {});
    beta1 = g.scalar(static_cast<float>(o.beta1));
    beta2 = g.scalar(static_cast<float>(o.beta2));
    epsilon = g.scalar(static_cast<float>(o.epsilon));
  }
  const auto no_locking = [](Desc d) { TF_SetAttrBool(d, "use_locking", false); };
  for (size_t i = 0; i < vars.size(); ++i) {
    const Variable& v = vars[i];
    g.set_scope("optimizer/" + v.name);
    const TF_Output grad = grads[i].oper ? grads[i] : g.op("ZerosLike", {v.value});
    if (o.kind == "sgd") {
      out.updates.push_back(
          g.node("ResourceApplyGradientDescent", {v.handle, lr, grad}, no_locking, {after}));
    } else if (o.kind == "momentum") {
      const Variable accum = g.variable(v.name + "/momentum", v.shape);
      g.init_fill(accum, 0.0f);
      out.updates.push_back(g.node("ResourceApplyMomentum", {v.handle, accum.handle, lr, grad, momentum},
                                   [](Desc d) {
                                     TF_SetAttrBool(d, "use_locking", false);
                                     TF_SetAttrBool(d, "use_nesterov", false);
                                   },
                                   {after}));
    } else {
      const Variable m = g.variable(v.name + "/m", v.shape), s = g.variable(v.name + "/v", v.shape);
      g.init_fill(m, 0.0f);
      g.init_fill(s, 0.0f);
      out.updates.push_back(g.node(
          "ResourceApplyAdam",
          {v.handle, m.handle, s.handle, out.beta1_power, out.beta2_power, lr, beta1, beta2, epsilon, grad},
          [](Desc d) {
            TF_SetAttrBool(d, "use_locking", false);
            TF_SetAttrBool(d, "use_nesterov", false);
          },
          {after}));
    }
  }
  return out;
}

}  // namespace versus::tf
