// lstm in TensorFlow graph mode: unrolled. TF's fused LSTM ops (BlockLSTM, LSTMBlockCell,
// CudnnRNN) have no gradient in the C++ registry that TF_AddGradients uses (their gradients are
// Python-only), so the cell is written out step by step, as the training model does
// (model/layers.cc) and as keras' LSTM computes it without cuDNN: the input projection of every
// step in one MatMul, X [seq·batch, input]·W_ihᵀ plus b_ih + b_hh (BiasAdd), split per step
// (Unpack); then per step gates += h·W_hhᵀ (MatMul), Split into i, f, g, o, Sigmoid/Tanh,
// c = f⊙c + i⊙g, h = o⊙tanh(c), from h = c = 0 (step 0 has no recurrent term); Y = Pack of every
// step's h. The weights are fed as the op's [4·hidden, ·] and multiplied with transpose_b
// (keras keeps [·, 4·hidden] kernels; the product is the same MatMul kernel).
// Backward: TF_AddGradients of that graph (dX, dW_ih, dW_hh, db_ih, db_hh), forward kept.
#include "backends/tensorflow/graph_builder.h"
#include "core/ops/lstm.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

TF_Output matmul_bt(GraphBuilder& g, TF_Output a, TF_Output b) {
  return g.op("MatMul", {a, b}, [](Desc d) { TF_SetAttrBool(d, "transpose_b", 1); });
}

// Pack takes a list input, which GraphBuilder::node does not add.
TF_Output pack(GraphBuilder& g, const std::vector<TF_Output>& xs) {
  TF_OperationDescription* d = TF_NewOperation(g.graph(), "Pack", "lstm_Y");
  TF_AddInputList(d, xs.data(), static_cast<int>(xs.size()));
  TF_SetAttrInt(d, "axis", 0);
  Status s;
  TF_Operation* op = TF_FinishOperation(d, s);
  s.check("adding graph node lstm_Y");
  return {op, 0};
}

std::unique_ptr<OpInstance> prepare_lstm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TfContext& ctx) {
  const LstmParams p = parse_lstm_params(c.params);
  const auto i32 = [](int64_t v) { return static_cast<int32_t>(v); };
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0)), w_ih = g.feed(in.at(1)), w_hh = g.feed(in.at(2)), b_ih = g.feed(in.at(3)),
                  b_hh = g.feed(in.at(4));
  const TF_Output bias = g.op("AddV2", {b_ih, b_hh});
  const TF_Output rows = g.op("Reshape", {x, g.const_int32({i32(p.seq * p.batch), i32(p.input)})});
  const TF_Output projected =
      g.op("Reshape", {g.op("BiasAdd", {matmul_bt(g, rows, w_ih), bias}),
                       g.const_int32({i32(p.seq), i32(p.batch), i32(p.gates())})});
  TF_Operation* per_step = g.node("Unpack", {projected}, [&](Desc d) {
    TF_SetAttrInt(d, "num", p.seq);
    TF_SetAttrInt(d, "axis", 0);
  });
  const TF_Output axis = g.scalar_int32(1);
  std::vector<TF_Output> hs;
  TF_Output h{}, cell{};
  for (int t = 0; t < p.seq; ++t) {
    TF_Output gates{per_step, t};
    if (t > 0) gates = g.op("AddV2", {gates, matmul_bt(g, h, w_hh)});
    TF_Operation* split = g.node("Split", {axis, gates}, [](Desc d) { TF_SetAttrInt(d, "num_split", 4); });
    const TF_Output i = g.op("Sigmoid", {{split, 0}}), f = g.op("Sigmoid", {{split, 1}});
    const TF_Output gg = g.op("Tanh", {{split, 2}}), o = g.op("Sigmoid", {{split, 3}});
    const TF_Output ig = g.op("Mul", {i, gg});
    cell = t == 0 ? ig : g.op("AddV2", {g.op("Mul", {f, cell}), ig});
    h = g.op("Mul", {o, g.op("Tanh", {cell})});
    hs.push_back(h);
  }
  const TF_Output y = pack(g, hs);
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(5)), {x, w_ih, w_hh, b_ih, b_hh}), {y});
}
VERSUS_REGISTER_OP(TfContext, "lstm", prepare_lstm);

}  // namespace
}  // namespace versus::tf
