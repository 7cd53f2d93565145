#include "nets/weights.h"

#include <cmath>

#include "core/rng.h"

namespace versus {

std::vector<HostTensor> initial_parameters(const Network& net, uint64_t seed) {
  std::vector<HostTensor> out;
  out.reserve(net.params.size());
  for (size_t i = 0; i < net.params.size(); ++i) {
    const ParamSpec& p = net.params[i];
    HostTensor t{p.name, p.shape, {}};
    t.data.assign(static_cast<size_t>(t.elements()), 0.0f);
    switch (p.init) {
      case Init::kZeros:
        break;
      case Init::kOnes:
        std::fill(t.data.begin(), t.data.end(), 1.0f);
        break;
      case Init::kGlorotUniform: {
        const float limit = static_cast<float>(std::sqrt(6.0 / static_cast<double>(p.fan_in + p.fan_out)));
        fill_uniform(t.data, seed, /*stream=*/i, -limit, limit);
        break;
      }
      case Init::kUniform005:
        fill_uniform(t.data, seed, i, -0.05f, 0.05f);
        break;
      case Init::kForgetBiasOne: {  // [4H] in gate order i, f, g, o: f starts at 1 (Keras' unit_forget_bias)
        const size_t h = t.data.size() / 4;
        std::fill(t.data.begin() + h, t.data.begin() + 2 * h, 1.0f);
        break;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

uint64_t checksum(const std::vector<HostTensor>& tensors) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const HostTensor& t : tensors) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(t.data.data());
    for (size_t i = 0; i < t.data.size() * sizeof(float); ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  }
  return h;
}

}  // namespace versus
