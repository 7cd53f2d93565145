// main() of every versus-worker-<framework> executable: speaks the line-based JSON protocol.
//
//   versus-worker-X --info   prints one JSON line: framework, version, build flags, variants,
//                            and what the framework offers (worker/support.h)
//   versus-worker-X --run    reads one case (JSON line) on stdin, prepares it, validates the
//                            result against the reference, times it, prints one JSON line
//   versus-worker-X --train  reads one training request (worker/train_loop.h) on stdin, trains,
//                            prints {"progress": ...} lines and then one reply line
//   versus-worker-X --serve ROLE   a helper role of a distributed engine (MXNet's ps-lite
//                            scheduler or server): reads the job's DistributedSpec (JSON line),
//                            serves until the job ends, prints one reply line
//
// The protocol uses a private copy of stdout; fd 1 is pointed at stderr so that whatever a
// framework prints cannot corrupt it.
#include <sys/prctl.h>

#include <csignal>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "core/memory_limit.h"
#include "core/op_registry.h"
#include "core/rng.h"
#include "worker/backend.h"
#include "worker/peak_memory.h"
#include "worker/timing.h"
#include "worker/train_loop.h"

namespace versus {
namespace {

FILE* protocol_out = nullptr;

void reply(const nlohmann::json& j) {
  const std::string line = j.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), protocol_out);
  std::fflush(protocol_out);
}

