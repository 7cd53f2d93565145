// Distributed data-parallel training (`versus run dist`): the launch contract read from each
// launcher's environment, the job summary from hand-written rank documents, and real jobs —
// local ranks in every framework with parity, a rank that crashes or hangs, and the same job
// started by RANK/WORLD_SIZE, by mpirun and by srun on a single-node SLURM cluster.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "runner/dist_runner.h"
#include "runner/host_exchange.h"
#include "runner/launch_env.h"
#include "test_util.h"
#include "dist_fixtures.h"
#include "train_fixtures.h"

namespace versus {
namespace {

using testing::built_frameworks;
using testing::join;
using testing::kTinyMlp;
using testing::only_subfolder;
using testing::read_json;
using testing::TempDir;
using testing::write_network;

std::optional<LaunchEnv> launch_from(const std::map<std::string, std::string>& env) {
  return detect_launcher([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(LaunchEnv, ReadsRankWorldAndHostFromEachLauncher) {
  const auto slurm = launch_from({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "4"}, {"SLURM_STEP_NODELIST", "gpu[07-09],cpu1"},
                                  {"SLURM_JOB_ID", "812"}, {"SLURM_STEP_ID", "0"}});
  ASSERT_TRUE(slurm);
  EXPECT_EQ(slurm->launcher, "slurm");
  EXPECT_EQ(slurm->rank, 1);
  EXPECT_EQ(slurm->world_size, 4);
  EXPECT_EQ(slurm->master_host, "gpu07");
  EXPECT_EQ(slurm->job_id, "812.0");

  const auto mpi = launch_from({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"PMIX_NAMESPACE", "1453064193"}});
  ASSERT_TRUE(mpi);
  EXPECT_EQ(mpi->launcher, "openmpi");
  EXPECT_EQ(mpi->world_size, 2);
  EXPECT_EQ(mpi->master_host, "");  // Open MPI names no hosts: --master-addr or here
  EXPECT_EQ(mpi->job_id, "1453064193");

  const auto env = launch_from({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"MASTER_ADDR", "10.0.0.5"}});
  ASSERT_TRUE(env);
  EXPECT_EQ(env->launcher, "env");
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->master_host, "10.0.0.5");

  // SLURM wins when a job step runs under both (srun inside an allocation started by mpirun, say).
  EXPECT_EQ(launch_from({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"RANK", "5"}, {"WORLD_SIZE", "9"}})->launcher, "slurm");
  EXPECT_FALSE(launch_from({}));
  EXPECT_FALSE(launch_from({{"RANK", "1"}}));  // half a launcher is no launcher
}

TEST(LaunchEnv, MalformedOrInconsistentVariablesAreNamed) {
  try {
    launch_from({{"SLURM_PROCID", "x1"}, {"SLURM_NTASKS", "2"}});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_PROCID='x1'"), std::string::npos) << e.what();
  }
  try {
    launch_from({{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "2"}});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("must lie in [0, world size)"), std::string::npos) << e.what();
  }
}

TEST(LaunchEnv, FirstHostOfASlurmHostList) {
  EXPECT_EQ(first_host_of_nodelist("vm"), "vm");
  EXPECT_EQ(first_host_of_nodelist("a,b"), "a");
  EXPECT_EQ(first_host_of_nodelist("node[03-05,7],gpu1"), "node03");
  EXPECT_EQ(first_host_of_nodelist("rack1-n[2,4]x"), "rack1-n2x");
  EXPECT_THROW(first_host_of_nodelist("n[1-2"), UserError);
}

TEST(DistRunner, EachLocalRankGetsCoresOfItsOwnUnlessTheyDoNotFit) {
  EXPECT_EQ(cores_of_rank(0, 1, 2, 2), "0");
  EXPECT_EQ(cores_of_rank(1, 1, 2, 2), "1");
  EXPECT_EQ(cores_of_rank(1, 2, 2, 4), "2,3");
  EXPECT_EQ(cores_of_rank(1, 2, 2, 2), "");  // oversubscribed: nothing pinned
}

