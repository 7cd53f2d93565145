#include "core/ops/dtype.h"

#include <bit>
#include <cstdint>

#ifdef VERSUS_EIGEN_HALF
#include <Eigen/Core>
#endif

#include "core/errors.h"

namespace versus {

DType parse_dtype(const std::string& name) {
  if (name == "float32") return DType::kFloat32;
  if (name == "bfloat16") return DType::kBFloat16;
  if (name == "float16") return DType::kFloat16;
  throw UserError("unknown dtype '" + name + "': use float32, bfloat16 or float16");
}

double unit_roundoff(DType t) {
  switch (t) {
    case DType::kBFloat16:
      return 1.0 / (1 << 8);
    case DType::kFloat16:
      return 1.0 / (1 << 11);
    case DType::kFloat32:
      break;
  }
  return 1.0 / (1 << 24);
}

void round_to(DType t, std::vector<float>& values) {
  if (t == DType::kFloat16) {
    // IEEE binary16, rounded to nearest even: Eigen's conversion where Eigen is installed (clang 14,
    // the sanitizer build's compiler, has no x86 _Float16), else the compiler's.
#ifdef VERSUS_EIGEN_HALF
    for (float& v : values) v = static_cast<float>(Eigen::half(v));
#else
    for (float& v : values) v = static_cast<float>(static_cast<_Float16>(v));
#endif
  } else if (t == DType::kBFloat16) {
    // bfloat16 is float32's upper half: round the lower 16 bits away, to nearest even (inputs are finite).
    for (float& v : values) {
      const uint32_t bits = std::bit_cast<uint32_t>(v);
      const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
      v = std::bit_cast<float>(rounded);
    }
  }
}

}  // namespace versus
