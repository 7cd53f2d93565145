// versus: compare deep-learning frameworks fairly, from GEMM to training runs.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "runner/context.h"
#include "cli/dist_command.h"
#include "cli/train_commands.h"
#include "core/errors.h"
#include "core/memory_limit.h"
#include "core/op_registry.h"
#include "core/version.h"
#include "nets/network_ops.h"
#include "report/compare.h"
#include "report/report.h"
#include "runner/execute.h"
#include "runner/plan.h"
#include "results/folder_lock.h"
#include "results/results_dir.h"
#include "runner/spawn.h"
#include "runner/suite_runner.h"

namespace versus {
namespace {

int default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

struct RunFlags {
  std::string what;  // "ops", a suite name, or a suite file
  std::string op;  // empty: gemm when sizes are given, else the default catalogue (suites/ops.json)
  std::string network;  // `run ops --network lenet`: the ops of that network's training step
  int64_t batch = 0;    // with --network: batch size (default: the network file's)
  std::vector<std::string> params;  // "key=v1,v2" from --param
  std::vector<int64_t> sizes, m, n, k;
  bool trans_a = false, trans_b = false;
  std::string backends = "native,tensorflow,mxnet,torch";
  bool backends_given = false;
  std::string dtype = "float32";
  std::vector<int> threads;
  std::string modes = "default";  // all: every execution mode of each backend, beside its variants
  std::vector<std::string> devices, directions;
  int processes = 0;
  double timeout = 0;
  std::string memory_limit;  // e.g. "2G": per worker process
  bool quick = false, verbose = false, no_report = false, dry_run = false;
  uint64_t seed = 42;
  std::string out = "results";
  std::string resume;
};

// "--param stride=1,2" -> {"stride": [1, 2]}: integers, booleans, or strings.
void add_param_flag(nlohmann::json& params, const std::string& flag) {
  const auto eq = flag.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == flag.size())
    throw UserError(fmt::format("--param '{}' must look like name=value or name=v1,v2", flag));
  nlohmann::json values = nlohmann::json::array();
  std::stringstream ss(flag.substr(eq + 1));
  for (std::string v; std::getline(ss, v, ',');) {
    if (v == "true" || v == "false") values.push_back(v == "true");
    else if (!v.empty() && v.find_first_not_of("-0123456789") == std::string::npos) values.push_back(std::stoll(v));
    else values.push_back(v);
  }
  params[flag.substr(0, eq)] = values.size() == 1 ? values[0] : values;
}

// `versus run ops ...` as a suite document, so flags and files take one path.
nlohmann::json suite_from_flags(const RunFlags& f) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& kv : f.params) add_param_flag(params, kv);
  if (!f.m.empty()) params["m"] = f.m;
  if (!f.n.empty()) params["n"] = f.n;
  if (!f.k.empty()) params["k"] = f.k;
  if (f.trans_a) params["trans_a"] = true;
  if (f.trans_b) params["trans_b"] = true;
  const std::string ops = f.op.empty() ? "gemm" : f.op;
  if (f.sizes.empty() && params.empty())
    throw UserError(fmt::format("give the shape of {}: --sizes 128,512 (square gemm), --m/--n/--k lists, or "
                                "--param name=v1,v2 (see `versus list ops`)", ops));
  // `--op relu,sigmoid,tanh`: one entry per op, the same shapes for each.
  nlohmann::json cases = nlohmann::json::array();
  for (size_t from = 0; from <= ops.size();) {
    const size_t comma = std::min(ops.find(',', from), ops.size());
    const std::string op = ops.substr(from, comma - from);
    from = comma + 1;
    if (op.empty()) throw UserError(fmt::format("--op '{}' has an empty name in its list", ops));
    nlohmann::json entry = {{"op", op}, {"params", params}, {"dtype", f.dtype}};
    if (!f.directions.empty()) entry["directions"] = f.directions;
    if (!f.sizes.empty()) entry["sizes"] = f.sizes;
    cases.push_back(std::move(entry));
  }
  std::string name = ops;
  std::replace(name.begin(), name.end(), ',', '-');
  return {{"name", name}, {"description", "ad-hoc run from the command line"}, {"cases", cases}};
}

