// The command line: bad input gets one clear line and a non-zero exit, and leaves no files;
// an interrupted suite resumes without redoing or duplicating finished runs.
#include <gtest/gtest.h>

#include <set>

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "results/results_dir.h"
#include "test_util.h"

namespace versus {
namespace {

using testing::run_versus;

// stderr must be exactly one line that contains `needle`.
void expect_one_line_error(const ProcessResult& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.stderr_tail.find(needle), std::string::npos) << r.stderr_tail;
  EXPECT_EQ(std::count(r.stderr_tail.begin(), r.stderr_tail.end(), '\n'), 1) << r.stderr_tail;
}

}  // namespace

TEST(Cli, UnknownBackendIsNamed) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--sizes", "8", "--backends", "native,caffe", "--out", tmp.path().string()});
  expect_one_line_error(r, "unknown backend 'caffe'");
  EXPECT_TRUE(testing::files_under(tmp.path()).empty());
}

TEST(Cli, ABadMemoryLimitIsNamedBeforeAnythingRuns) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--sizes", "8", "--backends", "native", "--memory-limit", "lots", "--out", tmp.path().string()});
  expect_one_line_error(r, "--memory-limit 'lots' is not a size: say e.g. 512M or 2G");
  EXPECT_TRUE(testing::files_under(tmp.path()).empty());
  const auto t = run_versus({"run", "train", "--model", "mlp", "--memory-limit", "3X", "--out", tmp.path().string()});
  expect_one_line_error(t, "--memory-limit '3X' is not a size");
}

// The report of a real run (every other real run in the tests says --no-report): written at the
// end, answering first, every variant in it, and it renders in a browser without a console error.
TEST(Cli, ARealRunEndsInItsReport) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "gemm", "--sizes", "16,32", "--backends", "native", "--processes", "2",
                             "--quick", "--threads", "1", "--out", tmp.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  EXPECT_NE(r.stdout_text.find("report: "), std::string::npos) << r.stdout_text;
  std::filesystem::path folder;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) folder = e.path();
  std::ifstream f(folder / "report.md");
  const std::string md((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(md.find("\n## "), md.find("\n## Who wins where")) << md.substr(0, 600);
  for (const char* variant : {"native:openblas", "native:onednn", "native:eigen"}) EXPECT_NE(md.find(variant), std::string::npos) << variant;
  EXPECT_NE(md.find("## Provenance"), std::string::npos);
  const testing::BrowserRender page = testing::render_in_chromium(folder / "report.html");
  if (page.available) {
    EXPECT_EQ(page.exit_code, 0);
    EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
    EXPECT_NE(page.dom.find("Who wins where"), std::string::npos);
  } else if (std::getenv("VERSUS_REQUIRE_BROWSER")) {
    ADD_FAILURE() << "chromium is not installed (scripts/setup installs it)";
  }
}

TEST(Cli, UnknownOpIsNamed) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "convolution9", "--sizes", "8", "--out", tmp.path().string()});
  expect_one_line_error(r, "unknown op 'convolution9'");
  EXPECT_TRUE(testing::files_under(tmp.path()).empty());
}

// `--op` takes a comma list, like every other axis: one case per op, the same shapes for each;
// an unknown name in the list is named.
TEST(Cli, OpTakesACommaList) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--op", "relu,sigmoid", "--param", "n=1001", "--backends", "native:eigen",
                             "--dry-run", "--out", tmp.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
  const std::string out = r.stdout_text + r.stderr_tail;
  EXPECT_NE(out.find("relu"), std::string::npos) << out;
  EXPECT_NE(out.find("sigmoid"), std::string::npos) << out;
  expect_one_line_error(run_versus({"run", "ops", "--op", "relu,convolution9", "--param", "n=8", "--out", tmp.path().string()}),
                        "unknown op 'convolution9'");
}

