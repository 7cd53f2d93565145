#include "core/ops/op_tensors.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/rng.h"

namespace versus {

HostTensor uniform_tensor(std::string name, std::vector<int64_t> shape, uint64_t seed, uint64_t stream,
                          float lo, float hi) {
  HostTensor t{std::move(name), std::move(shape), {}};
  t.data.resize(static_cast<size_t>(t.elements()));
  fill_uniform(t.data, seed, stream, lo, hi);
  return t;
}

void require_inputs(const std::vector<HostTensor>& in, const std::string& op,
                    const std::vector<int64_t>& elements) {
  if (in.size() != elements.size())
    throw std::invalid_argument(
        fmt::format("{}: reference needs {} inputs, got {}", op, elements.size(), in.size()));
  size_t i = 0;
  for (int64_t n : elements) {
    if (static_cast<int64_t>(in[i].data.size()) != n)
      throw std::invalid_argument(fmt::format("{}: input {} ({}) has {} elements, expected {}", op, i,
                                              in[i].name, in[i].data.size(), n));
    ++i;
  }
}

}  // namespace versus
