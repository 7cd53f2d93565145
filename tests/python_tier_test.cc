// The Python tier through the real CLI: every frontend mode trains from the harness's own weights
// and batches (equal checksums) and agrees with its C++ tier step by step; a frontend that raises,
// a missing environment and inputs changed under a worker are named, never a coordinator crash.
#include <fstream>
#include <map>

#include <fmt/format.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "nets/network.h"
#include "nets/weights.h"
#include "runner/frontend_inputs.h"
#include "runner/frontends.h"
#include "runner/spawn.h"
#include "test_util.h"
#include "train_fixtures.h"

namespace versus {
namespace {

using testing::kTinyConv;
using testing::kTinyMlp;
using testing::only_subfolder;
using testing::read_json;
using testing::run_versus;
using testing::TempDir;
using testing::write_network;

// Every framework's worker and its Python environment, or the test is skipped (failed under scripts/test).
#define REQUIRE_EVERY_TIER()                                                                   \
  do {                                                                                         \
    for (const char* f : {"tensorflow", "mxnet", "torch"}) {                                   \
      if (!testing::worker_built(f)) VERSUS_SKIP_UNLESS_REQUIRED(std::string("worker ") + f + " is not built"); \
      const auto frontend = python_frontend(f);                                                \
      const std::string problem = frontend ? frontend->problem : std::string("no Python tier for ") + f; \
      if (!problem.empty()) VERSUS_SKIP_UNLESS_REQUIRED(problem);                              \
    }                                                                                          \
  } while (0)

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(PythonTier, EveryModeTrainsFromTheSameBytesAgreesWithItsCppTierAndIsReportedBesideIt) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  // A padded conv, max pooling and a flatten of a multi-channel map: Keras's NHWC layout conversions.
  const auto net = write_network(tmp, "tiny_conv", kTinyConv);
  const std::vector<std::string> runs = {"tensorflow", "tensorflow-keras", "tensorflow-keras-eager", "mxnet", "mxnet-gluon",
                                         "mxnet-gluon-hybridized", "torch", "torch-python"};
  // Two processes per run (the full run and one repeat): the Frontends section's intervals.
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1", "--steps", "12",
                             "--repeats", "2", "--repeat-steps", "6", "--threads", "1",
                             "--backends", "tensorflow,tensorflow:keras,tensorflow:keras-eager,mxnet,mxnet:gluon,"
                                           "mxnet:gluon-hybridized,torch,torch:python",
                             "--out", tmp.path().string() + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  const auto reference = read_json(folder / "runs" / "torch.json");
  for (const auto& id : runs) {
    SCOPED_TRACE(id);
    const auto run = read_json(folder / "runs" / (id + ".json"));
    ASSERT_EQ(run["status"], "ok") << run.dump().substr(0, 800);
    EXPECT_EQ(run["tier"], id.find('-') == std::string::npos ? "cpp" : "python");
    EXPECT_EQ(run["initial_weights_checksum"], reference["initial_weights_checksum"]);
    EXPECT_EQ(run["batch_order_checksum"], reference["batch_order_checksum"]);
    EXPECT_EQ(run["step_losses"].size(), 12u);
    EXPECT_EQ(run["repeats"].size(), 1u);
    if (run["tier"] == "python") EXPECT_EQ(run["framework"]["tier"], "python");
  }
  const auto parity = read_json(folder / "parity.json");
  EXPECT_TRUE(parity["passed"].get<bool>()) << parity["verdict"];
  EXPECT_EQ(parity["step_losses"].size(), runs.size());
  EXPECT_LE(parity["largest_relative_difference"].get<double>(), 1e-3);
  // The exported inputs are inputs, not results: gone when the job ends.
  EXPECT_FALSE(std::filesystem::exists(folder / "frontend-inputs"));
  EXPECT_EQ(read_json(folder / "runs" / "tensorflow-keras-eager.json")["mode_report"]["run_eagerly"], true);

