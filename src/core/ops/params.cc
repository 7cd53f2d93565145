#include "core/ops/params.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace versus {

ParamReader::ParamReader(std::string op, const nlohmann::json& params, std::initializer_list<const char*> known)
    : op_(std::move(op)), p_(params) {
  std::string list;
  for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  if (!p_.is_object()) throw UserError(fmt::format("{}: parameters must be an object with {}", op_, list));
  for (const auto& [key, value] : p_.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) throw UserError(fmt::format("{}: unknown parameter '{}'; known: {}", op_, key, list));
  }
}

int64_t ParamReader::size(const char* key, int64_t lo, int64_t hi) const {
  if (!p_.contains(key)) throw UserError(fmt::format("{} needs --{} (an integer in {}..{})", op_, key, lo, hi));
  return size_or(key, lo, lo, hi);
}

int64_t ParamReader::size_or(const char* key, int64_t fallback, int64_t lo, int64_t hi) const {
  if (!p_.contains(key)) return fallback;
  const auto& v = p_.at(key);
  if (!v.is_number_integer())
    throw UserError(fmt::format("{}: --{} must be an integer, got {}", op_, key, v.dump()));
  const int64_t d = v.get<int64_t>();
  if (d < lo || d > hi) throw UserError(fmt::format("{}: --{} {} is out of range; use {}..{}", op_, key, d, lo, hi));
  return d;
}

bool ParamReader::flag(const char* key) const {
  if (!p_.contains(key)) return false;
  const auto& v = p_.at(key);
  if (!v.is_boolean()) throw UserError(fmt::format("{}: --{} must be true or false, got {}", op_, key, v.dump()));
  return v.get<bool>();
}

std::string ParamReader::choice(const char* key, std::initializer_list<const char*> allowed) const {
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (!p_.contains(key)) return *allowed.begin();
  const auto& v = p_.at(key);
  if (v.is_string())
    for (const char* a : allowed)
      if (v.get<std::string>() == a) return a;
  throw UserError(fmt::format("{}: --{} must be one of {}, got {}", op_, key, list, v.dump()));
}

void ParamReader::limit_elements(double elements, const std::string& what) const {
  const double bytes = 4.0 * elements;
  if (bytes > kMaxOpBytes)
    throw UserError(fmt::format("{} {} needs {:.1f} GiB; the limit is {:.0f} GiB", op_, what, bytes / (1 << 30),
                                kMaxOpBytes / (1 << 30)));
}

}  // namespace versus
