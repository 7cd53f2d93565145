// lstm in MXNet: fused — the RNN operator (mode "lstm", state_size hidden, num_layers 1, not
// bidirectional, p 0, state_outputs False), as gluon.rnn.LSTM calls it and as the training
// model does (model/lstm.cc). Its data is time-major [seq, batch, input], the op's own layout,
// and its gate order i, f, c(g), o the neutral one, so nothing is reordered. Its weights are one
// flat vector packed as gluon's _rnn_param_concat packs them: W_ih, W_hh, b_ih, b_hh, each
// flattened, concatenated in that order. The packing (Reshape + Concat) is part of every run,
// as it is of every Gluon forward call, and it carries autograd's gradients back to the four
// tensors. h0 = c0 = zeros [1, batch, hidden], made once. The pip wheel (1.9.1) has the MKLDNN
// feature, so on CPU the operator runs oneDNN's fused LSTM primitive, forward and backward
// (MXNET_USE_MKLDNN_RNN=0 switches to MXNet's own fused kernel).
// Backward (dX, dW_ih, dW_hh, db_ih, db_hh) through autograd (mx_program.h).
#include "backends/mxnet/mx_program.h"
#include "core/ops/lstm.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_lstm(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const LstmParams q = parse_lstm_params(c.params);
  return make_instance(
      c, in,
      {.forward =
           [q](Program& p, const std::vector<Program::Value>& x) {
             std::vector<Program::Value> flat;
             for (size_t i = 1; i <= 4; ++i) flat.push_back(p.call("Reshape", {x[i]}, {{"shape", "(-1,)"}}));
             const Program::Value packed =
                 p.call("Concat", flat, {{"num_args", "4"}, {"dim", "0"}});
             const Program::Value h0 = p.constant({1, q.batch, q.hidden}, 0.0f);
             const Program::Value c0 = p.constant({1, q.batch, q.hidden}, 0.0f);
             return p.call("RNN", {x[0], packed, h0, c0},
                           {{"state_size", std::to_string(q.hidden)},
                            {"num_layers", "1"},
                            {"bidirectional", "False"},
                            {"mode", "lstm"},
                            {"p", "0"},
                            {"state_outputs", "False"}});
           },
       .grads_of = {0, 1, 2, 3, 4}});
}
VERSUS_REGISTER_OP(MxContext, "lstm", prepare_lstm);

}  // namespace
}  // namespace versus::mx