// `versus run ops --network lenet`: the ops of one training step of that network, at its shapes.
nlohmann::json suite_from_network(const RunFlags& f) {
  if (!f.op.empty() || !f.sizes.empty() || !f.params.empty())
    throw UserError("--network picks the ops and shapes itself: leave out --op, --sizes and --param");
  const Network net = load_network(f.network);
  const int64_t batch = f.batch > 0 ? f.batch : net.batch;
  const nlohmann::json ops = network_op_cases(net, batch);
  for (const auto& s : ops["skipped"]) std::fprintf(stderr, "versus: %s: not measured (%s)\n", net.name.c_str(), s.get<std::string>().c_str());
  return {{"name", "ops-" + net.name},
          {"description", fmt::format("the ops of one training step of {} at batch {}, derived from networks/{}.json",
                                      net.name, batch, net.name)},
          {"cases", ops["cases"]}};
}

std::vector<std::string> backend_names(const SuitePlan& plan) {
  std::vector<std::string> names;
  for (const auto& c : plan.cases)
    if (std::find(names.begin(), names.end(), c.backend) == names.end()) names.push_back(c.backend);
  return names;
}

std::map<std::string, WorkerInfo> g_workers;  // probed once; expand_suite asks for variants
bool g_all_modes = false;                      // --modes all
// The backend's variants that implement `op` (all of them for an empty op), as its worker declares.
std::vector<std::string> variants_of(const std::string& backend, const std::string& op) {
  auto it = g_workers.find(backend);
  if (it == g_workers.end()) it = g_workers.emplace(backend, probe_worker(backend)).first;
  std::vector<std::string> out = it->second.variants();
  if (const auto& declared = it->second.info.value("variant_ops", nlohmann::json::object()); !op.empty() && declared.is_object())
    std::erase_if(out, [&](const std::string& v) {
      if (!declared.contains(v)) return false;
      const auto& ops = declared[v];
      return std::find(ops.begin(), ops.end(), op) == ops.end();
    });
  if (g_all_modes)  // the modes, chosen like variants; the default mode is the default variant
    for (const auto& m : it->second.info.value("modes", nlohmann::json::array()))
      if (const std::string name = m.value("name", ""); std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(name);
  return out;
}

void require_available(const std::vector<std::string>& backends) {
  for (const auto& b : backends) {
    if (!g_workers.count(b)) g_workers[b] = probe_worker(b);
    if (!g_workers[b].available)
      throw UserError(fmt::format("backend {} is not available: {}; or leave it out of --backends", b, g_workers[b].problem));
  }
}

int finish_suite(const ResultsDir& dir, const SuitePlan& plan, const nlohmann::json& context, const RunFlags& f) {
  const FolderLock lock = FolderLock::acquire(dir.root());  // one writer per folder
  std::map<std::string, WorkerInfo> workers;
  for (const auto& b : backend_names(plan)) workers[b] = g_workers.at(b);
  std::fprintf(stderr, "versus: %zu runs (%d processes each%s) -> %s\n", plan.cases.size(),
               plan.settings.processes, plan.settings.quick ? ", QUICK mode: fewer samples" : "",
               dir.root().c_str());
  SuiteTally t;
  try {
    t = run_suite(dir, plan, context, workers, f.verbose);
  } catch (const Interrupted&) {
    std::fprintf(stderr, "versus: interrupted; finished runs are saved. Resume with: versus run --resume %s\n",
                 dir.root().c_str());
    return 130;
  }
  std::fprintf(stderr, "versus: %d ok, %d failed, %d unsupported, %d done earlier\n", t.ok, t.failed,
               t.unsupported, t.skipped);
  if (!f.no_report) {
    const ReportFiles r = write_report(dir.root(), dir.root());
    std::printf("report: %s\n        %s\n", r.html.c_str(), r.markdown.c_str());
  }
  return t.failed > 0 ? 3 : 0;
}

// --dry-run: what would run, one line per case entry with how many runs it becomes, then totals.
int print_plan(const SuitePlan& plan, const nlohmann::json& suite) {
  std::map<std::string, int> runs_per_shape;
  for (const auto& c : plan.cases) ++runs_per_shape[c.op + " " + find_op(c.op).shape_label(c.params)];
  for (const auto& entry : suite["cases"]) {
    const nlohmann::json params = entry.value("params", nlohmann::json::object());
    std::printf("%-22s %-60s %s\n", entry.value("op", std::string()).c_str(), params.dump().c_str(),
                entry.value("why", std::string()).c_str());
  }
  std::printf("%zu runs (%zu shapes × directions, backends, variants, threads) of suite '%s'%s\n", plan.cases.size(),
              runs_per_shape.size(), plan.name.c_str(), plan.settings.quick ? ", quick mode" : "");
  for (const auto& note : plan.notes) std::printf("  %s\n", note.c_str());
  return 0;
}

int cmd_run(RunFlags f) {
  install_interrupt_handler();
  if (!f.resume.empty()) {
    const ResultsDir dir = ResultsDir::open_existing(f.resume);
    const SuitePlan plan = [&] {
      try {
        return dir.read_plan().get<SuitePlan>();
      } catch (const nlohmann::json::exception& e) {
        throw UserError(fmt::format("{} is malformed: {}", (dir.root() / "suite.json").string(), e.what()));
      }
    }();
    require_available(backend_names(plan));
    nlohmann::json context = dir.read_context();
    return finish_suite(dir, plan, context, f);
  }
  if (f.what.empty()) throw UserError("say what to run: `versus run quick`, `versus run ops --op gemm --sizes 512`, or a suite file");
  // `versus run ops` with no shape runs the default catalogue.
  const bool from_network = f.what == "ops" && !f.network.empty();
  const bool catalogue = f.what == "ops" && f.op.empty() && f.sizes.empty() && f.params.empty() && f.m.empty() &&
                         f.n.empty() && f.k.empty() && !from_network;
  const bool adhoc = f.what == "ops" && !catalogue && !from_network;
  nlohmann::json suite = from_network ? suite_from_network(f) : adhoc ? suite_from_flags(f) : read_suite_file(catalogue ? "ops" : f.what);
  if (adhoc || from_network || f.backends_given || !suite.contains("backends")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& b : parse_backend_list(f.backends)) list.push_back(b.variant.empty() ? b.backend : b.backend + ":" + b.variant);
    suite["backends"] = list;
  }
  if (!f.threads.empty()) suite["threads"] = f.threads;
  if (!f.devices.empty()) suite["devices"] = f.devices;
  if (f.quick) suite["quick"] = true;
  if (f.processes) suite["processes"] = f.processes;
  if (f.timeout > 0) suite["timeout_seconds"] = f.timeout;
  if (!f.memory_limit.empty()) suite["memory_limit_bytes"] = parse_memory_size(f.memory_limit);
  suite["seed"] = f.seed;
  // Validate ops and backends before anything is created on disk; a wrong op name is the more
  // useful message, so it comes first.
  if (suite.contains("cases") && suite["cases"].is_array())
    for (const auto& entry : suite["cases"])
      if (entry.is_object()) find_op(entry.value("op", std::string()));
  std::vector<std::string> names;
  for (const auto& b : suite["backends"]) names.push_back(b.get<std::string>().substr(0, b.get<std::string>().find(':')));
  parse_backend_list(fmt::format("{}", fmt::join(names, ",")));
  require_available(names);
  if (f.modes != "default" && f.modes != "all") throw UserError(fmt::format("--modes is default or all, not '{}'", f.modes));
  g_all_modes = f.modes == "all";
  const SuitePlan plan = expand_suite(suite, variants_of, default_threads());
  if (f.dry_run) return print_plan(plan, suite);
  nlohmann::json context;
  const ResultsDir dir = create_suite_folder(plan, g_workers, f.out, default_threads(), context);
  return finish_suite(dir, plan, context, f);
}

