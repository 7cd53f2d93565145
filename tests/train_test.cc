// Training through the real CLI and workers: a tiny model learns in every framework, the
// frameworks agree step by step (parity), bad networks and datasets are named, the report reads
// the folder back.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runner/train_runner.h"
#include "test_util.h"
#include "train_fixtures.h"

namespace versus {
namespace {

using testing::built_frameworks;
using testing::join;
using testing::kTinyConv;
using testing::kTinyMlp;
using testing::only_subfolder;
using testing::read_json;
using testing::run_versus;
using testing::TempDir;
using testing::write_network;

double mean(const std::vector<double>& v, size_t begin, size_t end) {
  return std::accumulate(v.begin() + static_cast<long>(begin), v.begin() + static_cast<long>(end), 0.0) /
         static_cast<double>(end - begin);
}

TEST(Training, TinyModelsLearnInEveryFramework) {
  const auto frameworks = built_frameworks();
  if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  for (const auto& [name, layers] : {std::pair{"tiny_mlp", kTinyMlp}, std::pair{"tiny_conv", kTinyConv}}) {
    const auto net = write_network(tmp, name, layers);
    const auto out = tmp.path() / (std::string("out-") + name);
    // The MLP also checks the repeats (2 more processes of 20 steps each); the conv net runs once.
    const bool repeated = std::string(name) == "tiny_mlp";
    const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "3",
                               "--backends", join(frameworks), "--threads", "1", "--repeats", repeated ? "3" : "1",
                               "--repeat-steps", "20", "--out", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
    std::vector<std::pair<double, std::string>> started;  // (start, backend) of every worker process
    const auto folder = only_subfolder(out);
    for (const auto& b : frameworks) {
      SCOPED_TRACE(b + " " + name);
      const auto run = read_json(folder / "runs" / (b + ".json"));
      ASSERT_EQ(run["status"], "ok") << run.dump().substr(0, 600);
      EXPECT_EQ(run["schema"], "versus.train/1");
      const auto losses = run["step_losses"].get<std::vector<double>>();
      ASSERT_EQ(losses.size(), 3u * (2048 / 32));
      EXPECT_LT(mean(losses, losses.size() - 20, losses.size()), 0.8 * mean(losses, 0, 20));
      EXPECT_GT(run["epochs"].back()["test_accuracy"].get<double>(), 0.5);  // 4 classes: chance is 0.25
      EXPECT_EQ(run["epochs"].size(), 3u);
      EXPECT_EQ(run["inference"]["latency_seconds"].size(), 50u);
      EXPECT_GT(run["cpu_utilisation_cores"].get<double>(), 0.0);
      EXPECT_GE(run["warmup_steps"].get<int64_t>(), 1);
      // TensorFlow is fed NHWC batches, as Keras users feed them: no layout work in its step.
      if (b == "tensorflow") {
        EXPECT_EQ(run["mode_report"].value("transposes_in_graph", -1), 0) << run["mode_report"];
      }
      started.push_back({run["process"]["started_unix_seconds"].get<double>(), b});
      if (repeated) {
        ASSERT_EQ(run["repeats"].size(), 2u);
        for (const auto& rep : run["repeats"]) {
          EXPECT_EQ(rep["status"], "ok");
          EXPECT_EQ(rep["step_seconds"].size(), 20u);
          started.push_back({rep["process"]["started_unix_seconds"].get<double>(), b});
        }
      } else {
        EXPECT_FALSE(run.contains("repeats"));
      }
      // The runner's /proc timeline of the worker: parallel arrays, memory above the bare process.
      const auto& tl = run["process"]["timeline"];
      ASSERT_GE(tl["seconds"].size(), 1u);  // a tiny run may end within two sampling intervals
      EXPECT_EQ(tl["cpu_seconds"].size(), tl["seconds"].size());
      EXPECT_EQ(tl["rss_mib"].size(), tl["seconds"].size());
      EXPECT_GT(tl["rss_mib"].back().get<double>(), 10.0);
    }
    // The full runs went A B C, the repeats rotated: B C A, then C A B.
    std::sort(started.begin(), started.end());
    std::vector<std::string> order, expected, planned = frameworks;
    std::sort(planned.begin(), planned.end());  // runs are planned in backend name order
    for (const auto& [t, b] : started) order.push_back(b);
    for (int round = 0; round < (repeated ? 3 : 1); ++round)
      for (size_t k = 0; k < planned.size(); ++k) expected.push_back(planned[(k + round) % planned.size()]);
    EXPECT_EQ(order, expected);
    // Every backend started from the same weights and saw the same batches.
    std::set<std::string> weights, orders;
    for (const auto& b : frameworks) {
      const auto run = read_json(folder / "runs" / (b + ".json"));
      weights.insert(run["initial_weights_checksum"].get<std::string>());
      orders.insert(run["batch_order_checksum"].get<std::string>());
    }
    EXPECT_EQ(weights.size(), 1u);
    EXPECT_EQ(orders.size(), 1u);
    // The report reads the folder back.
    const std::string md = [&] {
      std::ifstream f(folder / "report.md");
      return std::string(std::istreambuf_iterator<char>(f), {});
    }();
    EXPECT_NE(md.find("versus training report"), std::string::npos);
    if (repeated) {  // three processes per backend: the report opens with who trains fastest
      EXPECT_EQ(md.find("\n## "), md.find("\n## Who trains fastest")) << md.substr(0, 400);
    }
    for (const auto& b : frameworks) EXPECT_NE(md.find("| " + b), std::string::npos) << md;
    // ...and a browser draws it: every chart of the training report, and no console message.
    const testing::BrowserRender page = testing::render_in_chromium(folder / "report.html");
    if (page.available) {
      EXPECT_EQ(page.exit_code, 0);
      EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
      size_t figures = 0, svgs = 0;
      for (size_t p = page.dom.find("<figure class=\"chart\">"); p != std::string::npos;
           p = page.dom.find("<figure class=\"chart\">", p + 1))
        ++figures;
      for (size_t p = page.dom.find("<svg"); p != std::string::npos; p = page.dom.find("<svg", p + 1)) ++svgs;
      EXPECT_GE(figures, 6u);  // loss, step times, latency, peak memory, CPU and memory over time at least
      for (const char* chart : {"chart-inference-latency.svg", "chart-peak-memory.svg", "chart-cpu-timeline.svg", "chart-memory-timeline.svg"})
        EXPECT_TRUE(std::filesystem::exists(folder / chart)) << chart;
      EXPECT_GE(svgs, figures);
      EXPECT_EQ(page.dom.find("no chart:"), std::string::npos);
    } else if (std::getenv("VERSUS_REQUIRE_BROWSER")) {
      ADD_FAILURE() << "chromium is not installed (scripts/setup installs it)";
    }
  }
}

TEST(Parity, TinyNetworksComputeTheSameLossesInEveryFramework) {
  const auto frameworks = built_frameworks();
  if (frameworks.size() < 2) GTEST_SKIP() << "parity needs two framework workers";
  TempDir tmp;
  for (const auto& [name, layers] : {std::pair{"tiny_mlp", kTinyMlp}, std::pair{"tiny_conv", kTinyConv}}) {
    SCOPED_TRACE(name);
    const auto net = write_network(tmp, name, layers);
    const auto out = tmp.path() / (std::string("out-") + name);
    const auto r = run_versus({"parity", "--model", net.string(), "--dataset", "generated", "--steps", "20",
                               "--backends", join(frameworks), "--threads", "1", "--out", out.string()});
    EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_tail;
    const auto parity = read_json(only_subfolder(out) / "parity.json");
    EXPECT_TRUE(parity["passed"].get<bool>()) << parity["verdict"];
    EXPECT_EQ(parity["steps"], 20);
    EXPECT_EQ(parity["step_losses"].size(), frameworks.size());
    EXPECT_LE(parity["largest_relative_difference"].get<double>(), 1e-3);
  }
}

TEST(Parity, FailsAndSaysByHowMuchWhenTheLossesDifferBeyondTheTolerance) {
  // float32 frameworks never agree to 1e-12: the check must fail, exit 5, and name the step.
  const auto frameworks = built_frameworks();
  if (frameworks.size() < 2) GTEST_SKIP() << "parity needs two framework workers";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"parity", "--model", net.string(), "--dataset", "generated", "--steps", "5",
                             "--backends", join(frameworks), "--lr", "0.1", "--tolerance", "1e-12", "--threads", "1",
                             "--out", tmp.path().string()});
  EXPECT_EQ(r.exit_code, 5) << r.stdout_text << r.stderr_tail;
  EXPECT_NE(r.stdout_text.find("FAILED: step"), std::string::npos) << r.stdout_text;
}

