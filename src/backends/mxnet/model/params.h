// A network's parameters as MXNet arrays, each with its gradient buffer attached (Gluon's
// Parameter with grad_req "write"). Most are the neutral tensors as they are (MXNet's layouts
// are the neutral ones); the fused RNN op takes one flat vector, so an LSTM's four tensors are
// packed into one array and unpacked again by neutral().
#pragma once
#include <cstddef>
#include <vector>

#include "backends/mxnet/model/nd.h"
#include "core/tensor.h"

namespace versus::mx {

class ParamStore {
 public:
  explicit ParamStore(const std::vector<HostTensor>& initial)
      : initial_(initial), placed_(initial.size(), false) {}

  // The neutral parameter `index` as one array of its own shape.
  NDArrayHandle single(int index);
  // The neutral parameters `indices`, flattened and concatenated in that order, as one array.
  NDArrayHandle packed(const std::vector<int>& indices);
  // Attaches a gradient buffer to every array (MXAutogradMarkVariables, grad_req write); call
  // once, after every layer has taken its parameters. Throws if a neutral one was left unused.
  void attach_grads();

  size_t size() const { return arrays_.size(); }
  NDArrayHandle array(size_t i) const { return arrays_[i].value.get(); }
  NDArrayHandle grad(size_t i) const { return arrays_[i].grad.get(); }
  // The current values in the neutral layout and order (blocks until pending updates are done).
  std::vector<HostTensor> neutral() const;

 private:
  struct Piece {
    int index;      // neutral parameter
    size_t offset;  // where it starts in the array, in elements
  };
  struct Entry {
    Array value, grad;
    std::vector<Piece> pieces;
  };
  void take(int index);

  std::vector<HostTensor> initial_;
  std::vector<bool> placed_;
  std::vector<Entry> arrays_;
};

}  // namespace versus::mx
