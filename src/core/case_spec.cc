#include "core/case_spec.h"


#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_number.h"
#include "core/op_registry.h"

namespace versus {

std::string CaseSpec::id() const {
  const std::string v = variant.empty() ? "default" : variant;
  return fmt::format("{}-{}-{}-{}-{}-t{}-{}-{}", op, find_op(op).shape_label(params),
                     direction == "backward" ? "bwd" : "fwd", device, dtype, threads, backend, v);
}

std::string CaseSpec::reproducer() const {
  std::string cmd = fmt::format("versus run ops --op {}", op);
  for (const auto& [key, value] : params.items())
    cmd += fmt::format(" --param {}={}", key, value.is_string() ? value.get<std::string>() : value.dump());
  if (direction == "backward") cmd += " --direction backward";
  if (device != "cpu") cmd += " --device " + device;
  if (dtype != "float32") cmd += " --dtype " + dtype;
  cmd += fmt::format(" --backends {}{} --threads {} --seed {}", backend,
                     variant.empty() ? "" : ":" + variant, threads, seed);
  return cmd;
}

void to_json(nlohmann::json& j, const TimingPlan& t) {
  j = {{"warmup_min_iterations", t.warmup_min_iterations},
       {"warmup_min_seconds", t.warmup_min_seconds},
       {"samples", t.samples},
       {"min_sample_seconds", t.min_sample_seconds}};
}

void from_json(const nlohmann::json& j, TimingPlan& t) {
  t.warmup_min_iterations = whole_number(j, "warmup_min_iterations", t.warmup_min_iterations, "timing");
  t.warmup_min_seconds = j.value("warmup_min_seconds", t.warmup_min_seconds);
  t.samples = whole_number(j, "samples", t.samples, "timing");
  t.min_sample_seconds = j.value("min_sample_seconds", t.min_sample_seconds);
}

void to_json(nlohmann::json& j, const CaseSpec& c) {
  j = {{"op", c.op},         {"params", c.params},   {"dtype", c.dtype},
       {"device", c.device}, {"direction", c.direction}, {"backend", c.backend}, {"variant", c.variant},
       {"threads", c.threads}, {"seed", c.seed},     {"timing", c.timing}};
}

void from_json(const nlohmann::json& j, CaseSpec& c) {
  c.op = j.at("op").get<std::string>();
  c.params = j.value("params", nlohmann::json::object());
  c.dtype = j.value("dtype", c.dtype);
  c.device = j.value("device", c.device);
  c.direction = j.value("direction", c.direction);
  if (c.direction != "forward" && c.direction != "backward")
    throw UserError("direction must be forward or backward, got '" + c.direction + "'");
  c.backend = j.value("backend", std::string());
  c.variant = j.value("variant", std::string());
  c.threads = whole_number(j, "threads", c.threads, "case");
  c.seed = whole_number(j, "seed", c.seed, "case");
  if (j.contains("timing")) c.timing = j.at("timing").get<TimingPlan>();
}

}  // namespace versus
