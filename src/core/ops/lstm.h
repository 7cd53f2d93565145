// One LSTM layer over a time-major sequence, float32, from h0 = c0 = 0:
//   forward:  X [seq, batch, input], W_ih [4·hidden, input], W_hh [4·hidden, hidden],
//             b_ih [4·hidden], b_hh [4·hidden]                 -> Y [seq, batch, hidden]
//             gates_t = x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh, split in the order i, f, g, o
//             (nets/network.h's, PyTorch's and cuDNN's); i, f, o = σ(·), g = tanh(·);
//             c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t); Y[t] = h_t (every step's h).
//   backward: the forward inputs and dY [seq, batch, hidden]
//             -> dX, dW_ih, dW_hh, db_ih, db_hh, the gradients of Σ dY·Y (backpropagation
//             through time).
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

struct LstmParams {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int64_t gates() const { return 4 * hidden; }
};

// Throws UserError for missing, unknown or out-of-range sizes.
LstmParams parse_lstm_params(const nlohmann::json& params);

}  // namespace versus