TEST(Training, AFrameworkThatCrashesOrHangsIsReportedAndTheOthersStillRun) {
  const auto frameworks = built_frameworks();
  if (frameworks.size() < 2) GTEST_SKIP() << "needs two framework workers";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const std::string victim = frameworks.front(), survivor = frameworks.back();
  for (const auto& [hook, status] : {std::pair{"VERSUS_TEST_CRASH_TRAINING", "crashed"}, std::pair{"VERSUS_TEST_HANG_TRAINING", "timeout"}}) {
    SCOPED_TRACE(hook);
    const auto out = tmp.path() / hook;
    const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                               "--backends", victim + "," + survivor, "--threads", "1", "--timeout", "10", "--repeats", "1",
                               "--out", out.string()},
                              {std::string(hook) + "=" + victim});
    EXPECT_EQ(r.exit_code, 3) << r.stderr_tail;
    EXPECT_NE(r.stderr_tail.find("[" + victim + "] " + status), std::string::npos) << r.stderr_tail;
    const auto folder = only_subfolder(out);
    const auto dead = read_json(folder / "runs" / (victim + ".json"));
    EXPECT_EQ(dead["status"], status);
    EXPECT_NE(dead["reason"].get<std::string>().find(status == std::string("crashed") ? "signal 6" : "no result within 10 s"),
              std::string::npos) << dead["reason"];
    EXPECT_EQ(read_json(folder / "runs" / (survivor + ".json"))["status"], "ok");
    EXPECT_NE(read_json(folder / "parity.json")["verdict"].get<std::string>().find("fewer than two backends"), std::string::npos);
    const std::string md = [&] {
      std::ifstream f(folder / "report.md");
      return std::string(std::istreambuf_iterator<char>(f), {});
    }();
    EXPECT_NE(md.find(victim + ": " + status), std::string::npos) << md;
  }
}

