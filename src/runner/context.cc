#include "runner/context.h"

#include "core/version.h"
#include "machine/machine_info.h"
#include "machine/gpu_roofline.h"
#include "machine/roofline.h"

namespace versus {

std::map<std::string, WorkerInfo> probe_workers(const std::vector<std::string>& backends) {
  std::map<std::string, WorkerInfo> out;
  for (const auto& b : backends) out[b] = probe_worker(b);
  return out;
}

nlohmann::json build_context(const std::map<std::string, WorkerInfo>& workers, bool with_roofline,
                             int roofline_threads) {
  nlohmann::json frameworks = nlohmann::json::object();
  for (const auto& [name, w] : workers) {
    frameworks[name] = w.available ? w.info : nlohmann::json{{"available", false}, {"problem", w.problem}};
    // The code itself is the training folder's (marked_code), not every result's.
    frameworks[name].erase("marked_code");
    if (frameworks[name].contains("frontend_code")) frameworks[name]["frontend_code"].erase("code");
  }
  nlohmann::json ctx = {{"machine", describe_machine()},
                        {"frameworks", frameworks},
                        {"versus", {{"version", VERSUS_VERSION}, {"git_revision", VERSUS_GIT_REVISION}}}};
  if (with_roofline) ctx["roofline"] = measure_roofline(roofline_threads);
  // The GPU's own roofline, where the machine has an NVIDIA GPU (GPU cases are judged against it).
  if (with_roofline && ctx["machine"].value("gpus", nlohmann::json::array()).size() > 0)
    ctx["gpu_roofline"] = measure_gpu_roofline();
  return ctx;
}

nlohmann::json marked_code(const std::map<std::string, WorkerInfo>& workers) {
  nlohmann::json code = nlohmann::json::object();
  for (const auto& [name, w] : workers) {
    if (!w.available) continue;
    if (w.info.contains("marked_code")) code[name]["cpp"] = w.info["marked_code"];
    if (w.info.contains("frontend_code")) code[name]["python"] = w.info["frontend_code"].value("code", nlohmann::json::object());
  }
  return code;
}

}  // namespace versus