TEST(Cli, NonPositiveAndAbsurdSizesAreRejected) {
  testing::TempDir tmp;
  expect_one_line_error(run_versus({"run", "ops", "--sizes", "0", "--backends", "native", "--out", tmp.path().string()}),
                        "--m 0 is out of range");
  expect_one_line_error(run_versus({"run", "ops", "--sizes", "-5", "--backends", "native", "--out", tmp.path().string()}),
                        "out of range");
  expect_one_line_error(run_versus({"run", "ops", "--sizes", "60000", "--backends", "native", "--out", tmp.path().string()}),
                        "GiB");
  EXPECT_TRUE(testing::files_under(tmp.path()).empty());
}

// What ships must parse: every suite plans (dry run) and every network's step becomes op cases,
// so a broken file is caught here, not by the user who opens it.
TEST(Cli, EveryShippedSuiteAndNetworkPlans) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  size_t suites = 0, networks = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(VERSUS_SOURCE_DIR) / "suites")) {
    if (e.path().extension() != ".json") continue;
    ++suites;
    bool all_built = true;
    for (const auto& b : nlohmann::json::parse(std::ifstream(e.path())).value("backends", nlohmann::json::array()))
      all_built = all_built && testing::worker_built(b.get<std::string>().substr(0, b.get<std::string>().find(':')));
    if (!all_built && !std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) continue;  // a partial build plans only what it has
    const auto r = run_versus({"run", e.path().string(), "--dry-run", "--out", tmp.path().string()});
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.stderr_tail;
    EXPECT_NE(r.stdout_text.find(" runs ("), std::string::npos) << e.path() << ": " << r.stdout_text;
  }
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(VERSUS_SOURCE_DIR) / "networks")) {
    if (e.path().extension() != ".json") continue;
    ++networks;
    const auto r = run_versus({"run", "ops", "--network", e.path().stem().string(), "--backends", "native",
                               "--dry-run", "--out", tmp.path().string()});
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.stderr_tail;
    EXPECT_NE(r.stdout_text.find(" runs ("), std::string::npos) << e.path() << ": " << r.stdout_text;
  }
  EXPECT_GE(suites, 5u);
  EXPECT_GE(networks, 9u);
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "a dry run wrote something";
}

TEST(Cli, UnknownFlagAndMissingArguments) {
  expect_one_line_error(run_versus({"run", "ops", "--sizez", "8"}), "--sizez");
  expect_one_line_error(run_versus({"run", "ops", "--op", "gemm", "--backends", "native"}), "give the shape of gemm");
  expect_one_line_error(run_versus({"run", "ops", "--op", "relu", "--param", "n", "--backends", "native"}),
                        "must look like name=value");
  expect_one_line_error(run_versus({"list", "frameworks"}), "cannot list 'frameworks'");
  expect_one_line_error(run_versus({"run", "nosuchsuite"}), "no suite 'nosuchsuite'");
}

TEST(Cli, MissingWorkerIsNamedWithWhatToDo) {
  testing::TempDir tmp;
  const auto r = run_versus({"run", "ops", "--sizes", "8", "--backends", "torch", "--out", tmp.path().string()},
                            {"VERSUS_WORKER_DIR=" + tmp.path().string()});
  expect_one_line_error(r, "backend torch is not available");
  EXPECT_NE(r.stderr_tail.find("scripts/setup"), std::string::npos);
}

TEST(Cli, UnreadableResultsFolderIsNamed) {
  expect_one_line_error(run_versus({"report", "/nonexistent/results"}), "/nonexistent/results does not exist");
  testing::TempDir tmp;
  expect_one_line_error(run_versus({"report", tmp.path().string()}), "not a versus results folder");
  expect_one_line_error(run_versus({"run", "--resume", tmp.path().string()}), "not a versus results folder");
}

TEST(Cli, ListsOpsAndBackends) {
  const auto ops = run_versus({"list", "ops"});
  EXPECT_EQ(ops.exit_code, 0);
  EXPECT_NE(ops.stdout_text.find("gemm"), std::string::npos);
  const auto backends = run_versus({"list", "backends"});
  EXPECT_EQ(backends.exit_code, 0);
  for (const char* b : {"native", "tensorflow", "mxnet", "torch"})
    EXPECT_NE(backends.stdout_text.find(b), std::string::npos) << b;
}