// A rank document as the worker writes it: steps, losses, final parameters, communication.
nlohmann::json rank_doc(int rank, std::vector<double> steps, std::vector<double> losses, std::vector<double> params,
                        std::vector<double> comm) {
  return {{"status", "ok"}, {"rank", rank}, {"batch", 64}, {"step_seconds", steps}, {"step_losses", losses},
          {"final_parameters", {{{"name", "w"}, {"shape", {params.size()}}, {"data", params}}}},
          {"process", {{"max_rss_mib", 100.0 + rank}}}, {"cpu_utilisation_cores", 0.9},
          {"distributed", {{"rank", rank}, {"world_size", 2}, {"received_bytes", 8000}, {"interface", "eth0"},
                           {"host", "10.0.0." + std::to_string(rank + 1)},
                           {"communication", {{"engine", "test engine"}, {"communication_seconds", comm}, {"payload_bytes", 400}}}}}};
}

// A rank that says unsupported while the other is stopped because of it (which answers first is a
// race) is an unsupported job, not a failed one; a rank that crashed beside it fails the job.
TEST(DistRunner, AnUnsupportedRankWithTheOthersStoppedIsAnUnsupportedJob) {
  DistSettings s;
  s.world_size = 2;
  const nlohmann::json no = {{"rank", 0}, {"status", "unsupported"}, {"reason", "no Gloo headers"}};
  const nlohmann::json stopped = {{"rank", 1}, {"status", "cancelled"}, {"reason", "stopped because rank 0 unsupported"}};
  const nlohmann::json crashed = {{"rank", 1}, {"status", "crashed"}, {"reason", "signal 11"}};
  for (const auto& ranks : {std::vector<nlohmann::json>{no, stopped}, std::vector<nlohmann::json>{stopped, no}}) {
    const nlohmann::json j = summarize_job(ranks, nlohmann::json::object(), nlohmann::json::object(), s);
    EXPECT_EQ(j["status"], "unsupported") << j.dump();
    EXPECT_EQ(j["reason"], "no Gloo headers");
  }
  EXPECT_EQ(summarize_job({no, crashed}, nlohmann::json::object(), nlohmann::json::object(), s)["status"], "failed");
  EXPECT_EQ(summarize_job({stopped, stopped}, nlohmann::json::object(), nlohmann::json::object(), s)["status"], "failed");
}

