// Parameters as MXNet arrays with attached gradients (model/params.h).
#include "backends/mxnet/model/params.h"

#include <stdexcept>

#include <fmt/format.h>

namespace versus::mx {

void ParamStore::take(int index) {
  if (index < 0 || static_cast<size_t>(index) >= initial_.size())
    throw std::logic_error(
        fmt::format("mxnet: parameter {} out of range ({} given)", index, initial_.size()));
  if (placed_[index])
    throw std::logic_error(fmt::format("mxnet: parameter {} used twice", initial_[index].name));
  placed_[index] = true;
}

NDArrayHandle ParamStore::single(int index) {
  take(index);
  const HostTensor& t = initial_[index];
  Entry e{Array::from_host(t.shape, t.data), Array::filled(t.shape, 0.0f), {{index, 0}}};
  arrays_.push_back(std::move(e));
  return arrays_.back().value.get();
}

NDArrayHandle ParamStore::packed(const std::vector<int>& indices) {
  std::vector<float> flat;
  std::vector<Piece> pieces;
  for (int index : indices) {
    take(index);
    pieces.push_back({index, flat.size()});
    flat.insert(flat.end(), initial_[index].data.begin(), initial_[index].data.end());
  }
  const std::vector<int64_t> shape = {static_cast<int64_t>(flat.size())};
  Entry e{Array::from_host(shape, flat), Array::filled(shape, 0.0f), std::move(pieces)};
  arrays_.push_back(std::move(e));
  return arrays_.back().value.get();
}

void ParamStore::attach_grads() {
  for (size_t i = 0; i < placed_.size(); ++i)
    if (!placed_[i])
      throw std::logic_error(fmt::format("mxnet: parameter {} is used by no layer", initial_[i].name));
  std::vector<NDArrayHandle> vars, grads;
  std::vector<uint32_t> reqs;
  for (const Entry& e : arrays_) {
    vars.push_back(e.value.get());
    grads.push_back(e.grad.get());
    reqs.push_back(1);  // kWriteTo: each backward overwrites the gradient
  }
  check(MXAutogradMarkVariables(static_cast<uint32_t>(vars.size()), vars.data(), reqs.data(), grads.data()),
        "MXAutogradMarkVariables");
  // Only names and shapes are needed from here on.
  for (HostTensor& t : initial_) std::vector<float>().swap(t.data);
}

std::vector<HostTensor> ParamStore::neutral() const {
  std::vector<HostTensor> out(initial_.size());
  for (const Entry& e : arrays_) {
    const std::vector<float> host = e.value.to_host();
    for (const Piece& p : e.pieces) {
      HostTensor& t = out[p.index];
      t.name = initial_[p.index].name;
      t.shape = initial_[p.index].shape;
      const auto n = static_cast<size_t>(t.elements());
      t.data.assign(host.begin() + static_cast<std::ptrdiff_t>(p.offset),
                    host.begin() + static_cast<std::ptrdiff_t>(p.offset + n));
    }
  }
  return out;
}

}  // namespace versus::mx