TEST(Cli, ListsOpsAndUnknownOpsEvenWithoutAnyWorker) {
  testing::TempDir tmp;
  const std::string no_workers = "VERSUS_WORKER_DIR=" + tmp.path().string();
  const auto ops = run_versus({"list", "ops"}, {no_workers});
  EXPECT_EQ(ops.exit_code, 0) << ops.stderr_tail;
  EXPECT_NE(ops.stdout_text.find("conv2d"), std::string::npos);
  // The op is judged before the (missing) backends: the more useful message comes first.
  expect_one_line_error(run_versus({"run", "ops", "--op", "convolution9", "--sizes", "8"}, {no_workers}),
                        "unknown op 'convolution9'");
}

namespace {

// The files under `root` whose folder is named `subfolder` ("runs", "partial").
std::vector<std::filesystem::path> files_in(const std::filesystem::path& root, const std::string& subfolder) {
  std::vector<std::filesystem::path> out;
  for (const auto& f : testing::files_under(root))
    if (f.parent_path().filename() == subfolder) out.push_back(f);
  return out;
}

// The pids whose parent is `parent` (from /proc/<pid>/stat: "pid (comm) state ppid ...").
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(std::stoi(name));
  }
  return out;
}

// Alive: exists and is not a zombie.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Starts `versus run ops SIZES --backends native --quick --processes PROCESSES` with the eigen
// variant hanging, waits until `ready` files exist in the folder named `subfolder` (runs or
// partial), lets the hang begin, sends `signal` and returns the exit status. The files it saw are
// whatever files_in(out, subfolder) lists afterwards. `workers`, when given, receives the pids of
// versus's child processes just before the signal.
int interrupt_a_hanging_suite(const std::filesystem::path& out, const std::string& sizes, const std::string& processes,
                              const std::string& subfolder, size_t ready, int signal = SIGINT,
                              std::vector<pid_t>* workers = nullptr) {
  const std::vector<std::string> args = {(testing::bin_dir() / "versus").string(), "run", "ops", "--sizes", sizes,
                                         "--backends", "native", "--quick", "--processes", processes,
                                         "--no-report", "--out", out.string()};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::setenv("VERSUS_TEST_HANG_VARIANT", "eigen", 1);
  pid_t pid;
  const int spawned = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  ::unsetenv("VERSUS_TEST_HANG_VARIANT");
  if (spawned != 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (files_in(out, subfolder).size() < ready && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // now inside the hanging eigen run
  if (workers) *workers = children_of(pid);
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

// With three processes a run spans the suite (one process per round): an interrupted suite keeps
// the processes of its unfinished runs in partial/, and the resumed suite carries on from them
// instead of redoing them.
TEST(Cli, InterruptedSuiteKeepsTheProcessesOfUnfinishedRuns) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  auto partial_files = [&] { return files_in(tmp.path(), "partial"); };
  EXPECT_EQ(interrupt_a_hanging_suite(tmp.path(), "16", "3", "partial", 2), 130);
  const auto kept = partial_files();
  ASSERT_EQ(kept.size(), 2u);  // openblas and onednn, one process each; eigen's hung process is not kept
  std::set<int> kept_pids;
  for (const auto& f : kept) {
    const auto doc = nlohmann::json::parse(std::ifstream(f));
    ASSERT_EQ(doc["processes"].size(), 1u) << doc.dump();
    kept_pids.insert(doc["processes"][0]["pid"].get<int>());
  }
  const auto folder = kept.front().parent_path().parent_path();
  const auto r = run_versus({"run", "--resume", folder.string(), "--no-report"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
  EXPECT_NE(r.stderr_tail.find("2 processes of unfinished runs kept"), std::string::npos) << r.stderr_tail;
  EXPECT_TRUE(partial_files().empty());
  std::set<int> final_first_pids;
  for (const auto& f : testing::files_under(folder / "runs")) {
    const auto doc = nlohmann::json::parse(std::ifstream(f));
    EXPECT_GE(doc["processes"].size(), 3u) << f;
    if (doc["case"]["variant"] != "eigen") final_first_pids.insert(doc["processes"][0]["pid"].get<int>());
  }
  EXPECT_EQ(final_first_pids, kept_pids);  // the kept processes are the runs' first, not redone
}

// A scheduler's stop (SIGTERM) and a closed terminal (SIGHUP) end a run as Ctrl-C does.
TEST(Cli, SigtermAndSighupStopASuiteLikeCtrlC) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  for (const int signal : {SIGTERM, SIGHUP}) {
    SCOPED_TRACE(signal);
    testing::TempDir tmp;
    EXPECT_EQ(interrupt_a_hanging_suite(tmp.path(), "16,24", "1", "runs", 2, signal), 130);
    const auto kept = files_in(tmp.path(), "runs");
    ASSERT_EQ(kept.size(), 2u);
    for (const auto& f : kept) EXPECT_EQ(nlohmann::json::parse(std::ifstream(f))["status"], "ok") << f;
    const auto folder = kept.front().parent_path().parent_path();
    const auto r = run_versus({"run", "--resume", folder.string(), "--no-report"});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
    EXPECT_EQ(files_in(tmp.path(), "runs").size(), 6u);
  }
}

// kill -9 of versus leaves no worker behind (they die with it), and the folder resumes.
TEST(Cli, KillingVersusWithSigkillLeavesNoWorkerRunning) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  std::vector<pid_t> workers;
  EXPECT_EQ(interrupt_a_hanging_suite(tmp.path(), "16,24", "1", "runs", 2, SIGKILL, &workers), 128 + SIGKILL);
  ASSERT_FALSE(workers.empty()) << "the hanging worker should have been running";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto any_alive = [&] { return std::any_of(workers.begin(), workers.end(), alive); };
  while (any_alive() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(any_alive()) << "a worker outlived versus";
  const auto kept = files_in(tmp.path(), "runs");
  ASSERT_EQ(kept.size(), 2u);
  const auto r = run_versus({"run", "--resume", kept.front().parent_path().parent_path().string(), "--no-report"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;  // the lock died with its holder
  EXPECT_EQ(files_in(tmp.path(), "runs").size(), 6u);
}

// Two writers never share a folder: a resume of a folder another versus holds is refused, naming it.
TEST(Cli, ASecondResumeOfAFolderInUseIsRefusedNamingTheHolder) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  const auto first = run_versus({"run", "ops", "--sizes", "8", "--backends", "native:openblas", "--quick", "--processes", "1",
                                 "--no-report", "--out", tmp.path().string()});
  ASSERT_EQ(first.exit_code, 0) << first.stderr_tail;
  const auto folder = files_in(tmp.path(), "runs").front().parent_path().parent_path();
  // Another versus holds it: the lock file locked, its pid inside.
  const int fd = ::open((folder / ".versus.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  ASSERT_EQ(::write(fd, "4242\n", 5), 5);
  const auto refused = run_versus({"run", "--resume", folder.string(), "--no-report"});
  expect_one_line_error(refused, "is in use by another versus (pid 4242)");
  ::close(fd);
  const auto again = run_versus({"run", "--resume", folder.string(), "--no-report"});
  EXPECT_EQ(again.exit_code, 0) << again.stderr_tail;
}

// The reproducer a run records reruns that very case.
TEST(Cli, TheReproducerOfARunRerunsThatCase) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  const auto first = run_versus({"run", "ops", "--op", "gemm", "--m", "12", "--n", "8", "--k", "5", "--trans-b", "--backends",
                                 "native:eigen", "--threads", "1", "--processes", "1", "--quick", "--no-report", "--out",
                                 (tmp.path() / "a").string()});
  ASSERT_EQ(first.exit_code, 0) << first.stderr_tail;
  const auto runs = files_in(tmp.path() / "a", "runs");
  ASSERT_EQ(runs.size(), 1u);
  const auto doc = nlohmann::json::parse(std::ifstream(runs.front()));
  std::istringstream words(doc["reproducer"].get<std::string>());
  std::vector<std::string> args;
  for (std::string w; words >> w;) args.push_back(w);
  ASSERT_EQ(args.front(), "versus") << doc["reproducer"];
  args.erase(args.begin());
  for (const char* extra : {"--processes", "1", "--quick", "--no-report", "--out"}) args.push_back(extra);
  args.push_back((tmp.path() / "b").string());
  const auto again = run_versus(args);
  ASSERT_EQ(again.exit_code, 0) << again.stderr_tail;
  const auto rerun = files_in(tmp.path() / "b", "runs");
  ASSERT_EQ(rerun.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(rerun.front()))["id"], doc["id"]);
}

// The results disk fills up mid-suite (a 300 KiB tmpfs): one line naming the folder, the space
// and how to go on; the finished runs intact and readable, nothing half-written; after space is
// freed, --resume completes the suite.
TEST(Cli, AFullDiskMidSuiteIsNamedAndTheSuiteResumesAfterSpaceIsFreed) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small file system for the test needs root";
  testing::TempDir tmp;
  const auto disk = tmp.path() / "disk";
  std::filesystem::create_directories(disk);
  ASSERT_EQ(std::system(("mount -t tmpfs -o size=300k versus-test " + disk.string()).c_str()), 0);
  struct Unmount {
    std::string at;
    ~Unmount() { std::system(("umount " + at).c_str()); }
  } unmount{disk.string()};
  const std::vector<std::string> sizes = {"--sizes", "8,16,24,32,40,48,56,64,72,80,88,96"};
  std::vector<std::string> args = {"run", "ops", sizes[0], sizes[1], "--backends", "native", "--quick", "--processes", "1",
                                   "--no-report", "--out", disk.string()};
  const auto full = run_versus(args);
  EXPECT_EQ(full.exit_code, 4) << full.stderr_tail;
  EXPECT_NE(full.stderr_tail.find("is full ("), std::string::npos) << full.stderr_tail;
  EXPECT_NE(full.stderr_tail.find("No space left on device"), std::string::npos) << full.stderr_tail;
  EXPECT_NE(full.stderr_tail.find("versus run --resume"), std::string::npos) << full.stderr_tail;
  const auto kept = files_in(disk, "runs");
  ASSERT_FALSE(kept.empty()) << "the disk filled before any run was written: make it larger";
  ASSERT_LT(kept.size(), 36u) << "the disk never filled: make it smaller";
  for (const auto& f : kept) {
    EXPECT_EQ(f.extension(), ".json") << "a half-written file was left: " << f;
    EXPECT_NO_THROW(nlohmann::json::parse(std::ifstream(f))) << f;
  }
  ASSERT_EQ(std::system(("mount -o remount,size=8m " + disk.string()).c_str()), 0);  // space freed
  const auto folder = kept.front().parent_path().parent_path();
  const auto resumed = run_versus({"run", "--resume", folder.string(), "--no-report"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.stderr_tail;
  EXPECT_EQ(files_in(disk, "runs").size(), 36u);
}

TEST(Cli, InterruptedSuiteResumesWithoutRedoingFinishedRuns) {
  if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
  testing::TempDir tmp;
  // The eigen variant hangs, so the suite is certainly mid-way when we interrupt it.
  auto run_files = [&] { return files_in(tmp.path(), "runs"); };
  EXPECT_EQ(interrupt_a_hanging_suite(tmp.path(), "16,24", "1", "runs", 2), 130);
  const auto before = run_files();
  // openblas and onednn of size 16 are written once their one process is done (one planned
  // process gets no extra ones); eigen hangs and is dropped.
  ASSERT_EQ(before.size(), 2u);
  for (const auto& f : testing::files_under(tmp.path())) EXPECT_EQ(f.string().find(".tmp"), std::string::npos);
  std::map<std::string, std::string> content;
  for (const auto& f : before) content[f.string()] = (std::stringstream() << std::ifstream(f).rdbuf()).str();

  const auto folder = before.front().parent_path().parent_path();
  const auto r = run_versus({"run", "--resume", folder.string(), "--no-report"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
  EXPECT_NE(r.stderr_tail.find(std::to_string(before.size()) + " of 6 runs already done"), std::string::npos)
      << r.stderr_tail;
  EXPECT_EQ(run_files().size(), 6u);
  for (const auto& [path, text] : content)
    EXPECT_EQ((std::stringstream() << std::ifstream(path).rdbuf()).str(), text) << path << " was rewritten";
}

}  // namespace versus
