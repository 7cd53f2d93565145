#include "core/op_registry.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace versus {

const OpDef& gemm_op();  // core/ops/gemm.cc
const OpDef& add_op();                    // core/ops/elementwise.cc
const OpDef& mul_op();
const OpDef& relu_op();
const OpDef& sigmoid_op();
const OpDef& tanh_op();
const OpDef& gelu_op();                   // core/ops/gelu.cc
const OpDef& softmax_op();                // core/ops/softmax.cc
const OpDef& softmax_cross_entropy_op();  // core/ops/losses.cc
const OpDef& binary_cross_entropy_op();
const OpDef& mse_op();
const OpDef& reduce_sum_op();             // core/ops/reduce.cc
const OpDef& reduce_mean_op();
const OpDef& dot_op();                    // core/ops/blas.cc
const OpDef& gemv_op();
const OpDef& batched_gemm_op();
const OpDef& conv2d_op();                 // core/ops/conv2d.cc
const OpDef& max_pool_op();               // core/ops/pool.cc
const OpDef& avg_pool_op();
const OpDef& batch_norm_op();             // core/ops/batchnorm.cc
const OpDef& layer_norm_op();             // core/ops/layer_norm.cc
const OpDef& embedding_op();              // core/ops/embedding.cc
const OpDef& lstm_op();                   // core/ops/lstm.cc
const OpDef& attention_op();              // core/ops/attention.cc
const OpDef& dispatch_op();               // core/ops/dispatch.cc
const OpDef& transpose_op();              // core/ops/layout_copy.cc
const OpDef& nchw_to_nhwc_op();
const OpDef& sgd_update_op();             // core/ops/sgd_update.cc
const OpDef& load_op();                   // core/ops/load.cc

std::vector<const OpDef*> all_ops() {
  return {&gemm_op(),
          &add_op(), &mul_op(), &relu_op(), &sigmoid_op(), &tanh_op(), &gelu_op(),
          &softmax_op(),
          &softmax_cross_entropy_op(), &binary_cross_entropy_op(), &mse_op(),
          &reduce_sum_op(), &reduce_mean_op(),
          &dot_op(), &gemv_op(), &batched_gemm_op(),
          &conv2d_op(), &max_pool_op(), &avg_pool_op(), &batch_norm_op(), &layer_norm_op(), &embedding_op(),
          &lstm_op(), &attention_op(), &dispatch_op(),
          &transpose_op(), &nchw_to_nhwc_op(), &sgd_update_op(),
          &load_op()};
}

const OpDef& find_op(const std::string& name) {
  std::string known;
  for (const OpDef* op : all_ops()) {
    if (op->name() == name) return *op;
    known += (known.empty() ? "" : ", ") + op->name();
  }
  throw UserError(fmt::format("unknown op '{}'; known ops: {} (see `versus list ops`)", name, known));
}

}  // namespace versus