TEST(DistRunner, SummaryGivesSpeedupOverheadCommunicationAndParity) {
  DistSettings s;
  s.world_size = 2;
  s.train.threads = 1;
  s.cores = 2;
  const std::vector<nlohmann::json> ranks = {rank_doc(0, {1.0, 0.010, 0.012, 0.010}, {2.0, 1.0}, {1.0, 2.0}, {0.5, 0.004, 0.004, 0.004}),
                                             rank_doc(1, {1.0, 0.011, 0.010, 0.010}, {4.0, 3.0}, {1.0, 2.0}, {0.5, 0.005, 0.003, 0.005})};
  nlohmann::json single = rank_doc(0, {0.5, 0.016, 0.016, 0.016}, {3.0, 2.0}, {1.0, 2.0000001}, {});
  single.erase("distributed");
  nlohmann::json local = {{"status", "ok"}, {"batch", 32}, {"step_seconds", {0.5, 0.008, 0.008, 0.008}}};
  const nlohmann::json j = summarize_job(ranks, single, local, s);
  ASSERT_EQ(j["status"], "ok") << j.dump();
  // Per step the slowest rank: 11, 12, 10 ms -> median 11 ms.
  EXPECT_NEAR(j["median_step_seconds"].get<double>(), 0.011, 1e-12);
  EXPECT_NEAR(j["speedup"].get<double>(), 0.016 / 0.011, 1e-9);
  EXPECT_NEAR(j["scaling_efficiency"].get<double>(), 0.016 / 0.011 / 2, 1e-9);
  EXPECT_NEAR(j["overhead_fraction"].get<double>(), (0.011 - 0.008) / 0.008, 1e-9);
  EXPECT_NEAR(j["median_communication_seconds"].get<double>(), 0.005, 1e-12);  // rank 1's median
  EXPECT_NEAR(j["received_bytes_per_step"].get<double>(), 2000, 1e-9);  // rank 0's interface, per step
  EXPECT_EQ(j["received_interface"], "eth0");
  EXPECT_EQ(j["hosts"], nlohmann::json({"10.0.0.1", "10.0.0.2"}));
  EXPECT_FALSE(j["oversubscribed"].get<bool>());
  const auto& p = j["parity"];
  EXPECT_TRUE(p["ranks_identical"].get<bool>());
  // The job's loss of a step is the mean of its ranks' losses: (2+4)/2 = 3, (1+3)/2 = 2.
  EXPECT_DOUBLE_EQ(p["against_single"]["loss_max_relative_difference"].get<double>(), 0.0);
  EXPECT_NEAR(p["against_single"]["parameters_max_relative_difference"].get<double>(), 1e-7 / 2.0000001, 1e-12);
  EXPECT_TRUE(p["passed"].get<bool>()) << p.dump();

  // Ranks that disagree fail parity and say by how much.
  auto diverged = ranks;
  diverged[1] = rank_doc(1, {1.0, 0.011, 0.010, 0.010}, {4.0, 3.0}, {1.0, 2.5}, {0.5, 0.005, 0.003, 0.005});
  const auto bad = summarize_job(diverged, single, local, s);
  EXPECT_FALSE(bad["parity"]["passed"].get<bool>());
  EXPECT_NE(bad["parity"]["verdict"].get<std::string>().find("differ by up to 0.2"), std::string::npos) << bad["parity"]["verdict"];

  // A failed rank fails the job with its reason.
  auto crashed = ranks;
  crashed[1] = {{"status", "crashed"}, {"rank", 1}, {"reason", "worker killed by signal 6"}};
  const auto failed = summarize_job(crashed, nlohmann::json(), nlohmann::json(), s);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_NE(failed["reason"].get<std::string>().find("rank 1 crashed: worker killed by signal 6"), std::string::npos);

  // The reason is the rank that failed by itself, not rank 0 waiting on it, nor a peer's engine
  // erring on the crashed rank.
  auto waited = ranks;
  waited[0] = {{"status", "timeout"}, {"rank", 0}, {"reason", "no result within 30 s"}};
  waited[1] = {{"status", "error"}, {"rank", 1}, {"reason", "TF_NewServer for task 1 at 10.0.0.2:29502"}};
  EXPECT_EQ(summarize_job(waited, nlohmann::json(), nlohmann::json(), s)["reason"], "rank 1 error: TF_NewServer for task 1 at 10.0.0.2:29502");
  waited[0] = {{"status", "error"}, {"rank", 0}, {"reason", "Connection reset by peer"}};
  waited[1] = {{"status", "crashed"}, {"rank", 1}, {"reason", "worker killed by signal 11"}};
  EXPECT_EQ(summarize_job(waited, nlohmann::json(), nlohmann::json(), s)["reason"], "rank 1 crashed: worker killed by signal 11");
}