int cmd_info(bool json, bool roofline) {
  const auto workers = probe_workers(known_backends());
  const nlohmann::json ctx = build_context(workers, roofline, default_threads());
  if (json) {
    std::printf("%s\n", ctx.dump(2).c_str());
    return 0;
  }
  const auto& m = ctx["machine"];
  const auto& cpu = m["cpu"];
  std::printf("versus %s (git %s)\n\n", VERSUS_VERSION, VERSUS_GIT_REVISION);
  std::printf("machine   %s, %s\n", m["hostname"].get<std::string>().c_str(), m["os"].get<std::string>().c_str());
  std::printf("cpu       %s: %d cores (%d physical), ISA %s\n", cpu["model"].get<std::string>().c_str(),
              cpu["logical_cores"].get<int>(), cpu["physical_cores"].get<int>(), fmt::format("{}", fmt::join(cpu["isa"].get<std::vector<std::string>>(), " ")).c_str());
  std::printf("memory    %.1f GiB (%.1f available), load %.2f\n", m["memory_gib"].get<double>(),
              m["memory_available_gib"].get<double>(), m["load_average"][0].get<double>());
  if (!m["gpu_details"].empty()) {
    for (const auto& g : m["gpu_details"])
      std::printf("gpu       %s, %.0f GiB, driver %s, CUDA driver %s\n", g["name"].get<std::string>().c_str(),
                  g["memory_gib"].get<double>(), g["driver"].get<std::string>().c_str(),
                  g["cuda_driver"].get<std::string>().c_str());
  } else {
    std::printf("gpu       %s\n", m["gpus"].empty() ? "none" : fmt::format("{}", fmt::join(m["gpus"].get<std::vector<std::string>>(), ", ")).c_str());
  }
  if (ctx.contains("roofline")) {
    const auto& r = ctx["roofline"];
    std::printf("roofline  peak %.1f GFLOP/s float32 (%s, %d threads), stream triad %.1f GB/s, ridge %.1f flop/byte\n",
                r["peak_gflops"].get<double>(), r["isa"].get<std::string>().c_str(), r["threads"].get<int>(),
                r["bandwidth_gbs"].get<double>(), r["peak_gflops"].get<double>() / r["bandwidth_gbs"].get<double>());
    // The trials' range: a wide one says the machine was not steady while it was measured.
    auto range = [&](const char* key) {
      const auto v = r.value(key, std::vector<double>{});
      return v.empty() ? std::string("–")
                       : fmt::format("{:.1f}–{:.1f}", *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
    };
    std::printf("          trials: peak %s GFLOP/s, triad %s GB/s (the best of each is the roofline)\n",
                range("peak_trials_gflops").c_str(), range("bandwidth_trials_gbs").c_str());
  }
  if (ctx.contains("gpu_roofline")) {
    const auto& g = ctx["gpu_roofline"];
    if (g.value("available", false))
      std::printf("gpu roofline  %s: peak %.0f GFLOP/s float32 FMA, triad %.0f GB/s\n", g["device"].get<std::string>().c_str(),
                  g["peak_gflops"].get<double>(), g["bandwidth_gbs"].get<double>());
    else
      std::printf("gpu roofline  not measured: %s\n", g.value("reason", std::string("?")).c_str());
  }
  std::printf("\nframeworks\n");
  for (const auto& [name, w] : workers) {
    if (!w.available) {
      std::printf("  %-11s not available: %s\n", name.c_str(), w.problem.c_str());
      continue;
    }
    std::printf("  %-11s %s\n", name.c_str(), w.info.value("version", "?").c_str());
    std::printf("  %-11s variants: %s\n", "", fmt::format("{}", fmt::join(w.variants(), ", ")).c_str());
    for (const auto& [k, v] : w.info["build"].items())
      if (!v.is_array()) std::printf("  %-11s %s: %s\n", "", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
  return 0;
}

int cmd_list(const std::string& what) {
  if (what == "backends") {
    for (const auto& b : known_backends()) {
      const WorkerInfo w = probe_worker(b);
      std::printf("%-11s %s\n", b.c_str(), w.available ? fmt::format("{} (variants: {})", w.info.value("version", "?"), fmt::join(w.variants(), ", ")).c_str()
                                                      : ("not available: " + w.problem).c_str());
      // A worker that is not built has no info (null): no modes to list. (Found by the sanitizer
      // build, which builds the native worker only.)
      const nlohmann::json info = w.info.is_object() ? w.info : nlohmann::json::object();
      // Execution modes (`--backends B:MODE` or --modes all, for ops and training); the first is the default.
      for (const auto& m : info.value("modes", nlohmann::json::array()))
        std::printf("%-11s   mode %-16s %s\n", "", m.value("name", "").c_str(), m.value("description", "").c_str());
      // The Python tier (training only): Keras, Gluon, PyTorch as users write them.
      for (const auto& m : info.value("frontend_modes", nlohmann::json::array()))
        std::printf("%-11s   mode %-16s [Python] %s%s\n", "", m.value("name", "").c_str(), m.value("description", "").c_str(),
                    m.contains("problem") ? (" -- unsupported here: " + m.value("problem", "")).c_str() : "");
    }
  } else if (what == "ops") {
    // Which worker implements which op (from each worker's --info), then what the op is.
    std::vector<WorkerInfo> workers;
    for (const auto& b : known_backends()) workers.push_back(probe_worker(b));
    std::printf("%-22s", "op");
    for (const auto& w : workers) std::printf(" %-10s", w.backend.c_str());
    std::printf(" backward  description\n");
    for (const OpDef* op : all_ops()) {
      std::printf("%-22s", op->name().c_str());
      for (const auto& w : workers) {
        const auto ops = w.available ? w.info.value("ops", nlohmann::json::array()) : nlohmann::json::array();
        const bool has = std::find(ops.begin(), ops.end(), op->name()) != ops.end();
        std::printf(" %-10s", !w.available ? "-" : has ? "yes" : "no");
      }
      std::printf(" %-9s %s\n", op->has_backward() ? "yes" : "no", op->description().c_str());
    }
  } else if (what == "suites") {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(suites_directory(), ec))
      if (e.path().extension() == ".json") {
        const auto s = read_suite_file(e.path().string());
        std::printf("%-11s %s\n", e.path().stem().c_str(), s.value("description", "").c_str());
      }
  } else if (what == "networks") {
    return list_networks();
  } else {
    throw UserError(fmt::format("cannot list '{}'; choose backends, ops, suites or networks", what));
  }
  return 0;
}

// "the disk is full": where, how much is free there, the finished results kept, and how to go on
// (the results folder is the nearest folder above the file that holds a plan).
std::string disk_full_message(const DiskFull& e) {
  std::filesystem::path folder = std::filesystem::path(e.path).parent_path();
  for (auto p = folder; !p.empty() && p != p.parent_path(); p = p.parent_path())
    if (std::filesystem::exists(p / "suite.json") || std::filesystem::exists(p / "training.json") ||
        std::filesystem::exists(p / "distributed.json")) {
      folder = p;
      break;
    }
  std::error_code ec;
  const auto space = std::filesystem::space(folder, ec);
  const std::string free = ec ? "unknown" : fmt::format("{} bytes", space.available);
  const bool resumable = std::filesystem::exists(folder / "suite.json");
  return fmt::format("the disk holding {} is full ({} free): {}; the finished results are kept. Free some space, then {}",
                     folder.string(), free, e.what(),
                     resumable ? fmt::format("`versus run --resume {}`", folder.string()) : std::string("run again"));
}

int main_impl(int argc, char** argv) {
  CLI::App app{"versus: compare deep-learning frameworks fairly, from GEMM to training runs"};
  app.set_version_flag("--version", std::string(VERSUS_VERSION) + " (git " + VERSUS_GIT_REVISION + ")");
  app.require_subcommand(1);

  bool info_json = false, info_no_roofline = false;
  auto* info = app.add_subcommand("info", "machine, measured roofline and the frameworks found");
  info->add_flag("--json", info_json, "print the whole context as JSON");
  info->add_flag("--no-roofline", info_no_roofline, "skip the roofline measurement (a few seconds)");

  std::string list_what;
  auto* list = app.add_subcommand("list", "list backends, ops or suites");
  list->add_option("what", list_what, "backends | ops | suites | networks")->required();

  RunFlags rf;
  TrainFlags tf;
  auto* run = app.add_subcommand("run", "run ops from flags, a suite by name or file, train a network, or resume a folder");
  run->add_option("what", rf.what, "ops | suite name (e.g. quick) | suite file");
  auto* train = run->add_subcommand("train", "train a network in every framework from the same weights and batches");
  add_train_flags(*train, tf, false);
  DistFlags df;
  auto* dist = run->add_subcommand("dist", "data-parallel training on each framework's own distributed engine (local, srun, mpirun)");
  add_dist_flags(*dist, df);
  run->add_option("--op", rf.op, "operation(s) for `run ops`, a comma list (see `versus list ops`)");
  run->add_option("--network", rf.network, "`run ops --network NAME`: the ops of that network's training step, at its shapes");
  run->add_option("--batch", rf.batch, "batch size for --network (default: the network file's)");
  run->add_option("--dtype", rf.dtype, "element type: float32, or bfloat16/float16 (gemm and conv2d, where a backend has them)")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}))
      ->capture_default_str();
  run->add_option("--param", rf.params, "op parameter name=v1,v2 (repeatable), e.g. --param stride=1,2");
  run->add_option("--sizes", rf.sizes, "square sizes m=n=k, comma list")->delimiter(',');
  run->add_option("--m", rf.m, "rows of C, comma list")->delimiter(',');
  run->add_option("--n", rf.n, "columns of C, comma list")->delimiter(',');
  run->add_option("--k", rf.k, "inner dimension, comma list")->delimiter(',');
  run->add_flag("--trans_a,--trans-a", rf.trans_a, "use Aᵀ (A stored k×m)");
  run->add_flag("--trans_b,--trans-b", rf.trans_b, "use Bᵀ (B stored n×k)");
  run->add_option("--backends", rf.backends, "comma list of backend[:variant]")->capture_default_str()
      ->each([&rf](const std::string&) { rf.backends_given = true; });
  run->add_option("--threads", rf.threads, "intra-op threads, comma list (default: all cores)")->delimiter(',');
  run->add_option("--modes", rf.modes, "default, or all: every execution mode of each backend too (one: --backends tensorflow:xla)")
      ->capture_default_str();
  run->add_option("--device,--devices", rf.devices, "cpu and/or cuda, comma list (default cpu)")->delimiter(',');
  run->add_option("--direction,--directions", rf.directions, "forward and/or backward, comma list")->delimiter(',');
  run->add_option("--processes", rf.processes, "worker processes per case (default 3)");
  run->add_option("--timeout", rf.timeout, "seconds per worker process before it is killed");
  run->add_option("--memory-limit", rf.memory_limit,
                  "memory per worker process, e.g. 2G: a worker that needs more is recorded as out of memory");
  run->add_option("--seed", rf.seed, "seed of inputs and weights")->capture_default_str();
  run->add_option("--out", rf.out, "parent folder of the results folder")->capture_default_str();
  run->add_option("--resume", rf.resume, "finish an interrupted suite in this results folder");
  run->add_flag("--quick", rf.quick, "fewer samples per process and a shorter warm-up (said in the results)");
  run->add_flag("--no-report", rf.no_report, "do not write the report at the end");
  run->add_flag("--dry-run", rf.dry_run, "list the cases the run would time, with their provenance, and stop");
  run->add_flag("-v,--verbose", rf.verbose, "per-process details");

  TrainFlags pf;
  auto* parity = app.add_subcommand("parity", "K plain-SGD steps of a network in every framework: do the losses agree?");
  add_train_flags(*parity, pf, true);

  DataFlags data_flags;
  auto* data = app.add_subcommand("data", "datasets: list what is there, write synthetic stand-ins in the real formats, or export one in another format");
  data->add_option("action", data_flags.action, "list | synth | export")->required();
  data->add_option("name", data_flags.name, "dataset (fashion-mnist, mnist, cifar10, imdb)");
  data->add_option("--dir", data_flags.dir, "where to write (default: the dataset's folder)");
  data->add_option("--train", data_flags.train, "synthetic training samples")->capture_default_str();
  data->add_option("--test", data_flags.test, "synthetic test samples")->capture_default_str();
  data->add_option("--seed", data_flags.seed, "seed of the synthetic data")->capture_default_str();
  data->add_option("--format", data_flags.format, "export: the format to write (csv: label, then one column per pixel)")
      ->check(CLI::IsMember({"csv"}))->capture_default_str();
  data->add_flag("--header", data_flags.header, "export csv: begin with a 'label,pixel1,...' line, as the Kaggle edition does");

  std::string report_dir, report_out;
  auto* report = app.add_subcommand("report", "write the HTML/Markdown/CSV report of a results folder");
  report->add_option("dir", report_dir, "results folder")->required();
  report->add_option("-o,--out", report_out, "output folder (default: the results folder)");

  std::string compare_a, compare_b;
  double compare_threshold = 0.05;
  auto* compare = app.add_subcommand("compare", "B against A per case: ratio, interval, significance, verdict");
  compare->add_option("a", compare_a, "baseline results folder")->required();
  compare->add_option("b", compare_b, "results folder to judge")->required();
  compare->add_option("--threshold", compare_threshold,
                      "exit 4 when a case is SLOWER with its whole interval above 1 + threshold")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "versus: %s (see versus %s--help)\n", e.what(),
                 app.get_subcommands().empty() ? "" : (app.get_subcommands().front()->get_name() + " ").c_str());
    return 2;
  }
  try {
    if (*info) return cmd_info(info_json, !info_no_roofline);
    if (*list) return cmd_list(list_what);
    if (*train) return cmd_train(tf);
    if (*dist) return cmd_dist(df);
    if (*run) return cmd_run(rf);
    if (*parity) return cmd_parity(pf);
    if (*data) return cmd_data(data_flags);
    if (*compare) {
      const ComparisonResult r = compare_results(compare_a, compare_b, compare_threshold);
      std::printf("%s", format_comparison(r, compare_a, compare_b, compare_threshold).c_str());
      return r.regressions > 0 ? 4 : 0;
    }
    if (*report) {
      const auto files = write_report(report_dir, report_out.empty() ? report_dir : report_out);
      std::printf("report: %s\n        %s\n        %s\n", files.html.c_str(), files.markdown.c_str(), files.csv.c_str());
      return 0;
    }
  } catch (const UserError& e) {
    std::fprintf(stderr, "versus: %s\n", e.what());
    return 2;
  } catch (const DiskFull& e) {
    std::fprintf(stderr, "versus: %s\n", disk_full_message(e).c_str());
    return 4;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "versus: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace versus

int main(int argc, char** argv) { return versus::main_impl(argc, argv); }
