// The environment variables that change what a framework does: every result records them (the
// runner, runner/worker_reply.h) and the report lists them (report/report_content.cc).
#pragma once
#include <string>
#include <vector>

namespace versus {

const std::vector<std::string>& environment_that_matters();

}  // namespace versus