  // The report sets each Python mode beside its C++ counterpart, and "defaults" are the frontends'.
  const std::string md = read_text(folder / "report.md");
  EXPECT_NE(md.find("## Frontends: the C++ tier and the Python tier"), std::string::npos) << md;
  EXPECT_NE(md.find("| torch | python (1 threads), the frontend's default | "), std::string::npos) << md;
  EXPECT_NE(md.find("| eager mode | "), std::string::npos) << md;
  EXPECT_NE(md.find("| mxnet | gluon-hybridized (1 threads) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| hybridized mode: not run |"), std::string::npos) << md;  // only mxnet's default ran
  EXPECT_NE(md.find("| tensorflow | keras-eager (1 threads) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| eager mode: not run |"), std::string::npos) << md;
  EXPECT_NE(md.find("| torch | python mode (Python), 1 threads |"), std::string::npos) << md;
  // Provenance: what the Python tier ran with, as its workers found it.
  EXPECT_NE(md.find("torch (Python tier)"), std::string::npos) << md;
  EXPECT_NE(md.find(", Python 3."), std::string::npos) << md;
  // Lines of code in both tiers, counted by the build, and the code itself side by side.
  EXPECT_NE(md.find("| torch (Python: PyTorch) | "), std::string::npos) << md;
  EXPECT_NE(md.find("| tensorflow (Python: Keras) | "), std::string::npos) << md;
  EXPECT_NE(md.find("#### training step"), std::string::npos) << md;
  EXPECT_NE(md.find("loss.backward()"), std::string::npos) << md;
  EXPECT_NE(md.find("layers.Conv2D("), std::string::npos) << md;
  const testing::BrowserRender page = testing::render_in_chromium(folder / "report.html");
  if (page.available) {
    EXPECT_EQ(page.exit_code, 0);
    EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
    EXPECT_NE(page.dom.find("Frontends: the C++ tier and the Python tier"), std::string::npos);
    EXPECT_NE(page.dom.find("<div class=\"code-columns\">"), std::string::npos);
  } else if (std::getenv("VERSUS_REQUIRE_BROWSER")) {
    ADD_FAILURE() << "chromium is not installed (scripts/setup installs it)";
  }
}

// torch.optim.Adam is not the network's Adam (epsilon inside the bias correction): torch:python
// trains with it, as users do, and parity leaves it out with the reason, which the report shows.
TEST(PythonTier, TorchsOwnAdamIsLeftOutOfParityWithTheReasonInTheReport) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1", "--steps", "6",
                             "--optimizer", "adam", "--lr", "0.001", "--repeats", "1", "--threads", "1", "--backends",
                             "torch,torch:python,mxnet", "--out", tmp.path().string() + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  const auto parity = read_json(folder / "parity.json");
  EXPECT_TRUE(parity["passed"].get<bool>()) << parity.dump().substr(0, 600);
  EXPECT_FALSE(parity["step_losses"].contains("torch-python"));
  EXPECT_TRUE(parity["step_losses"].contains("mxnet"));
  const std::string why = parity["not_compared"]["torch-python"];
  EXPECT_EQ(why.rfind("a known difference: torch.optim.Adam", 0), 0u) << why;
  EXPECT_NE(read_text(folder / "report.md").find("- `torch-python` not compared: " + why), std::string::npos);
}

// Keras's Adam squares an Embedding's sparse gradient per token occurrence (model_reference_test.cc
// shows it is the whole difference): with Adam, a Keras run of a network with an embedding is left
// out of parity with that reason; the same run without an embedding is compared.
TEST(PythonTier, KerasAdamOnAnEmbeddingIsLeftOutOfParityWithTheReason) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const nlohmann::json tokens = {{"kind", "tokens"}, {"shape", {6}}, {"vocab", 9}};
  const auto bag = write_network(tmp, "tiny_bag", {{{"type", "embedding"}, {"dim", 4}}, {{"type", "mean_pool"}},
                                                   {{"type", "dense"}, {"units", 4}}}, tokens);
  const auto mlp = write_network(tmp, "tiny_mlp", kTinyMlp);
  for (const auto& net : {bag, mlp}) {
    SCOPED_TRACE(net.string());
    const auto out = tmp.path() / ("out-" + net.stem().string());
    const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                               "--steps", "4", "--optimizer", "adam", "--lr", "0.001", "--repeats", "1", "--threads",
                               "1", "--backends", "tensorflow,mxnet,tensorflow:keras", "--out", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_tail;
    const auto parity = read_json(only_subfolder(out) / "parity.json");
    EXPECT_TRUE(parity["passed"].get<bool>()) << parity.dump().substr(0, 600);
    if (net == bag) {
      EXPECT_FALSE(parity["step_losses"].contains("tensorflow-keras"));
      const std::string why = parity["not_compared"]["tensorflow-keras"];
      EXPECT_EQ(why.rfind("a known difference: Keras's Adam squares an Embedding's sparse gradient", 0), 0u) << why;
    } else {
      EXPECT_TRUE(parity["step_losses"].contains("tensorflow-keras")) << parity.dump().substr(0, 600);
    }
  }
}

