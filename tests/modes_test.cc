// Execution modes (graph / XLA / eager, imperative / hybridized / engines, oneDNN off) and thread
// sweeps through the real CLI: every mode trains the same tiny network with parity to the
// default mode, ops run validated in a mode, each records what the framework reported it did,
// and a mode that cannot be done is reported as unsupported with its reason.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/step_explained.h"
#include "test_util.h"
#include "train_fixtures.h"

namespace versus {
namespace {

using namespace testing;  // the training fixtures (train_fixtures.h)

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(TrainingModes, EveryModeTrainsWithParityAndSaysWhatTheFrameworkDid) {
  if (built_frameworks().size() < 3) GTEST_SKIP() << "needs all three framework workers";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--modes", "all", "--threads", "1", "--repeats", "1", "--out", (tmp.path() / "out").string()});
  // Exit 0: unsupported modes are answers, not failures; parity held across every mode.
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  std::set<std::string> ids;
  for (const auto& e : std::filesystem::directory_iterator(folder / "runs")) ids.insert(e.path().stem().string());
  // The C++ tier's modes, then each framework's Python tier (python/versus_frontends/frontends.json).
  const std::set<std::string> expected = {"tensorflow", "tensorflow-xla", "tensorflow-no-onednn", "tensorflow-eager",
                                          "tensorflow-keras", "tensorflow-keras-nojit", "tensorflow-keras-xla",
                                          "tensorflow-keras-eager",
                                          "mxnet", "mxnet-hybridized", "mxnet-naive-engine", "mxnet-no-mkldnn",
                                          "mxnet-gluon", "mxnet-gluon-hybridized",
                                          "torch", "torch-no-mkldnn", "torch-python", "torch-compile"};
  EXPECT_EQ(ids, expected);

  const auto xla = read_json(folder / "runs" / "tensorflow-xla.json");
  ASSERT_EQ(xla["status"], "ok") << xla.dump().substr(0, 400);
  EXPECT_EQ(xla["mode_report"]["xla_clusters_compiled"], true);  // from TF's own log
  EXPECT_EQ(xla["environment"]["TF_XLA_FLAGS"], "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit");
  EXPECT_EQ(read_json(folder / "runs" / "tensorflow.json")["mode_report"]["xla_clusters_compiled"], false);
  const auto eager = read_json(folder / "runs" / "tensorflow-eager.json");
  EXPECT_EQ(eager["status"], "unsupported");
  EXPECT_NE(eager["reason"].get<std::string>().find("gradient tape"), std::string::npos);
  EXPECT_EQ(read_json(folder / "runs" / "mxnet-naive-engine.json")["mode_report"]["engine"], "NaiveEngine");
  EXPECT_EQ(read_json(folder / "runs" / "mxnet-no-mkldnn.json")["mode_report"]["mkldnn"], false);
  EXPECT_EQ(read_json(folder / "runs" / "mxnet-hybridized.json")["mode_report"]["cached_op"]["static_alloc"], true);
  EXPECT_EQ(read_json(folder / "runs" / "torch-no-mkldnn.json")["mode_report"]["mkldnn_enabled"], false);
  EXPECT_EQ(read_json(folder / "runs" / "torch.json")["mode_report"]["mkldnn_enabled"], true);
  // Keras's jit_compile="auto" resolves to no XLA on a machine without a GPU (Keras 3's own rule).
  EXPECT_EQ(read_json(folder / "runs" / "tensorflow-keras.json")["mode_report"]["jit_compile"], false);
  EXPECT_EQ(read_json(folder / "runs" / "tensorflow-keras-xla.json")["mode_report"]["jit_compile"], true);
  EXPECT_EQ(read_json(folder / "runs" / "mxnet-gluon-hybridized.json")["mode_report"]["hybridized"], true);
  EXPECT_EQ(read_json(folder / "runs" / "torch-compile.json")["mode_report"]["compiled"], true);

  // Every mode of both tiers started from the same weights and saw the same batches.
  std::set<std::string> weights, orders;
  for (const auto& id : expected) {
    const auto run = read_json(folder / "runs" / (id + ".json"));
    if (run["status"] != "ok") continue;
    weights.insert(run["initial_weights_checksum"].get<std::string>());
    orders.insert(run["batch_order_checksum"].get<std::string>());
  }
  EXPECT_EQ(weights.size(), 1u);
  EXPECT_EQ(orders.size(), 1u);
  // Parity covered every mode that ran: the same losses as the default modes.
  const auto parity = read_json(folder / "parity.json");
  EXPECT_TRUE(parity["passed"].get<bool>()) << parity["verdict"];
  EXPECT_EQ(parity["step_losses"].size(), expected.size() - 1);  // all but the unsupported eager
  const std::string md = read_text(folder / "report.md");
  EXPECT_NE(md.find("Execution modes: defaults and tuned"), std::string::npos);
  // The defaults are what a user gets out of the box: the Python frontend's default mode where it ran.
  EXPECT_NE(md.find("| tensorflow | keras mode (Python), 1 threads |"), std::string::npos) << md;
  // The lines of code beside the speed: counted by the build, for the layer types this network uses.
  EXPECT_NE(md.find("## Lines of code"), std::string::npos);
  EXPECT_NE(md.find("| framework | activation | dense | flatten | loss |"), std::string::npos) << md;
  for (const auto& b : {"tensorflow", "mxnet", "torch"}) {
    const auto loc = read_json(folder / "context.json")["frameworks"][b]["lines_of_code"];
    EXPECT_GT(loc.value("train_step", 0), 5) << b;
    EXPECT_GT(loc.value("layer dense", 0), 3) << b;
  }
}

TEST(TrainingModes, ThreadCountsAreASweepAxisAndUnknownModesAreNamed) {
  if (built_frameworks().empty()) GTEST_SKIP() << "no framework worker built here";
  const std::string backend = built_frameworks().front();
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--backends", backend, "--threads", "1,2", "--repeats", "1", "--out", (tmp.path() / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  for (int t : {1, 2}) {
    const auto run = read_json(folder / "runs" / (backend + "-t" + std::to_string(t) + ".json"));
    EXPECT_EQ(run["status"], "ok");
    EXPECT_EQ(run["settings"]["threads"], t);
    EXPECT_EQ(run["environment"]["OMP_NUM_THREADS"], std::to_string(t));
  }
  const auto bad = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--backends",
                               backend + ":warp-drive", "--out", (tmp.path() / "bad").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.stderr_tail.find("has no training mode 'warp-drive'"), std::string::npos) << bad.stderr_tail;
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "bad"));  // refused before any folder is made
}

