// Whole numbers read from JSON documents people or other machines wrote (suite files, results,
// plans kept for --resume). nlohmann converts a float such as 1e300 to an integer type with a cast
// whose result is undefined (UBSan float-cast-overflow, found by the fuzz targets), so only JSON
// integers within the type's range are taken. Two front doors:
//   whole_number(j, key, fallback, where)  — a document a person edits: a UserError naming WHERE.
//   whole_at / whole_or                    — a document versus wrote: a json::exception, so the
//     reader's handler for a field of the wrong type names the file, as for "threads": "four".
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"

namespace versus {

// Why `v` is not a whole number T holds ("must be a whole number, got 1e300"), or "" when it is.
template <typename T>
std::string whole_number_problem(const nlohmann::json& v) {
  static_assert(std::is_integral_v<T>);
  if (!v.is_number_integer()) return fmt::format("must be a whole number, got {}", v.dump());
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else {
    const int64_t x = v.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) fits = x >= 0;
    else fits = x >= static_cast<int64_t>(std::numeric_limits<T>::min()) && x <= static_cast<int64_t>(std::numeric_limits<T>::max());
  }
  if (fits) return "";
  return fmt::format("must be a whole number in [{}, {}], got {}", std::numeric_limits<T>::min(),
                     std::numeric_limits<T>::max(), v.dump());
}

// `j[key]` as T, or `fallback` when absent. Anything but an integer that T holds is a UserError:
// "WHERE: "KEY" must be a whole number, got VALUE" (with T's range when the integer is outside it).
template <typename T>
T whole_number(const nlohmann::json& j, const char* key, T fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const std::string problem = whole_number_problem<T>(j[key]);
  if (!problem.empty()) throw UserError(fmt::format("{}: \"{}\" {}", where, key, problem));
  return j[key].get<T>();
}

// A number in a document versus wrote that no writer of versus puts there. A json::exception (its
// constructor is for derived classes), so it takes the path of nlohmann's own type errors.
class JsonNumberError : public nlohmann::json::exception {
 public:
  explicit JsonNumberError(const std::string& what) : exception(302, what.c_str()) {}
};

// `v` (named `name` in the message) as T, or a JsonNumberError.
template <typename T>
T whole_at(const nlohmann::json& v, const char* name) {
  const std::string problem = whole_number_problem<T>(v);
  if (!problem.empty()) throw JsonNumberError(fmt::format("\"{}\" {}", name, problem));
  return v.get<T>();
}

// `j[key]` as T, `fallback` when `j` is not an object or has no `key`, else a JsonNumberError.
template <typename T>
T whole_or(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return whole_at<T>(j[key], key);
}

}  // namespace versus