TEST(PythonTier, AFrontendThatRaisesIsAFailedRunWithTheExceptionsLastLine) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--backends", "torch,torch:python", "--threads", "1", "--repeats", "1",
                             "--out", tmp.path().string() + "/out"},
                            {"VERSUS_TEST_RAISE_TRAINING=torch:python"});
  EXPECT_EQ(r.exit_code, 3) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  const auto failed = read_json(folder / "runs" / "torch-python.json");
  EXPECT_EQ(failed["status"], "error");
  EXPECT_EQ(failed["reason"], "torch (Python) raised RuntimeError: test hook VERSUS_TEST_RAISE_TRAINING raised at step 2");
  EXPECT_EQ(read_json(folder / "runs" / "torch.json")["status"], "ok");
  EXPECT_NE(read_text(folder / "report.md").find("torch-python: error"), std::string::npos);
}

TEST(PythonTier, AMissingEnvironmentIsUnsupportedAndNamesTheFix) {
  if (!testing::worker_built("torch")) VERSUS_SKIP_UNLESS_REQUIRED("worker torch is not built");
  TempDir tmp, empty;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const std::string env = "VERSUS_PYTHON_ENV_ROOT=" + empty.path().string();
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                             "--backends", "torch,torch:python", "--threads", "1", "--repeats", "1",
                             "--out", tmp.path().string() + "/out"}, {env});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;  // unsupported is an answer, not a failure
  const auto run = read_json(only_subfolder(tmp.path() / "out") / "runs" / "torch-python.json");
  EXPECT_EQ(run["status"], "unsupported");
  EXPECT_EQ(run["settings"]["threads"], 1);  // a run document like any other, for the report's tables
  EXPECT_EQ(run["counterpart"], "eager");
  EXPECT_EQ(run["reason"], "the Python tier of torch needs the environment " + (empty.path() / ".venv").string() +
                               ", which is not there: run scripts/setup");
  const auto list = run_versus({"list", "backends"}, {env});
  EXPECT_NE(list.stdout_text.find("[Python] PyTorch's Python API"), std::string::npos) << list.stdout_text;
  EXPECT_NE(list.stdout_text.find("unsupported here: the Python tier of torch needs"), std::string::npos);
}

