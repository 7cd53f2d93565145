// The report of a training results folder (runner/train_runner.h): loss curves of every
// framework overlaid, accuracy per epoch, step and epoch times with intervals, memory and CPU,
// inference latency and throughput, and the parity verdict.
#pragma once
#include <filesystem>

#include "report/report.h"

namespace versus {

bool is_training_folder(const std::filesystem::path& results_dir);
ReportFiles write_training_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir);

}  // namespace versus
