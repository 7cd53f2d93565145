// embedding (core/ops/embedding.h) in the native backend, variant "eigen" only: a gather of
// table rows forward, a zero-fill and scatter-add of dY rows backward, over Eigen row maps.
// Single-threaded: the backward scatter-add races when two positions share an index, and
// Eigen threads only its matrix products. The float32 indices are converted to integers in
// prepare, as a framework receives integer index tensors.
// Backward cases time forward + backward: one training step of the op, the same in every
// backend; run() gathers Y (to scratch) and then scatters dY, every time.
//   openblas, onednn  unsupported: neither library has a gather or scatter (oneDNN 2.6 has no
//                     embedding primitive).
#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "core/ops/embedding.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::unique_ptr<OpInstance> prepare_embedding(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const NativeContext&) {
  if (c.variant != "eigen") unsupported_variant(c, c.variant + " has no gather/scatter (use the eigen variant)");
  const EmbeddingParams p = parse_embedding_params(c.params);
  auto inst = std::make_unique<HostInstance>();
  const std::vector<Eigen::Index> indices(in[1].data.begin(), in[1].data.end());
  const auto positions = static_cast<Eigen::Index>(indices.size());
  const Eigen::Map<const RowArray> table(inst->input(in[0]).data(), p.vocab, p.dim);
  auto gather = [=](float* out) {
    return [=]() mutable {
      Eigen::Map<RowArray> y(out, positions, p.dim);
      for (Eigen::Index t = 0; t < positions; ++t) y.row(t) = table.row(indices[size_t(t)]);
    };
  };
  if (!is_backward(c)) {
    inst->set_body(gather(inst->output(size_t(positions * p.dim)).data()));
    return inst;
  }
  inst->set_forward(gather(inst->scratch(size_t(positions * p.dim)).data()));
  const Eigen::Map<const RowArray> dy(inst->input(in[2]).data(), positions, p.dim);
  Eigen::Map<RowArray> dtable(inst->output(size_t(p.vocab * p.dim)).data(), p.vocab, p.dim);
  inst->set_body([=]() mutable {
    dtable.setZero();
    for (Eigen::Index t = 0; t < positions; ++t) dtable.row(indices[size_t(t)]) += dy.row(t);
  });
  return inst;
}
VERSUS_REGISTER_OP(NativeContext, "embedding", prepare_embedding, "eigen");

}  // namespace
}  // namespace versus
