// Shared by the distributed tests: running bin/versus to its end, a free port, and a job's
// results folder checked for a passed job.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runner/host_exchange.h"
#include "runner/spawn.h"
#include "test_util.h"
#include "train_fixtures.h"

namespace versus {

using testing::built_frameworks;
using testing::read_json;

// Runs bin/versus to its end (its stdout is not a worker's one-line reply).
inline ProcessResult run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  return run_process(argv, env, "", 600, 20, [](const std::string&) { return false; });
}

inline std::vector<std::string> versus_args(std::vector<std::string> args) {
  args.insert(args.begin(), (testing::bin_dir() / "versus").string());
  return args;
}

// A --port for a launched job: versus's rendezvous there and the engines' 32 ports per framework
// after it, all free now and outside the ephemeral range (see free_port_block).
inline int free_port() { return free_port_block(1 + 32 * 3); }

inline void expect_job_passed(const std::filesystem::path& folder, const std::vector<std::string>& frameworks, int world) {
  const auto plan = read_json(folder / "distributed.json");
  for (const auto& b : frameworks) {
    SCOPED_TRACE(b);
    const auto& s = plan["backends"][b];
    ASSERT_EQ(s["status"], "ok") << s.dump().substr(0, 800);
    EXPECT_TRUE(s["parity"]["passed"].get<bool>()) << s["parity"]["verdict"];
    EXPECT_TRUE(s["parity"]["ranks_identical"].get<bool>());
    EXPECT_LT(s["parity"]["against_single"]["loss_max_relative_difference"].get<double>(), 1e-4);
    EXPECT_GT(s["payload_bytes_per_rank_per_step"].get<double>(), 0);
    for (int r = 0; r < world; ++r) {
      const auto doc = read_json(folder / "runs" / (b + "-rank" + std::to_string(r) + ".json"));
      EXPECT_EQ(doc["distributed"]["rank"], r);
      EXPECT_EQ(doc["distributed"]["local_batch"], 32 / world);
    }
  }
}

// The built frameworks whose distributed engine this build has: torch's needs the Gloo headers of
// the revision its wheel was built from (VERSUS_GLOO_INCLUDE_DIR), which no registry here offers.
inline std::vector<std::string> distributed_frameworks() {
  std::vector<std::string> out;
  for (const auto& b : built_frameworks())
    if (b != "torch" || VERSUS_TORCH_GLOO) out.push_back(b);
  return out;
}

}  // namespace versus