// The ranks' address exchange, on loopback: the list comes back by rank whoever starts first, and
// each way it can fail names the rank, the address and what failed, within the timeout.
TEST(HostExchange, EveryRankGetsEveryRanksAddressByRankWhoeverStartsFirst) {
  const int port = free_port();
  std::vector<std::vector<std::string>> got(3);
  std::vector<std::thread> ranks;
  for (int r : {2, 1, 0}) {  // rank 0 listens last: the others retry until it does
    ranks.emplace_back([&, r] { got[r] = exchange_hosts("127.0.0.1", port, r, 3, "10.9.0." + std::to_string(r + 1), 20); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  for (auto& t : ranks) t.join();
  for (int r = 0; r < 3; ++r) EXPECT_EQ(got[r], (std::vector<std::string>{"10.9.0.1", "10.9.0.2", "10.9.0.3"})) << r;
  EXPECT_EQ(exchange_hosts("127.0.0.1", port, 0, 1, "10.9.0.1", 1), std::vector<std::string>{"10.9.0.1"});
  EXPECT_EQ(own_address_toward("127.0.0.1"), "127.0.0.1");
}

// Ports for a job come from below the ephemeral range, so no outgoing connection takes one
// between the check and the engines' bind (the race of asking the kernel for port 0).
TEST(HostExchange, APortBlockIsFreeAndBelowTheEphemeralRange) {
  int ephemeral_low = 0;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int base = free_port_block(40);
  EXPECT_GE(base, 10000);
  if (ephemeral_low > 0) {
    EXPECT_LE(base + 40, ephemeral_low);
  }
  // Taken, the block is skipped.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(base + 39));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const int next = free_port_block(40);
  ::close(fd);
  EXPECT_TRUE(next + 40 <= base + 39 || next > base + 39) << base << " then " << next;
}

TEST(HostExchange, AMissingRankAPortInUseAndAnUnreachableRankZeroAreNamed) {
  const auto message_of = [](auto&& call) {
    try {
      call();
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const int port = free_port();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(message_of([&] { exchange_hosts("127.0.0.1", port, 0, 3, "127.0.0.1", 1); })
                .find("rank 0 (127.0.0.1:" + std::to_string(port) + ") waited 1 s for ranks 1, 2 of 3"),
            std::string::npos);
  EXPECT_NE(message_of([&] { exchange_hosts("127.0.0.1", port, 1, 2, "10.9.0.2", 1); })
                .find("rank 1 (10.9.0.2) cannot reach rank 0's rendezvous at 127.0.0.1:" + std::to_string(port) +
                      " within 1 s: Connection refused"),
            std::string::npos);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
  // Someone else holds the port.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  const std::string in_use = message_of([&] { exchange_hosts("127.0.0.1", port, 0, 2, "127.0.0.1", 1); });
  ::close(fd);
  EXPECT_NE(in_use.find("rank 0 cannot listen at 127.0.0.1:" + std::to_string(port) + " for the other ranks: Address already in use"),
            std::string::npos)
      << in_use;
  // An address this host does not hold cannot be rank 0's.
  EXPECT_NE(message_of([&] { exchange_hosts("198.51.100.77", port, 0, 2, "198.51.100.77", 1); }).find("MASTER_ADDR must be rank 0's host"),
            std::string::npos);
}

TEST(DistributedTraining, TorchWithoutItsGlooHeadersIsUnsupportedWithTheReason) {
  if (VERSUS_TORCH_GLOO || !testing::worker_built("torch")) GTEST_SKIP() << "this build's torch worker has c10d Gloo (or no torch)";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_to_end(versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--workers", "2",
                                          "--steps", "3", "--backends", "torch", "--no-report", "--out", tmp.path().string()}));
  const auto plan = read_json(only_subfolder(tmp.path()) / "distributed.json");
  const auto& torch = plan["backends"]["torch"];
  EXPECT_EQ(torch["status"], "unsupported") << torch.dump().substr(0, 600);
  const std::string reason = torch["ranks"][0]["reason"];
  EXPECT_NE(reason.find("Gloo headers"), std::string::npos) << reason;
  EXPECT_NE(reason.find("VERSUS_GLOO_INCLUDE_DIR"), std::string::npos) << reason;
  EXPECT_EQ(r.exit_code, 0) << "an unsupported run is no failure: " << r.stderr_tail;
  EXPECT_NE(r.stdout_text.find("unsupported: " + reason.substr(0, 40)), std::string::npos) << r.stdout_text;
}

TEST(DistributedTraining, TwoLocalRanksInEveryFrameworkMatchOneProcess) {
  const auto frameworks = distributed_frameworks();
  if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_to_end(versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--workers", "2",
                                          "--steps", "8", "--backends", join(frameworks), "--out", tmp.path().string()}));
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
  const auto folder = only_subfolder(tmp.path());
  expect_job_passed(folder, frameworks, 2);
  std::ifstream md(folder / "report.md");
  const std::string report((std::istreambuf_iterator<char>(md)), {});
  for (const auto& b : frameworks) EXPECT_NE(report.find("| " + b + " | bit for bit |"), std::string::npos) << report;
  EXPECT_NE(report.find("distributed overhead"), std::string::npos);
  // The HTML report renders in a browser: the chart drawn, no console message.
  const testing::BrowserRender page = testing::render_in_chromium(folder / "report.html");
  if (page.available) {
    EXPECT_EQ(page.exit_code, 0);
    EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
    EXPECT_NE(page.dom.find("Overhead and scaling"), std::string::npos);
    EXPECT_NE(page.dom.find("<svg"), std::string::npos);
    EXPECT_EQ(page.dom.find("no chart:"), std::string::npos);
  } else if (std::getenv("VERSUS_REQUIRE_BROWSER")) {
    ADD_FAILURE() << "chromium is not installed (scripts/setup installs it)";
  }
}

// The first framework built with a distributed engine, for the tests that need only one. MXNet
// last: under srun its ps-lite once numbered the ranks against the launcher's order (rank files
// swapped, parity still passing), which a fresh CI run met once; open in the closing note of #18.
std::string launcher_framework() {
  const auto built = distributed_frameworks();
  for (const char* b : {"torch", "tensorflow", "mxnet"})
    if (std::find(built.begin(), built.end(), b) != built.end()) return b;
  return "";
}

TEST(DistributedTraining, ASweepOverRankCountsGivesThroughputPerRankCount) {
  const std::string b = launcher_framework();
  if (b.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_to_end(versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--workers", "2,1",
                                          "--steps", "6", "--backends", b, "--out", tmp.path().string()}));
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
  const auto folder = only_subfolder(tmp.path());
  const auto plan = read_json(folder / "distributed.json");
  EXPECT_EQ(plan["world_sizes"], nlohmann::json({1, 2}));
  const auto& scaling = plan["scaling"][b];
  ASSERT_EQ(scaling.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(scaling[i]["world_size"], static_cast<int>(i) + 1);
    EXPECT_EQ(scaling[i]["status"], "ok");
    EXPECT_TRUE(scaling[i]["parity"]["passed"].get<bool>());
    EXPECT_NEAR(scaling[i]["throughput_samples_per_second"].get<double>(), 32 / scaling[i]["median_step_seconds"].get<double>(), 1e-6);
  }
  EXPECT_EQ(plan["backends"][b]["world_size"], 2);  // the main table shows the largest job
  for (const char* run : {"-n1-rank0", "-n2-rank0", "-n2-rank1", "-single", "-n1-single-local", "-n2-single-local"})
    EXPECT_TRUE(std::filesystem::exists(folder / "runs" / (b + run + ".json"))) << run;
  std::ifstream md(folder / "report.md");
  const std::string report((std::istreambuf_iterator<char>(md)), {});
  EXPECT_NE(report.find("| " + b + " | 1 |"), std::string::npos) << report;
  EXPECT_NE(report.find("chart-dist-scaling.svg"), std::string::npos);
}

