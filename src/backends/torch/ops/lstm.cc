// lstm in libtorch: torch::lstm, the ATen op behind nn::LSTM (and the training model's
// LastStepLstm), with params {W_ih, W_hh, b_ih, b_hh}, has_biases, 1 layer, dropout 0,
// train true, not bidirectional, batch_first false: time-major [seq, batch, input] and gate
// order i, f, g, o, torch's own layouts, so nothing is converted. h0 = c0 = zeros
// [1, batch, hidden], made once.
// Form: fused at the API, not in the kernel on CPU. In this libtorch (1.13) aten::lstm is
// CompositeImplicitAutograd: on CPU it runs as ATen's own loop (input projection of every step
// in one matmul, then per step an addmm and the gate ops), and autograd records those ops; on
// CUDA it dispatches to cuDNN's fused RNN (forward and backward).
// Forward under NoGradGuard (TorchForward); backward (dX, dW_ih, dW_hh, db_ih, db_hh) through
// autograd (TorchBackward, instances.h).
#include "backends/torch/ops/instances.h"
#include "core/ops/lstm.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

std::unique_ptr<OpInstance> prepare_lstm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  const LstmParams p = parse_lstm_params(c.params);
  const bool backward = is_backward(c);
  if (in.size() != (backward ? 6u : 5u)) throw UnsupportedCase("lstm: unexpected number of inputs");
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(ctx.device);
  const torch::Tensor h0 = torch::zeros({1, p.batch, p.hidden}, options), c0 = torch::zeros_like(h0);
  std::vector<torch::Tensor> t;  // X, W_ih, W_hh, b_ih, b_hh
  for (size_t i = 0; i < 5; ++i) t.push_back(backward ? leaf(in[i], ctx.device) : from_host(in[i], ctx.device));
  auto lstm = [t, h0, c0] {
    return std::get<0>(torch::lstm(t[0], {h0, c0}, {t[1], t[2], t[3], t[4]}, /*has_biases=*/true,
                                   /*num_layers=*/1, /*dropout=*/0.0, /*train=*/true, /*bidirectional=*/false,
                                   /*batch_first=*/false));
  };
  if (backward) return std::make_unique<TorchBackward>(ctx.device, t, lstm, from_host(in[5], ctx.device));
  return std::make_unique<TorchForward>(ctx.device, lstm);
}
VERSUS_REGISTER_OP(TorchContext, "lstm", prepare_lstm);

}  // namespace
}  // namespace versus::th
