// The step explained by its ops (report/step_explained.h): the prediction is exactly the sum of
// the op rows (count × the op's forward+backward median), families add up, a missing op result
// is listed rather than silently dropped, and the section decomposes the gap between frameworks.
#include "report/step_explained.h"

#include <gtest/gtest.h>

namespace versus {
namespace {

nlohmann::json train_run(const std::string& backend, std::vector<double> steps) {
  return {{"status", "ok"}, {"backend", backend}, {"default_mode", true}, {"step_seconds", steps}};
}
nlohmann::json op_run(const std::string& backend, const std::string& op, const nlohmann::json& params,
                      const std::string& direction, double median) {
  return {{"status", "ok"},
          {"case", {{"backend", backend}, {"op", op}, {"params", params}, {"direction", direction}}},
          {"summary", {{"median", median}}}};
}

const nlohmann::json kDense = {{"m", 8}, {"n", 4}, {"k", 16}, {"trans_b", true}};
const nlohmann::json kRelu = {{"n", 32}};
const nlohmann::json kLoss = {{"batch", 8}, {"classes", 4}};
const nlohmann::json kCases = {
    {{"op", "gemm"}, {"params", kDense}, {"directions", {"forward", "backward"}}, {"count", 2}},
    {{"op", "relu"}, {"params", kRelu}, {"directions", {"forward", "backward"}}, {"count", 3}},
    {{"op", "softmax_cross_entropy"}, {"params", kLoss}, {"directions", {"forward", "backward"}}, {"count", 1}}};

TEST(StepExplained, ThePredictionIsTheSumOfTheOpRowsTimesTheirCounts) {
  const std::vector<nlohmann::json> train = {train_run("a", {1.0, 0.010, 0.012, 0.011}), train_run("b", {1.0, 0.020, 0.020})};
  const std::vector<nlohmann::json> ops = {
      op_run("a", "gemm", kDense, "forward", 0.9),  // forward rows are not used: backward cases include them
      op_run("a", "gemm", kDense, "backward", 0.002), op_run("a", "relu", kRelu, "backward", 0.001),
      op_run("a", "softmax_cross_entropy", kLoss, "backward", 0.0005),
      op_run("b", "gemm", kDense, "backward", 0.004), op_run("b", "relu", kRelu, "backward", 0.001)};
  const auto steps = explain_steps(train, ops, kCases);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_DOUBLE_EQ(steps[0].measured, 0.011);  // the first step (build, warm-up) excluded
  EXPECT_DOUBLE_EQ(steps[0].predicted, 2 * 0.002 + 3 * 0.001 + 0.0005);
  EXPECT_DOUBLE_EQ(steps[0].parts.at("dense (gemm)"), 0.004);
  EXPECT_DOUBLE_EQ(steps[0].parts.at("activation"), 0.003);
  EXPECT_DOUBLE_EQ(steps[0].parts.at("loss"), 0.0005);
  double sum = 0;
  for (const auto& [part, t] : steps[0].parts) sum += t;
  EXPECT_DOUBLE_EQ(sum, steps[0].predicted);
  EXPECT_DOUBLE_EQ(steps[0].remainder(), 0.011 - 0.0075);
  EXPECT_TRUE(steps[0].missing.empty());
  // b has no loss result: listed as missing, not silently left out.
  ASSERT_EQ(steps[1].missing.size(), 1u);
  EXPECT_NE(steps[1].missing[0].find("softmax_cross_entropy backward"), std::string::npos);
  EXPECT_DOUBLE_EQ(steps[1].predicted, 2 * 0.004 + 3 * 0.001);

  const Section s = step_explained_section(steps, {{"cases", kCases}, {"batch", 8}}, Chart{});
  std::string bullets;
  for (const auto& block : s.blocks)
    if (const auto* b = std::get_if<Bullets>(&block))
      for (const auto& item : b->items) bullets += item + "\n";
  // b is 1.82× a (9 ms gap): 4 ms of it in its gemm rows, 5.5 ms in the remainder (b lacks the loss row).
  EXPECT_NE(bullets.find("b's step is 1.82× a's (+9.00 ms): remainder (overhead) +5.50 ms (61.1 %), dense (gemm) +4.00 ms (44.4 %)"),
            std::string::npos) << bullets;
  EXPECT_NE(bullets.find("b: no result for softmax_cross_entropy backward"), std::string::npos) << bullets;
}

TEST(StepExplained, OnlyTheDefaultModeAtTheOpsThreadCountIsExplained) {
  std::vector<nlohmann::json> train = {train_run("a", {1, 0.01}), train_run("a", {1, 0.02}), train_run("a", {1, 0.03})};
  train[0]["settings"] = {{"threads", 1}};
  train[1]["settings"] = {{"threads", 2}};
  train[2]["settings"] = {{"threads", 2}};
  train[2]["default_mode"] = false;  // e.g. tensorflow-xla-t2
  const auto steps = explain_steps(train, {}, kCases, 2);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_DOUBLE_EQ(steps[0].measured, 0.02);
}

TEST(StepExplained, ProfiledOperationNamesMapToFamiliesAndTheRestIsListedAsOther) {
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: ConvolutionBackward0"), "conv");
  EXPECT_EQ(profiled_family("aten::conv2d"), "conv");
  EXPECT_EQ(profiled_family("aten::addmm"), "dense (gemm)");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: AddmmBackward0"), "dense (gemm)");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: MaxPool2DWithIndicesBackward0"), "pool");
  EXPECT_EQ(profiled_family("aten::relu"), "activation");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: GeluBackward0"), "activation");
  EXPECT_EQ(profiled_family("aten::native_layer_norm"), "layer norm");
  EXPECT_EQ(profiled_family("LayerNorm"), "layer norm");
  EXPECT_EQ(op_family("gelu"), "activation");
  EXPECT_EQ(op_family("layer_norm"), "layer norm");
  EXPECT_EQ(op_family("attention"), "attention");
  EXPECT_EQ(profiled_family("aten::_scaled_dot_product_flash_attention_for_cpu"), "attention");
  EXPECT_EQ(profiled_family("_contrib_interleaved_matmul_selfatt_qk"), "attention");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: NllLossBackward0"), "loss");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"), "gradient accumulation");
  EXPECT_EQ(profiled_family("optimizer.step"), "optimizer update");
  EXPECT_EQ(profiled_family("aten::t"), "copies/layout");
  EXPECT_EQ(profiled_family("aten::tanh"), "activation");
  EXPECT_EQ(profiled_family("aten::zeros"), "other");
  // torch 2.x runs a CPU LSTM as oneDNN RNN layers, forward and backward.
  EXPECT_EQ(profiled_family("aten::lstm"), "lstm");
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: MkldnnRnnLayerBackward0"), "lstm");
  // MXNet's operator names.
  EXPECT_EQ(profiled_family("_backward_Convolution"), "conv");
  EXPECT_EQ(profiled_family("FullyConnected"), "dense (gemm)");
  EXPECT_EQ(profiled_family("Pooling"), "pool");
  EXPECT_EQ(profiled_family("_backward_Activation"), "activation");
  EXPECT_EQ(profiled_family("log_softmax"), "loss");
  EXPECT_EQ(profiled_family("sgd_mom_update"), "optimizer update");
  EXPECT_EQ(profiled_family("WaitForVar"), "other");
  EXPECT_EQ(profiled_family("Reshape"), "copies/layout");
  EXPECT_EQ(profiled_family("broadcast_add"), "other");
  // TensorFlow's op types (step stats).
  EXPECT_EQ(profiled_family("Conv2DBackpropFilter"), "conv");
  EXPECT_EQ(profiled_family("BiasAddGrad"), "bias add");
  EXPECT_EQ(profiled_family("MatMul"), "dense (gemm)");
  EXPECT_EQ(profiled_family("MaxPoolGrad"), "pool");
  EXPECT_EQ(profiled_family("ReluGrad"), "activation");
  EXPECT_EQ(profiled_family("SparseSoftmaxCrossEntropyWithLogits"), "loss");
  EXPECT_EQ(profiled_family("ResourceApplyMomentum"), "optimizer update");
  EXPECT_EQ(profiled_family("_Retval"), "copies/layout");
  EXPECT_EQ(profiled_family("_FusedConv2D"), "conv");  // grappler's Conv2D + BiasAdd
  EXPECT_EQ(profiled_family("autograd::engine::evaluate_function: TBackward0"), "copies/layout");
  EXPECT_EQ(profiled_family("ReadVariableOp"), "other");

  StepExplanation e;
  e.backend = "torch";
  e.measured = 0.01;
  e.profile = {{"available", true}, {"profiler", "p"}, {"unprofiled_step_seconds", 0.01}, {"profiled_step_seconds", 0.012},
               {"ops", {{"aten::conv2d", {{"seconds", 0.004}, {"calls", 2}}}, {"aten::zeros", {{"seconds", 0.001}, {"calls", 3}}}}}};
  const Section s = step_explained_section({e}, {{"cases", nlohmann::json::array()}}, Chart{});
  std::string text;
  for (const auto& block : s.blocks) {
    if (const auto* b = std::get_if<Bullets>(&block))
      for (const auto& item : b->items) text += item + "\n";
    if (const auto* t = std::get_if<Table>(&block))
      for (const auto& row : t->rows) text += row[0].text + " | " + row.back().text + "\n";
  }
  EXPECT_NE(text.find("step, profiled | 12.0 ms (20.0 % overhead)"), std::string::npos) << text;
  EXPECT_NE(text.find("sum of the profiled ops | 5.00 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("torch, in \"other\": aten::zeros"), std::string::npos) << text;  // named, not dropped
}

TEST(StepExplained, OpsMapToTheirFamilies) {
  EXPECT_EQ(op_family("conv2d"), "conv");
  EXPECT_EQ(op_family("avg_pool"), "pool");
  EXPECT_EQ(op_family("tanh"), "activation");
  EXPECT_EQ(op_family("binary_cross_entropy"), "loss");
  EXPECT_EQ(op_family("add"), "residual add");
  EXPECT_EQ(op_family("sgd_update"), "optimizer update");  // the same family as the profilers' update ops
  EXPECT_EQ(op_family("transpose"), "other");
}

}  // namespace
}  // namespace versus