TEST(DistributedTraining, ARankThatCrashesOrHangsEndsTheJobWithItsReason) {
  const auto frameworks = distributed_frameworks();
  if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
  const std::string victim = frameworks.back();
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  for (const auto& [hook, status] : {std::pair{"VERSUS_TEST_CRASH_TRAINING", "crashed"}, std::pair{"VERSUS_TEST_HANG_TRAINING", "timeout"}}) {
    SCOPED_TRACE(hook);
    const auto out = tmp.path() / hook;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_to_end(versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "5",
                                            "--backends", victim, "--timeout", "25", "--out", out.string()}),
                              {std::string(hook) + "=" + victim, "VERSUS_TEST_FAULT_RANK=1"});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 3) << r.stderr_tail;
    EXPECT_LT(seconds, 90) << "the job was not stopped in time";
    const auto folder = only_subfolder(out);
    const auto dead = read_json(folder / "runs" / (victim + "-rank1.json"));
    const auto other = read_json(folder / "runs" / (victim + "-rank0.json"));
    EXPECT_NE(other["status"], "ok");
    if (std::string(status) == "crashed") {
      EXPECT_EQ(dead["status"], status);
      // Stopped by the runner, or failed by the framework's own engine noticing the lost peer first.
      if (other["status"] == "cancelled") {
        EXPECT_NE(other["reason"].get<std::string>().find("rank 1 crashed"), std::string::npos) << other["reason"];
      }
    } else {
      // A hung rank and the rank blocked in a collective waiting for it look the same from outside:
      // whichever reaches its deadline first is the timeout, the other is stopped with that reason.
      const auto& first = dead["status"] == "timeout" ? dead : other;
      const auto& second = dead["status"] == "timeout" ? other : dead;
      EXPECT_EQ(first["status"], "timeout") << dead.dump().substr(0, 300) << other.dump().substr(0, 300);
      if (second["status"] == "cancelled") {
        EXPECT_NE(second["reason"].get<std::string>().find(" timeout"), std::string::npos) << second["reason"];
      }
    }
    const auto plan = read_json(folder / "distributed.json");
    EXPECT_EQ(plan["backends"][victim]["status"], "failed");
    EXPECT_NE(r.stdout_text.find(victim), std::string::npos);
  }
}