// The frontend worker itself, on inputs the harness exported: numpy reads them as written, and a
// changed byte is a failed run naming the file, never a silent difference.
TEST(PythonTier, AWorkerChecksItsInputsAgainstTheManifest) {
  const auto frontend = python_frontend("torch");
  if (!frontend || !frontend->problem.empty()) VERSUS_SKIP_UNLESS_REQUIRED("torch's Python tier is not installed");
  TempDir tmp;
  const Network net = parse_network({{"name", "tiny"}, {"input", {{"kind", "image"}, {"shape", {1, 4, 4}}}}, {"classes", 4},
                                     {"loss", "softmax_cross_entropy"}, {"layers", kTinyMlp}});
  const nlohmann::json request = {{"network", net.source_json}, {"dataset", {{"name", "generated"}, {"train", 64}, {"test", 16}}},
                                  {"seed", 5}, {"threads", 1}, {"optimizer", {{"kind", "sgd"}, {"learning_rate", 0.1}}},
                                  {"batch", 16}, {"epochs", 1}, {"mode", "python"},
                                  {"inputs", (tmp.path() / "in").string()}};
  const auto manifest = export_frontend_inputs(net, request, tmp.path() / "in");
  EXPECT_EQ(manifest["initial_weights_checksum"], fmt::format("{:016x}", checksum(initial_parameters(net, 5))));
  // numpy reads the first parameter as the harness holds it.
  const float first = initial_parameters(net, 5).front().data[7];
  const ProcessResult read = run_process({frontend->python.string(), "-c",
                                          "import numpy, sys; a = numpy.load(sys.argv[1]); print(a.shape, repr(float(a.reshape(-1)[7])))",
                                          (tmp.path() / "in" / "param-000.npy").string()}, {}, "", 60);
  EXPECT_EQ(read.stdout_text, fmt::format("(16, 16) {}\n", nlohmann::json(static_cast<double>(first)).dump())) << read.stderr_tail;

  std::fstream f(tmp.path() / "in" / "train-x.npy", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.put('\x7f');
  f.close();
  auto env = frontend_environment(*frontend);
  const ProcessResult r = run_process(frontend_command(*frontend), env, request.dump() + "\n", 120);
  const auto reply = nlohmann::json::parse(r.stdout_text.substr(0, r.stdout_text.find('\n')));
  EXPECT_EQ(reply["status"], "error");
  EXPECT_NE(reply["reason"].get<std::string>().find("train-x.npy is not what the harness wrote"), std::string::npos) << reply;
  EXPECT_EQ(r.exit_code, 1);
}

// The dispatch op through each Python API beside the C++ rows: validated before it is timed (a wrong
// result is never timed), an op the Python tier does not run is unsupported with the reason.
TEST(PythonTier, TheDispatchOpRunsThroughEachFrontendValidatedBeforeItIsTimed) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "dispatch", "--param", "mode=python", "--backends",
                             "tensorflow:keras,mxnet:gluon-hybridized,torch:python", "--quick", "--processes", "1",
                             "--threads", "1", "--out", (tmp.path() / "ok").string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "ok");
  int runs = 0;
  for (const auto& e : std::filesystem::directory_iterator(folder / "runs")) {
    const auto run = read_json(e.path());
    SCOPED_TRACE(e.path().filename().string());
    EXPECT_EQ(run["status"], "ok") << run.dump().substr(0, 600);
    EXPECT_TRUE(run["validation"]["passed"].get<bool>());
    EXPECT_GT(run["summary"]["median"].get<double>(), 0.0) << run.dump().substr(0, 600);
    ++runs;
  }
  EXPECT_EQ(runs, 3);
  const std::string md = read_text(folder / "report.md");
  EXPECT_NE(md.find("python: keras"), std::string::npos) << md;
  EXPECT_NE(md.find("python: gluon-hybridized"), std::string::npos) << md;

  const auto bad = run_versus({"run", "ops", "--op", "dispatch", "--param", "mode=python", "--backends", "torch:python",
                               "--quick", "--processes", "1", "--threads", "1", "--out", (tmp.path() / "bad").string()},
                              {"VERSUS_TEST_CORRUPT_OUTPUT=1"});
  EXPECT_NE(bad.exit_code, 0) << bad.stderr_tail;
  const auto failed = read_json(only_subfolder(tmp.path() / "bad") / "runs" /
                                std::filesystem::directory_iterator(only_subfolder(tmp.path() / "bad") / "runs")->path().filename());
  EXPECT_EQ(failed["status"], "validation_failed") << failed.dump().substr(0, 600);
  EXPECT_FALSE(failed.contains("summary") && failed["summary"].is_object() && failed["summary"].contains("median"));

  const auto gemm = run_versus({"run", "ops", "--op", "gemm", "--sizes", "16", "--backends", "torch:python", "--quick",
                                "--processes", "1", "--threads", "1", "--out", (tmp.path() / "gemm").string()});
  EXPECT_EQ(gemm.exit_code, 0) << gemm.stderr_tail;  // unsupported is an answer
  const auto unsupported = read_json(only_subfolder(tmp.path() / "gemm") / "runs" /
                                     std::filesystem::directory_iterator(only_subfolder(tmp.path() / "gemm") / "runs")->path().filename());
  EXPECT_EQ(unsupported["status"], "unsupported");
  EXPECT_EQ(unsupported["reason"], "the Python tier runs training, the dispatch and the load op; 'gemm' is C++-tier only");

  // The Python tier's dispatch path is mode=python: a C++ mode's row never holds a Python timing.
  const auto graph = run_versus({"run", "ops", "--op", "dispatch", "--param", "mode=graph", "--backends", "tensorflow:keras",
                                 "--quick", "--processes", "1", "--threads", "1", "--out", (tmp.path() / "graph").string()});
  EXPECT_EQ(graph.exit_code, 0) << graph.stderr_tail;
  const auto wrong_mode = read_json(only_subfolder(tmp.path() / "graph") / "runs" /
                                    std::filesystem::directory_iterator(only_subfolder(tmp.path() / "graph") / "runs")->path().filename());
  EXPECT_EQ(wrong_mode["status"], "unsupported");
  EXPECT_EQ(wrong_mode["reason"], "the Python tier's dispatch path is mode=python; 'graph' is the C++ tier's");
}

