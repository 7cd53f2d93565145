// Distributed training across hosts, simulated on one machine: two network namespaces made by
// scripts/sim-hosts, one rank in each, started through the RANK/WORLD_SIZE/MASTER_ADDR contract.
// Every engine must find the other rank at its own address (TensorFlow's cluster spec, ps-lite's
// workers, Gloo's device), pass parity, and count its traffic on its host's own interface.
//
// Making namespaces needs root: skipped with the reason elsewhere; scripts/test, run as root,
// requires it (VERSUS_REQUIRE_NAMESPACES).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dist_fixtures.h"
#include "test_util.h"
#include "train_fixtures.h"

namespace versus {
namespace {

using testing::kTinyMlp;
using testing::TempDir;
using testing::write_network;

const std::string kSimHosts = std::string(VERSUS_SOURCE_DIR) + "/scripts/sim-hosts";

// Simulated hosts of a prefix of their own (tests may run beside a user's), removed at the end.
class SimulatedHosts {
 public:
  explicit SimulatedHosts(int count) : prefix_("vt" + std::to_string(::getpid())) {
    const ProcessResult r = run_to_end({kSimHosts, "up", std::to_string(count), "--prefix", prefix_});
    made_ = r.exit_code == 0;
    error_ = r.stderr_tail;
  }
  ~SimulatedHosts() { run_to_end({kSimHosts, "down", "--prefix", prefix_}); }
  bool made() const { return made_; }
  const std::string& error() const { return error_; }
  std::string host(int i) const { return prefix_ + "-h" + std::to_string(i); }
  static std::string address(int i) { return "10.213.0." + std::to_string(i + 1); }

 private:
  std::string prefix_;
  bool made_ = false;
  std::string error_;
};

// Two simulated hosts and a tiny network, for every test here; skipped (failed where required)
// when namespaces cannot be made.
class DistributedAcrossHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    frameworks = distributed_frameworks();
    if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
    if (!hosts.made()) {
      if (std::getenv("VERSUS_REQUIRE_NAMESPACES")) FAIL() << "scripts/sim-hosts failed as root: " << hosts.error();
      GTEST_SKIP() << "network namespaces cannot be made here: " << hosts.error();
    }
    net = write_network(tmp, "tiny_mlp", kTinyMlp);
  }
  std::vector<std::string> frameworks;
  SimulatedHosts hosts{2};
  TempDir tmp;
  std::filesystem::path net;
};

// `versus run dist` as rank `rank` of 2 on simulated host `rank`.
std::vector<std::string> rank_on_host(const SimulatedHosts& hosts, int rank, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/env", "PATH=/usr/sbin:/sbin:/usr/bin:/bin", "ip", "netns", "exec", hosts.host(rank), "env", "RANK=" + std::to_string(rank), "WORLD_SIZE=2",
                                   "MASTER_ADDR=" + SimulatedHosts::address(0), "TORCHELASTIC_RUN_ID=hosts"};
  for (const auto& a : versus_args(std::move(args))) argv.push_back(a);
  return argv;
}

// The job's folder holds a passed job whose ranks ran on the two simulated hosts, each counting its
// traffic on its own interface.
void expect_job_across_hosts(const std::filesystem::path& folder, const std::vector<std::string>& frameworks) {
  expect_job_passed(folder, frameworks, 2);
  const auto plan = read_json(folder / "distributed.json");
  EXPECT_EQ(plan["hosts"], nlohmann::json({SimulatedHosts::address(0), SimulatedHosts::address(1)}));
  for (const auto& b : frameworks) EXPECT_EQ(plan["backends"][b]["received_interface"], "eth0") << b;
}

