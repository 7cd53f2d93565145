// Whole numbers read from JSON documents people or other machines wrote (suite files, results,
// plans kept for --resume). nlohmann converts a float such as 1e300 to an integer type with a cast
// whose result is undefined (UBSan float-cast-overflow, found by the fuzz targets), so only JSON
// integers within the type's range are taken.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"

namespace versus {

// `j[key]` as T, or `fallback` when absent. Anything but an integer that T holds is a UserError:
// "WHERE: "KEY" must be a whole number, got VALUE" (with T's range when the integer is outside it).
template <typename T>
T whole_number(const nlohmann::json& j, const char* key, T fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  if (!v.is_number_integer())
    throw UserError(fmt::format("{}: \"{}\" must be a whole number, got {}", where, key, v.dump()));
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else {
    const int64_t x = v.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) fits = x >= 0;
    else fits = x >= static_cast<int64_t>(std::numeric_limits<T>::min()) && x <= static_cast<int64_t>(std::numeric_limits<T>::max());
  }
  if (!fits)
    throw UserError(fmt::format("{}: \"{}\" must be a whole number in [{}, {}], got {}", where, key,
                                std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v.dump()));
  return v.get<T>();
}

}  // namespace versus