TEST(DistributedTraining, RanksStartedByALauncherMeetThroughItsEnvironment) {
  const std::string b = launcher_framework();
  if (b.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const std::string port = std::to_string(free_port());
  std::vector<ProcessResult> results(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      results[r] = run_to_end(versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "5",
                                           "--backends", b, "--port", port, "--no-report", "--out", tmp.path().string()}),
                              {"RANK=" + std::to_string(r), "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "TORCHELASTIC_RUN_ID=job7"});
    });
  for (auto& t : ranks) t.join();
  EXPECT_EQ(results[0].exit_code, 0) << results[0].stderr_tail;
  EXPECT_EQ(results[1].exit_code, 0) << results[1].stderr_tail;
  EXPECT_NE(results[1].stdout_text.find("rank 1 done"), std::string::npos);
  expect_job_passed(tmp.path() / "dist-tiny_mlp-env-job7", {b}, 2);
}

TEST(DistributedTraining, TheSameJobRunsThroughMpirun) {
  const std::string b = launcher_framework();
  if (b.empty()) GTEST_SKIP() << "no framework worker built here";
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) VERSUS_SKIP_UNLESS_REQUIRED("mpirun not installed (scripts/setup installs openmpi-bin)");
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  std::vector<std::string> argv = {"/usr/bin/env", "mpirun", "--oversubscribe", "--bind-to", "none", "-np", "2"};
  if (::geteuid() == 0) argv.insert(argv.begin() + 2, "--allow-run-as-root");
  for (const auto& a : versus_args({"run", "dist", "--model", net.string(), "--dataset", "generated", "--steps", "5",
                                    "--backends", b, "--port", std::to_string(free_port()), "--out", tmp.path().string()}))
    argv.push_back(a);
  const auto r = run_to_end(argv);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
  const auto folder = only_subfolder(tmp.path());
  EXPECT_NE(folder.filename().string().find("dist-tiny_mlp-openmpi-"), std::string::npos) << folder;
  expect_job_passed(folder, {b}, 2);
}

TEST(DistributedTraining, TheSameJobRunsThroughSrunOnASingleNodeSlurmCluster) {
  const std::string b = launcher_framework();
  if (b.empty()) GTEST_SKIP() << "no framework worker built here";
  // slurmctld lives in /usr/sbin, which a sudo user's PATH may lack.
  if (std::system("{ command -v slurmctld || test -x /usr/sbin/slurmctld; } >/dev/null 2>&1 && command -v srun >/dev/null 2>&1") != 0)
    VERSUS_SKIP_UNLESS_REQUIRED("SLURM not installed (scripts/setup installs slurmctld, slurmd, slurm-client, munge)");
  TempDir tmp;
  const auto cluster = tmp.path() / "cluster";
  const std::string script = std::string(VERSUS_SOURCE_DIR) + "/scripts/single-node-slurm";
  const auto start = run_to_end({script, "start", cluster.string()}, {"SNS_CPUS=2"});
  if (start.exit_code != 0)
    VERSUS_SKIP_UNLESS_REQUIRED("a single-node SLURM cluster cannot start here: " << start.stderr_tail);
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto out = tmp.path() / "out";
  const auto r = run_to_end({"/usr/bin/env", "srun", "-n", "2", "--overcommit", "--kill-on-bad-exit=1",
                             (testing::bin_dir() / "versus").string(), "run", "dist", "--model", net.string(), "--dataset",
                             "generated", "--steps", "5", "--backends", b, "--port", std::to_string(free_port()), "--out",
                             out.string()},
                            {"SLURM_CONF=" + (cluster / "slurm.conf").string()});
  run_to_end({script, "stop", cluster.string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail << r.stdout_text;
  const auto folder = only_subfolder(out);
  EXPECT_NE(folder.filename().string().find("dist-tiny_mlp-slurm-"), std::string::npos) << folder;
  expect_job_passed(folder, {b}, 2);
}

}  // namespace
}  // namespace versus