TEST_F(DistributedAcrossHosts, TwoRanksOnTwoHostsMeetAtTheirOwnAddressesInEveryEngine) {
  std::vector<ProcessResult> results(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      results[r] = run_to_end(rank_on_host(hosts, r, {"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "5",
                                                      "--backends", testing::join(frameworks), "--timeout", "120", "--out",
                                                      tmp.path().string()}));
    });
  for (auto& t : ranks) t.join();
  ASSERT_EQ(results[0].exit_code, 0) << results[0].stderr_tail << results[0].stdout_text;
  ASSERT_EQ(results[1].exit_code, 0) << results[1].stderr_tail;
  const auto folder = tmp.path() / "dist-tiny_mlp-env-hosts";
  expect_job_across_hosts(folder, frameworks);
  const auto plan = read_json(folder / "distributed.json");
  for (const auto& b : frameworks) {
    SCOPED_TRACE(b);
    EXPECT_EQ(plan["backends"][b]["hosts"], plan["hosts"]);
    for (int r = 0; r < 2; ++r) {
      const auto doc = read_json(folder / "runs" / (b + "-rank" + std::to_string(r) + ".json"));
      EXPECT_EQ(doc["distributed"]["host"], SimulatedHosts::address(r));
      EXPECT_EQ(doc["distributed"]["interface"], "eth0");
      // Every step, a rank receives at least the gradients of the other's share: its own
      // interface, not lo, saw them.
      EXPECT_GE(doc["distributed"]["received_bytes"].get<double>(),
                plan["backends"][b]["payload_bytes_per_rank_per_step"].get<double>() * 5)
          << doc["distributed"].dump();
    }
  }
  std::ifstream md(folder / "report.md");
  const std::string report((std::istreambuf_iterator<char>(md)), {});
  EXPECT_NE(report.find("on hosts 10.213.0.1, 10.213.0.2"), std::string::npos) << report.substr(0, 600);
  EXPECT_NE(report.find("(eth0)"), std::string::npos);
}