TEST(Training, CudaIsUnsupportedWhereTheFrameworkBuildHasNoGpuAndSaysWhy) {
  const auto frameworks = built_frameworks();
  if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--device", "cuda", "--backends", join(frameworks), "--threads", "1", "--repeats", "1",
                             "--out", tmp.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path());
  for (const auto& b : frameworks) {
    const auto run = read_json(folder / "runs" / (b + ".json"));
    EXPECT_EQ(run["settings"]["device"], "cuda");
    if (b == "torch" && run["status"] == "ok") continue;  // a CUDA libtorch on a GPU machine
    EXPECT_EQ(run["status"], "unsupported") << b;
    EXPECT_NE(run["reason"].get<std::string>().find(b + ": "), std::string::npos) << run["reason"];
  }
  EXPECT_EQ(run_versus({"run", "train", "--model", "lenet", "--device", "tpu"}).exit_code, 2);
}

nlohmann::json fake_run(std::vector<double> losses, std::vector<double> accuracies) {
  nlohmann::json epochs = nlohmann::json::array();
  for (size_t i = 0; i < accuracies.size(); ++i)
    epochs.push_back({{"epoch", i + 1}, {"seconds", 10.0}, {"test_accuracy", accuracies[i]}});
  return {{"status", "ok"}, {"step_losses", losses}, {"epochs", epochs}};
}

