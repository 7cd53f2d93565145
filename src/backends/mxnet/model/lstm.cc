// lstm in MXNet: the fused RNN operator (mode "lstm", one layer, one direction), as
// gluon.rnn.LSTM calls it. The operator takes time-major input [T, N, F] and one flat parameter
// vector packed as gluon's _rnn_param_concat packs it: every weight first (i2h [4H, F], then
// h2h [4H, H]), then every bias (i2h [4H], then h2h [4H]). Its gate order is i, f, c(g), o, the
// neutral one, so the neutral w_ih, w_hh, b_ih, b_hh are packed as they are. The initial states
// are zeros; the layer's output is h at the last time step.
#include <fmt/format.h>

#include "backends/mxnet/model/layers.h"
#include "core/errors.h"

namespace versus::mx {
namespace {

// loc: begin layer lstm
class LstmBlock final : public Block {
 public:
  LstmBlock(const Layer& l, ParamStore& params) : steps_(l.in_shape.at(0)), hidden_(l.units) {
    packed_ = params.packed({l.params[0], l.params[1], l.params[2], l.params[3]});
    kwargs_ = {{"state_size", std::to_string(hidden_)},
               {"num_layers", "1"},
               {"bidirectional", "False"},
               {"mode", "lstm"},
               {"p", "0"},
               {"state_outputs", "False"}};
  }

  Array forward(const Array& x) override {
    const int64_t batch = x.shape().at(0);
    // [N, T, F] -> [T, N, F], the RNN operator's "TNC" layout.
    const Array tnc = call("transpose", {x.get()}, {{"axes", "(1, 0, 2)"}});
    const Kwargs zeros = {{"shape", tuple({1, batch, hidden_})}, {"dtype", "float32"}};
    const Array h0 = call("_zeros", {}, zeros);
    const Array c0 = call("_zeros", {}, zeros);
    const Array out = call("RNN", {tnc.get(), packed_, h0.get(), c0.get()}, kwargs_);  // [T, N, H]
    const Array last =
        call("slice_axis", {out.get()},
             {{"axis", "0"}, {"begin", std::to_string(steps_ - 1)}, {"end", std::to_string(steps_)}});
    return call("reshape", {last.get()}, {{"shape", tuple({batch, hidden_})}});
  }

 private:
  int64_t steps_, hidden_;
  NDArrayHandle packed_ = nullptr;
  Kwargs kwargs_;
};
// loc: end

}  // namespace

// loc: begin layer lstm
std::unique_ptr<Block> build_lstm(const Layer& l, ParamStore& params) {
  if (l.in_shape.size() != 2)
    throw UnsupportedCase(
        fmt::format("mxnet: lstm ({}) is not supported: input is not [time, features]", l.name));
  if (l.params.size() != 4)
    throw UnsupportedCase(
        fmt::format("mxnet: lstm ({}) is not supported: expected w_ih, w_hh, b_ih, b_hh", l.name));
  return std::make_unique<LstmBlock>(l, params);
}
// loc: end

}  // namespace versus::mx