TEST(TrainingExplained, ExplainTimesTheStepsOpsAndTheReportSetsThemAgainstTheStep) {
  const auto frameworks = built_frameworks();
  if (frameworks.empty()) GTEST_SKIP() << "no framework worker built here";
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--backends", join(frameworks), "--threads", "1", "--explain", "--repeats", "1",
                             "--out", (tmp.path() / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  const auto plan = read_json(folder / "training.json");
  ASSERT_TRUE(plan.contains("explain"));
  // tiny_mlp's step: two GEMMs, one ReLU, the loss, each timed forward+backward in every framework;
  // then the optimizer's update of each of its four parameter tensors (forward only).
  size_t layer_ops = 0, updates = 0;
  for (const auto& c : plan["explain"]["cases"]) {
    if (c["op"] == "sgd_update") updates += c["count"].get<size_t>();
    else ++layer_ops;
  }
  EXPECT_EQ(layer_ops, 4u);
  EXPECT_EQ(updates, 4u);
  const size_t update_cases = plan["explain"]["cases"].size() - layer_ops;
  size_t ok = 0;
  for (const auto& e : std::filesystem::directory_iterator(folder / plan["explain"]["ops_folder"].get<std::string>() / "runs"))
    ok += read_json(e.path())["status"] == "ok";
  EXPECT_EQ(ok, (2 * 4 + update_cases) * frameworks.size());
  const std::string md = read_text(folder / "report.md");
  EXPECT_NE(md.find("## Training step explained by its ops"), std::string::npos);
  EXPECT_NE(md.find("| sum of its ops |"), std::string::npos) << md;
  EXPECT_EQ(md.find("no result for"), std::string::npos) << md;
  // Each framework's own profiler ran after training, on steps of their own; every op it saw maps
  // to a family or is named in the report's "other" line, never dropped silently.
  const std::map<std::string, std::vector<std::string>> expected_ops{
      {"torch", {"aten::addmm", "optimizer.step"}},
      {"mxnet", {"FullyConnected", "sgd_update"}},
      {"tensorflow", {"MatMul|_MklMatMul", "ResourceApplyGradientDescent", "SoftmaxCrossEntropyWithLogits"}}};
  for (const auto& fw : frameworks) {
    const auto profile = read_json(folder / "runs" / (fw + ".json"))["profile"];
    ASSERT_TRUE(profile.value("available", false)) << fw << ": " << profile.dump();
    // "A|B": either name (TensorFlow rewrites MatMul to oneDNN's _MklMatMul on CPUs where its
    // oneDNN path is on by default).
    for (const auto& names : expected_ops.at(fw)) {
      bool found = false;
      for (size_t from = 0; from <= names.size();) {
        const size_t bar = std::min(names.find('|', from), names.size());
        found = found || profile["ops"].contains(names.substr(from, bar - from));
        from = bar + 1;
      }
      EXPECT_TRUE(found) << fw << ": none of " << names << " in " << profile.dump();
    }
    const nlohmann::json ops = profile["ops"];
    for (const auto& [name, op] : ops.items()) {
      EXPECT_GE(op["calls"].get<int>(), 1) << fw << " " << name;
      if (profiled_family(name) == "other") {
        EXPECT_NE(md.find(name), std::string::npos) << fw << ": " << name << " is in no family and not listed";
      }
    }
  }
  EXPECT_NE(md.find("| one profiled step |"), std::string::npos) << md;
  // MXNet's profiler dumps a trace into the working directory unless told otherwise: never here.
  EXPECT_FALSE(std::filesystem::exists("profile.json"));
  // The new sections render in a browser too: every chart drawn, no console message.
  const testing::BrowserRender page = testing::render_in_chromium(folder / "report.html");
  if (page.available) {
    EXPECT_EQ(page.exit_code, 0);
    EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
    EXPECT_NE(page.dom.find("Training step explained by its ops"), std::string::npos);
    EXPECT_NE(page.dom.find("chart-step-explained"), std::string::npos);
    EXPECT_EQ(page.dom.find("no chart:"), std::string::npos);
  } else if (std::getenv("VERSUS_REQUIRE_BROWSER")) {
    ADD_FAILURE() << "chromium is not installed (scripts/setup installs it)";
  }
}

TEST(OpModes, AnOpRunsValidatedInEachModeWithItsSwitchesSet) {
  if (built_frameworks().size() < 3) GTEST_SKIP() << "needs all three framework workers";
  TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "relu", "--param", "n=4096", "--direction", "forward", "--backends",
                             "tensorflow:xla,mxnet:naive-engine,mxnet:hybridized,torch:no-mkldnn", "--quick",
                             "--processes", "1", "--threads", "1", "--no-report", "--out", tmp.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  std::map<std::string, nlohmann::json> by_variant;
  for (const auto& e : std::filesystem::directory_iterator(only_subfolder(tmp.path()) / "runs")) {
    const auto run = read_json(e.path());
    by_variant[run["case"]["backend"].get<std::string>() + ":" + run["case"]["variant"].get<std::string>()] = run;
  }
  ASSERT_EQ(by_variant.size(), 4u);
  const auto& xla = by_variant["tensorflow:xla"];
  EXPECT_EQ(xla["status"], "ok");
  EXPECT_TRUE(xla["validation"]["passed"].get<bool>());
  EXPECT_EQ(xla["environment"]["TF_XLA_FLAGS"], "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit");
  EXPECT_TRUE(xla["mode_report"].contains("xla_clusters_compiled"));  // whatever TF did, it is recorded
  EXPECT_EQ(by_variant["mxnet:naive-engine"]["mode_report"]["engine"], "NaiveEngine");
  EXPECT_EQ(by_variant["mxnet:naive-engine"]["environment"]["MXNET_ENGINE_TYPE"], "NaiveEngine");
  EXPECT_EQ(by_variant["torch:no-mkldnn"]["mode_report"]["mkldnn_enabled"], false);
  EXPECT_EQ(by_variant["torch:no-mkldnn"]["status"], "ok");
  const auto& hybrid = by_variant["mxnet:hybridized"];
  EXPECT_EQ(hybrid["status"], "unsupported");
  EXPECT_NE(hybrid["reason"].get<std::string>().find("cachedop"), std::string::npos) << hybrid["reason"];
}

}  // namespace
}  // namespace versus