TEST(TrainRunner, ParityComparesTheFirstStepsAndAccuracySpreadIsInPoints) {
  // b drifts from a by 1e-4 relative at step 3 and by 10 % at step 4.
  const std::map<std::string, nlohmann::json> runs = {
      {"a", fake_run({2.0, 1.5, 1.0, 0.5}, {0.80, 0.85})},
      {"b", fake_run({2.0, 1.5, 1.0001, 0.55}, {0.81, 0.845})},
      {"c", {{"status", "crashed"}, {"reason", "worker killed by signal 11"}}}};
  const ParityOutcome first3 = check_parity(runs, 1e-3, 3);
  EXPECT_TRUE(first3.passed) << first3.doc.dump();
  EXPECT_EQ(first3.doc["steps"], 3);
  EXPECT_NEAR(first3.doc["largest_relative_difference"].get<double>(), 1e-4, 1e-6);
  EXPECT_EQ(first3.doc["step_losses"]["a"].size(), 3u);
  EXPECT_NE(first3.doc["not_compared"]["c"].get<std::string>().find("signal 11"), std::string::npos);
  const ParityOutcome all = check_parity(runs, 1e-3);
  EXPECT_FALSE(all.passed);
  EXPECT_EQ(all.doc["worst_step"], 4);
  EXPECT_EQ(all.doc["worst_pair"], "a vs b");
  EXPECT_NEAR(all.doc["largest_relative_difference"].get<double>(), 0.05 / 0.55, 1e-9);
  const auto spread = all.doc["test_accuracy_spread_points"];
  ASSERT_EQ(spread.size(), 2u);
  EXPECT_NEAR(spread[0].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(spread[1].get<double>(), 0.5, 1e-9);
  // One backend alone proves nothing.
  EXPECT_FALSE(check_parity({{"a", runs.at("a")}}, 1.0).passed);
  // A run that names a different algorithm of its own (torch.optim.Adam) is shown apart with the
  // reason, neither compared nor failing the others.
  auto exempt = runs;
  exempt["d"] = fake_run({9.0, 9.0, 9.0, 9.0}, {0.1, 0.1});
  exempt["d"]["parity_exemption"] = "torch.optim.Adam adds epsilon elsewhere";
  const ParityOutcome with_exempt = check_parity(exempt, 1e-3, 3);
  EXPECT_TRUE(with_exempt.passed) << with_exempt.doc.dump();
  EXPECT_EQ(with_exempt.doc["not_compared"]["d"], "a known difference: torch.optim.Adam adds epsilon elsewhere");
  EXPECT_FALSE(with_exempt.doc["step_losses"].contains("d"));
}

// Warm-up steps: the first, then the run of steps right after it that take more than twice the
// steady median (lazy compilation at step 2 and 3); a normal step ends it, at most a tenth of the
// steps, and a short run keeps only the first.
TEST(TrainRunner, WarmupStepsAreTheFirstAndTheSlowStepsRightAfterIt) {
  std::vector<double> steps(40, 0.010);
  steps[0] = 1.0;                 // graph construction
  steps[1] = steps[2] = 0.5;      // XLA compiles its clusters on their first use
  steps[3] = 0.011;               // steady from here
  steps[10] = 0.5;                // a slow step later is the steady state's own tail
  EXPECT_EQ(warmup_steps(steps), 3);
  steps[1] = steps[2] = 0.010;
  EXPECT_EQ(warmup_steps(steps), 1);
  std::vector<double> compiling_all_along(40, 0.5);
  compiling_all_along[39] = 0.010;
  EXPECT_EQ(warmup_steps(compiling_all_along), 1);  // no step is twice the median: nothing to call warm-up
  std::vector<double> slow_start(40, 0.010);
  for (int i = 0; i < 10; ++i) slow_start[static_cast<size_t>(i)] = 0.5;
  EXPECT_EQ(warmup_steps(slow_start), 4);  // at most a tenth of the 40 steps
  EXPECT_EQ(warmup_steps({0.5, 0.5, 0.01}), 1);  // under 20 steps: the first only
  EXPECT_EQ(warmup_steps({}), 0);
}

TEST(TrainRunner, TimeToAccuracyCountsTrainingTimeUntilTheFirstEpochThatReachesIt) {
  const nlohmann::json run = fake_run({1.0}, {0.70, 0.86, 0.84, 0.90});
  EXPECT_EQ(time_to_accuracy(run, 0.85)["epoch"], 2);
  EXPECT_DOUBLE_EQ(time_to_accuracy(run, 0.85)["seconds"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(time_to_accuracy(run, 0.9)["seconds"].get<double>(), 40.0);
  EXPECT_TRUE(time_to_accuracy(run, 0.95)["seconds"].is_null());
}

TEST(Training, BadNetworksAndDatasetsAreNamedWithOneLine) {
  TempDir tmp;
  auto expect_error = [](const ProcessResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.stderr_tail.find(needle), std::string::npos) << r.stderr_tail;
    EXPECT_EQ(std::count(r.stderr_tail.begin(), r.stderr_tail.end(), '\n'), 1) << r.stderr_tail;
  };
  expect_error(run_versus({"run", "train", "--model", "nosuchnet", "--out", tmp.path().string()}),
               "unknown network 'nosuchnet'");
  expect_error(run_versus({"run", "train", "--model", "lenet", "--target-accuracy", "87", "--out", tmp.path().string()}),
               "give e.g. 0.87 for 87 %");
  expect_error(run_versus({"run", "train", "--model", "lenet", "--batch", "-4", "--out", tmp.path().string()}),
               "must be positive");
  expect_error(run_versus({"parity", "--model", "lenet", "--backends", "native"}), "give at least two in --backends");
  const auto bad = write_network(tmp, "bad", {{{"type", "dense"}, {"units", 4}}});
  expect_error(run_versus({"run", "train", "--model", bad.string(), "--backends", "native", "--out", tmp.path().string()}),
               "needs a flat input (add a flatten layer)");
  // A truncated IDX file in the data folder is named before any framework starts.
  const auto data = tmp.path() / "mnist";
  std::filesystem::create_directories(data);
  ASSERT_EQ(run_versus({"data", "synth", "mnist", "--dir", data.string(), "--train", "100", "--test", "20"}).exit_code, 0);
  const auto images = data / "train-images-idx3-ubyte.gz";
  ASSERT_TRUE(std::filesystem::exists(images));
  std::filesystem::resize_file(images, std::filesystem::file_size(images) / 2);
  expect_error(run_versus({"run", "train", "--model", "paper_mlp", "--dataset", "mnist", "--data-dir", data.string(),
                           "--backends", "native", "--out", tmp.path().string()}),
               "train-images-idx3-ubyte.gz");
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))  // nothing half-made on disk
    EXPECT_EQ(e.path().filename().string().rfind("train-", 0), std::string::npos) << e.path();
}

}  // namespace
}  // namespace versus
