// The same case on the CPU and on the GPU side by side, for suites that run both devices (e.g.
// suites/gpu.json): medians, the GPU's speed-up, and what NVML saw while the GPU worker ran.
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

// nullopt when no row ran on a GPU.
std::optional<Section> device_comparison_section(const ReportData& d);

// The training runs that ran on a GPU with the runner's NVML readings (process.gpu): peak memory,
// mean utilisation, peak power, peak SM clock; nullopt when none did.
std::optional<Table> training_gpu_table(const std::vector<nlohmann::json>& runs);

}  // namespace versus