// The load op through each frontend's reader (python/versus_frontends/loaders.py): the bytes read
// are checked against those the runner wrote; a reader that cannot read a format says why; a
// damaged CSV line never gives an "ok" result, whatever the reader makes of it.
TEST(PythonTier, TheLoadOpReadsTheRunnersFilesThroughEachFrontendAndChecksTheBytes) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "load", "--param", "format=idx,csv,cifar", "--param", "samples=300",
                             "--backends", "native,tensorflow:keras,mxnet:gluon,torch:python", "--quick", "--processes", "1",
                             "--threads", "1", "--out", (tmp.path() / "ok").string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  std::map<std::string, std::string> status;  // "format backend:mode" -> status (reason when unsupported)
  for (const auto& e : std::filesystem::directory_iterator(only_subfolder(tmp.path() / "ok") / "runs")) {
    const auto run = read_json(e.path());
    const std::string key = run["case"]["params"]["format"].get<std::string>() + " " + run["case"]["backend"].get<std::string>();
    status[key] = run["status"] == "unsupported" ? run["reason"].get<std::string>() : run["status"].get<std::string>();
    if (run["status"] == "ok") {
      EXPECT_TRUE(run["validation"]["passed"].get<bool>()) << key;
    }
  }
  EXPECT_EQ(status.size(), 12u);
  for (const char* ok : {"idx tensorflow", "csv tensorflow", "cifar tensorflow", "idx mxnet", "csv mxnet",
                         "idx torch", "csv torch", "cifar torch"})
    EXPECT_EQ(status[ok], "ok") << ok;
  EXPECT_NE(status["cifar mxnet"].find("checks the SHA-1 of the original archive"), std::string::npos) << status["cifar mxnet"];
  // The report's load section: per file, each reader with the API it went through, against versus's own.
  const std::string md = read_text(only_subfolder(tmp.path() / "ok") / "report.md");
  EXPECT_NE(md.find("## Input pipeline: load time"), std::string::npos) << md;
  EXPECT_NE(md.find("File `csv-n300`:"), std::string::npos) << md;
  EXPECT_NE(md.find("| `torch:python` | pandas "), std::string::npos) << md;
  EXPECT_NE(md.find("| `tensorflow:keras` | tf.data.experimental.CsvDataset | "), std::string::npos) << md;
  EXPECT_NE(md.find("| `native:openblas` | versus's own reader (src/data) | "), std::string::npos) << md;
  EXPECT_NE(md.find(" | 1.00× | "), std::string::npos) << md;

  for (const std::string damage : {"short", "word"}) {
    const auto bad = run_versus({"run", "ops", "--op", "load", "--param", "format=csv", "--param", "samples=300",
                                 "--backends", "tensorflow:keras,mxnet:gluon,torch:python", "--quick", "--processes", "1",
                                 "--threads", "1", "--no-report", "--out", (tmp.path() / damage).string()},
                                {"VERSUS_TEST_DAMAGE_CSV=" + damage});
    EXPECT_NE(bad.exit_code, 0) << bad.stderr_tail;
    for (const auto& e : std::filesystem::directory_iterator(only_subfolder(tmp.path() / damage) / "runs")) {
      const auto run = read_json(e.path());
      SCOPED_TRACE(damage + " " + e.path().filename().string());
      EXPECT_NE(run["status"], "ok") << run.dump().substr(0, 400);
      EXPECT_FALSE(run.value("reason", "").empty());
    }
  }
}

