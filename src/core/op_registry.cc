#include "core/op_registry.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace versus {

const OpDef& gemm_op();  // core/ops/gemm.cc

std::vector<const OpDef*> all_ops() { return {&gemm_op()}; }

const OpDef& find_op(const std::string& name) {
  std::string known;
  for (const OpDef* op : all_ops()) {
    if (op->name() == name) return *op;
    known += (known.empty() ? "" : ", ") + op->name();
  }
  throw UserError(fmt::format("unknown op '{}'; known ops: {} (see `versus list ops`)", name, known));
}

}  // namespace versus
