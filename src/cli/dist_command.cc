#include "cli/dist_command.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "report/report.h"
#include "runner/dist_job.h"
#include "runner/spawn.h"

namespace versus {

void add_dist_flags(CLI::App& cmd, DistFlags& f) {
  TrainFlags& t = f.train;
  cmd.add_option("--model", t.model, "network name (see `versus list networks`) or a network .json file");
  cmd.add_option("--workers,--ranks", f.workers, "ranks, comma list to sweep, e.g. 2,4 (default 2; under srun/mpirun: the launcher's task count)")
      ->delimiter(',');
  cmd.add_option("--backends", t.backends, "comma list of frameworks")->capture_default_str();
  cmd.add_option("--dataset", t.dataset, "dataset name (default: the network's), or 'generated' (random, in memory)");
  cmd.add_option("--data-dir", t.dataset_dir, "folder holding the dataset files (default: versus data dir)");
  cmd.add_option("--batch", t.batch, "global batch, split evenly over the ranks (default: the network file's)");
  cmd.add_option("--lr,--learning-rate", t.learning_rate, "learning rate (default: the network file's)");
  cmd.add_option("--optimizer", t.optimizer, "sgd | momentum (default: the network file's)");
  cmd.add_option("--steps", t.steps, "training steps of every run (default 100)");
  cmd.add_option("--threads", t.threads, "intra-op threads per rank (default: cores / ranks, at least 1)");
  cmd.add_option("--master-addr", f.master_addr, "rendezvous host (default: the launcher's first host, else 127.0.0.1)");
  cmd.add_option("--port", f.port, "first rendezvous port under a launcher (local runs pick free ports)")->capture_default_str();
  cmd.add_option("--tolerance", t.tolerance, "largest relative difference parity accepts")->capture_default_str();
  cmd.add_option("--seed", t.seed, "seed of weights and batch order")->capture_default_str();
  cmd.add_option("--timeout", t.timeout, "seconds per process before the whole job is stopped (default 3600)");
  cmd.add_option("--memory-limit", t.memory_limit, "memory per worker process, e.g. 2G: a rank that needs more is out of memory");
  cmd.add_option("--out", t.out, "parent folder of the results folder")->capture_default_str();
  cmd.add_flag("--no-report", t.no_report, "do not write the report at the end");
  cmd.add_flag("-v,--verbose", t.verbose, "progress of rank 0 every few seconds");
}

int cmd_dist(DistFlags f) {
  if (f.train.model.empty()) throw UserError("say which network: versus run dist --model mlp (see `versus list networks`)");
  install_interrupt_handler();
  const std::optional<LaunchEnv> launch = detect_launcher();
  if (launch && !f.workers.empty() && (f.workers.size() > 1 || f.workers.front() != launch->world_size))
    throw UserError(fmt::format("--workers {} but the {} launcher started {} ranks: leave --workers out under a launcher",
                                fmt::join(f.workers, ","), launch->launcher, launch->world_size));
  std::vector<int> sizes = launch ? std::vector<int>{launch->world_size} : f.workers.empty() ? std::vector<int>{2} : f.workers;
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.front() < 1) throw UserError("--workers must be at least 1");
  DistSettings s;
  s.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (f.train.threads.size() > 1) throw UserError("--threads takes one value for `run dist`: the threads of every rank");
  if (f.train.threads.empty()) f.train.threads = {std::max(1, s.cores / sizes.back())};
  if (f.train.steps == 0) f.train.steps = 100;
  const Network net = load_network(f.train.model);
  const ChosenWorkers chosen = choose_workers(f.train.backends, "default");
  s.train = settings_from(f.train, net);
  s.train.epochs = 1000000;  // bounded by --steps
  s.train.evaluate = false;
  s.train.inference = false;
  s.tolerance = f.train.tolerance;
  s.launch = launch;
  s.host = !f.master_addr.empty() ? f.master_addr : launch && !launch->master_host.empty() ? launch->master_host : "127.0.0.1";

  DistJob job{net, chosen, s, sizes, f.train.out, f.port, f.train.verbose};
  DistOutcome out;
  try {
    out = run_dist_job(job);
  } catch (const Interrupted&) {
    return 130;
  }
  if (out.rank != 0) return out.failed > 0 ? 3 : 0;
  if (!f.train.no_report) {
    const ReportFiles r = write_report(out.dir, out.dir);
    std::printf("report: %s\n        %s\n", r.html.c_str(), r.markdown.c_str());
  }
  std::printf("results: %s\n", out.dir.c_str());
  return out.failed > 0 ? 3 : out.parity_failed ? 5 : 0;
}

}  // namespace versus
