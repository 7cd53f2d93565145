// embedding in MXNet: the Embedding operator as gluon.nn.Embedding calls it, data = indices
// (float32 holding exact integers, the dtype Gluon feeds it by default), weight = table,
// dense gradient (sparse_grad=False, Gluon's default). Backward differentiates the table only:
// indices have no gradient, and the catalogue returns dTable alone.
#include "backends/mxnet/mx_program.h"
#include "core/ops/embedding.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_embedding(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const MxContext&) {
  const EmbeddingParams q = parse_embedding_params(c.params);
  return make_instance(c, in,
                       {.forward =
                            [q](Program& p, const std::vector<Program::Value>& x) {
                              // Inputs are {table, indices}; the operator takes (data, weight).
                              return p.call("Embedding", {x[1], x[0]},
                                            {{"input_dim", std::to_string(q.vocab)},
                                             {"output_dim", std::to_string(q.dim)},
                                             {"dtype", "float32"},
                                             {"sparse_grad", "False"}});
                            },
                        .grads_of = {0}});
}
VERSUS_REGISTER_OP(MxContext, "embedding", prepare_embedding);

}  // namespace
}  // namespace versus::mx