// The real launchers on one node can span the hosts too: each task wrapped in its host's
// namespace (mpirun's MPMD form; srun through a shell that picks the namespace by
// SLURM_PROCID), the rendezvous host given with --master-addr.
TEST_F(DistributedAcrossHosts, MpirunAndSrunStartARankOnEachHost) {
  const std::string versus = (testing::bin_dir() / "versus").string();
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{versus, "run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "4",
                                    "--backends", frameworks.front(), "--master-addr", SimulatedHosts::address(0), "--no-report",
                                    "--out", out};
  };
  if (std::system("command -v mpirun >/dev/null 2>&1") == 0) {
    SCOPED_TRACE("mpirun");
    std::vector<std::string> argv = {"/usr/bin/env", "mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"};
    for (int r = 0; r < 2; ++r) {
      if (r > 0) argv.push_back(":");
      for (const auto& a : {std::string("-np"), std::string("1"), std::string("/sbin/ip"), std::string("netns"),
                            std::string("exec"), hosts.host(r)})
        argv.push_back(a);
      for (const auto& a : args((tmp.path() / "mpi").string())) argv.push_back(a);
    }
    const auto r = run_to_end(argv);
    ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
    expect_job_across_hosts(testing::only_subfolder(tmp.path() / "mpi"), {frameworks.front()});
  } else if (std::getenv("VERSUS_REQUIRE_INSTALLED")) {
    ADD_FAILURE() << "mpirun not installed (scripts/setup installs openmpi-bin)";
  }
  const auto cluster = tmp.path() / "cluster";
  const std::string slurm = std::string(VERSUS_SOURCE_DIR) + "/scripts/single-node-slurm";
  const auto start = run_to_end({slurm, "start", cluster.string()}, {"SNS_CPUS=2"});
  if (start.exit_code != 0) {
    if (std::getenv("VERSUS_REQUIRE_INSTALLED")) ADD_FAILURE() << "a single-node SLURM cluster cannot start: " << start.stderr_tail;
    return;
  }
  SCOPED_TRACE("srun");
  std::string command = "exec /sbin/ip netns exec " + hosts.host(0).substr(0, hosts.host(0).size() - 1) + "$SLURM_PROCID";
  for (const auto& a : args((tmp.path() / "slurm").string())) command += " '" + a + "'";
  const auto r = run_to_end({"/usr/bin/env", "srun", "-n", "2", "--overcommit", "--kill-on-bad-exit=1", "/bin/sh", "-c", command},
                            {"SLURM_CONF=" + (cluster / "slurm.conf").string()});
  run_to_end({slurm, "stop", cluster.string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
  expect_job_across_hosts(testing::only_subfolder(tmp.path() / "slurm"), {frameworks.front()});
}

// A rank whose rendezvous host cannot be reached stops within its timeout, naming itself, its
// host and the address it tried; rank 0 alone names the rank that never came. Nothing is left
// running: no worker starts before the ranks have met.
TEST_F(DistributedAcrossHosts, ARankThatCannotReachRankZeroIsNamedWithinItsTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  // Rank 1 alone: rank 0 never starts.
  const auto lone = run_to_end(rank_on_host(hosts, 1, {"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps",
                                                       "3", "--backends", frameworks.front(), "--timeout", "4", "--out",
                                                       tmp.path().string()}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(lone.exit_code, 0);
  EXPECT_LT(seconds, 30);
  EXPECT_NE(lone.stderr_tail.find("rank 1 (10.213.0.2) cannot reach rank 0's rendezvous at 10.213.0.1:29500 within 4 s"),
            std::string::npos)
      << lone.stderr_tail;
  // Rank 0 alone: rank 1 never comes.
  const auto waiting = run_to_end(rank_on_host(hosts, 0, {"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps",
                                                          "3", "--backends", frameworks.front(), "--timeout", "4", "--out",
                                                          tmp.path().string()}));
  EXPECT_NE(waiting.exit_code, 0);
  EXPECT_NE(waiting.stderr_tail.find("rank 0 (10.213.0.1:29500) waited 4 s for rank 1 of 2"), std::string::npos)
      << waiting.stderr_tail;
  EXPECT_EQ(std::system(("PATH=/usr/sbin:/sbin:$PATH ip netns pids " + hosts.host(0) + " | grep -q . ; test $? -ne 0").c_str()), 0)
      << "a process is still running on the host";
}

// A port an engine needs, taken on a rank's host: that rank fails naming its task's address, and
// rank 0, on the other host, stops at once with that reason instead of waiting out its timeout.
TEST_F(DistributedAcrossHosts, APortTakenOnARanksHostStopsTheJobNamingTheRankAndItsAddress) {
  if (std::find(frameworks.begin(), frameworks.end(), "tensorflow") == frameworks.end())
    GTEST_SKIP() << "the tensorflow worker is not built (its gRPC server takes a fixed port per task)";
  // TensorFlow takes --port + 1 onwards: task 1 listens on 29502.
  const pid_t holder = ::fork();
  if (holder == 0) {
    ::execl("/sbin/ip", "ip", "netns", "exec", hosts.host(1).c_str(), "python3", "-c",
            "import socket, time\ns = socket.socket()\ns.bind(('0.0.0.0', 29502))\ns.listen(1)\ntime.sleep(300)", nullptr);
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ProcessResult> results(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      results[r] = run_to_end(rank_on_host(hosts, r, {"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "3",
                                                      "--backends", "tensorflow", "--timeout", "100", "--no-report", "--out",
                                                      tmp.path().string()}));
    });
  for (auto& t : ranks) t.join();
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 60) << "rank 0 waited out its timeout";
  EXPECT_EQ(results[0].exit_code, 3) << results[0].stderr_tail;
  const auto plan = read_json(tmp.path() / "dist-tiny_mlp-env-hosts" / "distributed.json");
  const std::string reason = plan["backends"]["tensorflow"].value("reason", "");
  EXPECT_NE(reason.find("rank 1 error: worker error: TF_NewServer for task 1 at 10.213.0.2:29502 (is the port in use on that host?)"),
            std::string::npos)
      << reason;
}

}  // namespace
}  // namespace versus