void take_over_stdout() {
  const int fd = ::dup(STDOUT_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  protocol_out = ::fdopen(fd, "w");
}

// Test-only hooks, so the runner's handling of broken workers can be tested for real.
void apply_test_hooks(const CaseSpec& c) {
  if (const char* v = std::getenv("VERSUS_TEST_CRASH_VARIANT"); v && c.variant == v) std::abort();
  if (const char* v = std::getenv("VERSUS_TEST_HANG_VARIANT"); v && c.variant == v)
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// Test-only: an instance whose iterations take 0.5 to 5 ms in a fixed pattern, so that its samples
// scatter and the runner's precision target (extra processes) can be tested for real.
// VERSUS_TEST_NOISY_VARIANT: the runs of that variant sleep 0.5–5 ms more, cycling (scatter inside
// a process). With VERSUS_TEST_PROCESS_SHIFT_FILE the scatter inside a process is small (2–2.1 ms)
// and each process scales its sleeps by a shift of its own, up to ±VERSUS_TEST_PROCESS_SHIFT
// (default 0.1), drawn from the n-th number of a seeded stream where n is a counter kept in that
// file: deterministic, and processes differ by more than their samples do, as real ones do.
class NoisyInstance final : public OpInstance {
 public:
  explicit NoisyInstance(std::unique_ptr<OpInstance> inner) : inner_(std::move(inner)), shift_(process_shift()) {}
  void run() override {
    inner_->run();
    const double step = static_cast<double>((iteration_++ * 7) % 10);
    const double micros = shift_ ? 2000 * *shift_ * (1 + 0.005 * step) : 500 * (1 + step);
    std::this_thread::sleep_for(std::chrono::duration<double, std::micro>(micros));
  }
  std::vector<std::vector<float>> outputs() override { return inner_->outputs(); }

 private:
  static std::optional<double> process_shift() {
    const char* file = std::getenv("VERSUS_TEST_PROCESS_SHIFT_FILE");
    if (!file || !*file) return std::nullopt;
    long n = 0;
    if (FILE* f = std::fopen(file, "r")) {
      if (std::fscanf(f, "%ld", &n) != 1) n = 0;
      std::fclose(f);
    }
    if (FILE* f = std::fopen(file, "w")) {
      std::fprintf(f, "%ld\n", n + 1);
      std::fclose(f);
    }
    const char* amount = std::getenv("VERSUS_TEST_PROCESS_SHIFT");
    const double a = amount ? std::atof(amount) : 0.1;
    Rng rng(0x5eed0000u + static_cast<uint64_t>(n));
    return 1.0 + a * (2.0 * rng.uniform(0.0f, 1.0f) - 1.0);
  }

  std::unique_ptr<OpInstance> inner_;
  std::optional<double> shift_;
  int64_t iteration_ = 0;
};

// VERSUS_CPUS="2,3": the runner pins this worker (and every thread the framework starts later) to
// those cores, so that the ranks of a distributed job on one machine do not share cores.
void pin_to_requested_cpus() {
  const char* list = std::getenv("VERSUS_CPUS");
  if (!list || !*list) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const char* p = list; *p;) {
    char* end = nullptr;
    const long cpu = std::strtol(p, &end, 10);
    if (end == p || cpu < 0 || cpu >= CPU_SETSIZE) throw UserError(std::string("VERSUS_CPUS='") + list + "' is not a list of core numbers");
    CPU_SET(static_cast<int>(cpu), &set);
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') throw UserError(std::string("VERSUS_CPUS='") + list + "' is not a list of core numbers");
  }
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw UserError(std::string("cannot pin the worker to cores ") + list + ": " + std::strerror(errno));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json run_case(Backend& backend, CaseSpec c) {
  const OpDef& op = find_op(c.op);
  op.validate_params(c.params);
  if (c.dtype != "float32" && c.dtype != "bfloat16" && c.dtype != "float16")
    throw UnsupportedCase("dtype '" + c.dtype + "' is not one versus knows (float32, bfloat16, float16)");
  if (c.direction == "backward" && !op.has_backward())
    throw UnsupportedCase(c.op + " has no backward pass");
  const auto variants = backend.variants();
  if (c.variant.empty()) c.variant = variants.front();
  // A variant may also name an execution mode (tensorflow:xla, mxnet:naive-engine): the op is
  // then built as in the default variant, with the mode set.
  const auto modes = backend.execution_modes();
  const bool is_mode = std::any_of(modes.begin(), modes.end(), [&](const ExecutionMode& m) { return m.name == c.variant; });
  if (std::find(variants.begin(), variants.end(), c.variant) == variants.end() && !is_mode)
    throw UnsupportedCase("backend " + backend.name() + " has no variant or mode '" + c.variant + "'");
  if (is_mode) backend.set_mode(c.variant);
  apply_test_hooks(c);
  backend.set_threads(c.threads);

  const std::vector<HostTensor> inputs = op.make_inputs(c);
  // Test-only (VERSUS_TEST_ALLOCATE_MIB=VARIANT:N): that variant's worker takes and touches N MiB
  // first, so a worker over --memory-limit is tested beside one that is not.
  if (const char* hook = std::getenv("VERSUS_TEST_ALLOCATE_MIB"); hook && std::string(hook).rfind(c.variant + ":", 0) == 0) {
    std::vector<char> block(static_cast<size_t>(std::atoll(hook + c.variant.size() + 1)) << 20);
    for (size_t i = 0; i < block.size(); i += 4096) block[i] = 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<OpInstance> instance = backend.prepare(c, inputs);
  if (const char* v = std::getenv("VERSUS_TEST_NOISY_VARIANT"); v && c.variant == v)
    instance = std::make_unique<NoisyInstance>(std::move(instance));
  const double prepare_seconds = seconds_since(t0);

  // Correctness first: a result that was not checked is never timed.
  t0 = std::chrono::steady_clock::now();
  const PeakMemory first_run_memory;
  instance->run();
  const double first_run_seconds = seconds_since(t0);
  const std::optional<double> first_run_memory_mib = first_run_memory.increase_mib();
  std::vector<std::vector<float>> results = instance->outputs();
  // Test-only (VERSUS_TEST_CORRUPT_OUTPUT=1): one output element off by one, so the test of "a
  // result that fails validation is never timed" runs through every framework for real.
  if (std::getenv("VERSUS_TEST_CORRUPT_OUTPUT") && !results.empty() && !results.front().empty()) results.front().front() += 1.0f;
  const std::vector<HostTensor> references = op.reference(c, inputs);
  const Validation validation = op.check(c, inputs, references, results);

  nlohmann::json out = {{"variant", c.variant},
                        {"prepare_seconds", prepare_seconds},
                        {"first_run_seconds", first_run_seconds},
                        {"validation", validation},
                        {"framework", backend.describe()},
                        {"threads_used", backend.threads_used()},
                        {"pid", ::getpid()}};
  if (first_run_memory_mib) out["first_run_memory_mib"] = *first_run_memory_mib;
  if (is_mode) out["mode_report"] = backend.mode_report();
  if (!validation.passed) {
    out["status"] = "validation_failed";
    out["reason"] = "result differs from the reference: max error " +
                    std::to_string(validation.max_rel_error) + " > tolerance " +
                    std::to_string(validation.tolerance) + " (" + validation.detail + ")";
    return out;
  }
  const TimingResult timing = time_op(*instance, c.timing);
  out["status"] = "ok";
  out["samples_seconds"] = timing.samples_seconds;
  out["iterations_per_sample"] = timing.iterations_per_sample;
  out["warmup_iterations"] = timing.warmup_iterations;
  out["warmup_seconds"] = timing.warmup_seconds;
  return out;
}

int main_impl(int argc, char** argv) {
  // A worker outlives no coordinator: if versus is killed (even with -9), the kernel kills its
  // workers too, so none keeps a core busy or a results folder half-written.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  take_over_stdout();
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "--info" && mode != "--run" && mode != "--train" && (mode != "--serve" || argc < 3)) {
    std::fprintf(stderr, "usage: %s --info | --run | --train | --serve ROLE  (spawned by `versus run`, not meant for people)\n",
                 argv[0]);
    return 2;
  }
  std::unique_ptr<Backend> backend;
  try {
    apply_memory_limit_from_environment();  // --memory-limit, before the framework allocates anything
    pin_to_requested_cpus();  // before the framework starts its threads
    backend = make_backend();
    if (mode == "--info") {
      nlohmann::json info = backend->describe();
      info["name"] = backend->name();
      info["variants"] = backend->variants();
      info["pipelines"] = backend->input_pipelines();
      info["modes"] = nlohmann::json::array();
      for (const ExecutionMode& m : backend->execution_modes())
        info["modes"].push_back({{"name", m.name}, {"description", m.description}, {"environment", m.environment}});
      if (nlohmann::json support = backend->support(); !support.is_null()) info["support"] = std::move(support);
      info["distributed_helper_roles"] = backend->distributed_helper_roles();
      info["lines_of_code"] = nlohmann::json::parse(lines_of_code_json());
      info["marked_code"] = nlohmann::json::parse(marked_code_json());
      reply(info);
      return 0;
    }
    std::string line;
    if (!std::getline(std::cin, line)) {
      reply({{"status", "error"}, {"reason", "worker received no case on stdin"}});
      return 1;
    }
    if (mode == "--serve") {
      backend->serve(argv[2], nlohmann::json::parse(line).get<DistributedSpec>());
      reply({{"status", "ok"}, {"role", argv[2]}});
      return 0;
    }
    if (mode == "--train") {
      reply(run_training(*backend, nlohmann::json::parse(line),
                         [](const nlohmann::json& p) { reply({{"progress", p}}); }));
      return 0;
    }
    const CaseSpec c = nlohmann::json::parse(line).get<CaseSpec>();
    reply(run_case(*backend, c));
    return 0;
  } catch (const UnsupportedCase& e) {
    reply({{"status", "unsupported"}, {"reason", e.what()}});
  } catch (const UserError& e) {
    reply({{"status", "error"}, {"reason", e.what()}});
  } catch (const std::exception& e) {
    reply({{"status", "error"}, {"reason", std::string("worker error: ") + e.what()}});
  }
  return 1;
}

}  // namespace
}  // namespace versus

int main(int argc, char** argv) { return versus::main_impl(argc, argv); }
