// The report of a `versus run dist` folder (runner/dist_runner.h): per framework, the job's step
// against one process on the same global batch and on one rank's share (overhead or scaling),
// communication against compute, bytes, memory per rank, and parity across ranks and against
// the single process.
#pragma once
#include <filesystem>

#include "report/report.h"

namespace versus {

bool is_distributed_folder(const std::filesystem::path& results_dir);
ReportFiles write_distributed_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir);

}  // namespace versus
