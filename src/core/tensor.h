// A dense row-major float32 tensor held on the host: what the harness hands every backend.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace versus {

struct HostTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

}  // namespace versus