// --pipeline all: each framework's epoch fed through each of its own pipelines (libtorch's C++
// DataLoader, and the Python frontends'), the same batches in the same order, so parity holds
// across them, reported against the memory-fed epoch; a pipeline one lacks is unsupported with
// the ones it has.
TEST(PythonTier, EachFrontendsInputPipelinesFeedTheSameBatchesAndAreReportedAgainstMemory) {
  REQUIRE_EVERY_TIER();
  TempDir tmp;
  const auto net = write_network(tmp, "tiny_mlp", kTinyMlp);
  const auto r = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1", "--steps", "12",
                             "--repeats", "2", "--repeat-steps", "6", "--threads", "1", "--pipeline", "all",
                             "--backends", "torch,tensorflow:keras,mxnet:gluon,torch:python", "--out", tmp.path().string() + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_tail;
  const auto folder = only_subfolder(tmp.path() / "out");
  const auto reference = read_json(folder / "runs" / "torch.json");
  EXPECT_EQ(reference["pipeline"], "memory");
  const std::vector<std::string> fed = {"torch-dataloader", "torch-dataloader-workers", "tensorflow-keras", "tensorflow-keras-tf.data", "tensorflow-keras-generator",
                                        "mxnet-gluon", "mxnet-gluon-dataloader", "mxnet-gluon-dataloader-workers",
                                        "torch-python", "torch-python-dataloader", "torch-python-dataloader-workers"};
  for (const auto& id : fed) {
    SCOPED_TRACE(id);
    const auto run = read_json(folder / "runs" / (id + ".json"));
    ASSERT_EQ(run["status"], "ok") << run.dump().substr(0, 800);
    EXPECT_EQ(run["batch_order_checksum"], reference["batch_order_checksum"]);
    EXPECT_EQ(run["step_losses"].size(), 12u);
    EXPECT_EQ(run["pipeline"], id.find("tf.data") != std::string::npos      ? "tf.data"
                               : id.find("generator") != std::string::npos  ? "generator"
                               : id.find("workers") != std::string::npos    ? "dataloader-workers"
                               : id.find("dataloader") != std::string::npos ? "dataloader"
                                                                            : "memory");
  }
  const auto parity = read_json(folder / "parity.json");
  EXPECT_TRUE(parity["passed"].get<bool>()) << parity["verdict"];
  EXPECT_EQ(parity["step_losses"].size(), fed.size() + 1);
  const std::string md = read_text(folder / "report.md");
  EXPECT_NE(md.find("## Input pipeline: feeding the epoch"), std::string::npos) << md;
  EXPECT_NE(md.find("| torch | python (Python) | `dataloader-workers` | "), std::string::npos) << md;
  EXPECT_NE(md.find("| tensorflow | keras (Python) | `tf.data` | "), std::string::npos) << md;
  EXPECT_NE(md.find("| torch | eager (C++) | `dataloader` | "), std::string::npos) << md;
  EXPECT_NE(md.find("1 (the reference)"), std::string::npos) << md;

  // A pipeline a frontend does not have: planned, and answered with the ones it has.
  const auto other = run_versus({"run", "train", "--model", net.string(), "--dataset", "generated", "--epochs", "1",
                                 "--steps", "4", "--repeats", "1", "--threads", "1", "--pipeline", "tf.data",
                                 "--backends", "torch:python", "--out", tmp.path().string() + "/other"});
  const auto unsupported = read_json(only_subfolder(tmp.path() / "other") / "runs" / "torch-python-tf.data.json");
  EXPECT_EQ(unsupported["status"], "unsupported") << unsupported.dump().substr(0, 400);
  EXPECT_EQ(unsupported["reason"], "PyTorch has no input pipeline 'tf.data' in versus (it has memory, dataloader, dataloader-workers)");
}

}  // namespace
}  // namespace versus
