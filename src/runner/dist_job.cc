#include "runner/dist_job.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "results/results_dir.h"
#include "results/schemas.h"
#include "runner/context.h"
#include "runner/execute.h"
#include "runner/host_exchange.h"
#include "runner/spawn.h"
#include "core/json_number.h"

namespace versus {
namespace {

std::string rank_file(const std::string& backend, int rank) { return fmt::format("{}-rank{}", backend, rank); }

// Under a launcher, rank 0 collects the other ranks' documents from the shared results folder.
std::vector<nlohmann::json> wait_for_ranks(const ResultsDir& dir, const std::string& backend, int world, double timeout) {
  std::vector<nlohmann::json> docs;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  for (int r = 0; r < world; ++r) {
    const auto path = dir.root() / "runs" / (rank_file(backend, r) + ".json");
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline && !interrupt_requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (std::filesystem::exists(path)) {
      docs.push_back(read_json_file(path));
    } else {
      docs.push_back({{"rank", r}, {"status", "timeout"},
                      {"reason", fmt::format("rank {} wrote no result within {:.0f} s", r, timeout)}});
    }
  }
  return docs;
}

std::filesystem::path results_folder(const std::filesystem::path& out, const Network& net, const std::optional<LaunchEnv>& launch) {
  if (!launch) return ResultsDir::create_new(out, "dist-" + net.name).root();
  if (launch->job_id.empty())
    throw UserError(fmt::format("the {} launcher names no job id, so the ranks cannot agree on a results folder: "
                                "give every rank the same --out FOLDER", launch->launcher));
  const auto dir = out / fmt::format("dist-{}-{}-{}", net.name, launch->launcher, launch->job_id);
  std::filesystem::create_directories(dir / "runs");
  return dir;
}

void print_summary(const std::string& backend, const nlohmann::json& j) {
  if (j.value("status", "") != "ok") {
    std::printf("%-11s %5d %s: %s\n", backend.c_str(), whole_or(j, "world_size", 0), j.value("status", "").c_str(), j.value("reason", "").c_str());
    return;
  }
  const auto ms = [](const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.2f}", v.get<double>() * 1e3) : std::string("-"); };
  std::printf("%-11s %5d %9s %9s %9s %8s %7s %6.0f %%  %s\n", backend.c_str(), whole_or(j, "world_size", 0), ms(j["median_step_seconds"]).c_str(),
              ms(j["single"].value("median_step_seconds", nlohmann::json())).c_str(),
              ms(j.contains("single_local") ? j["single_local"]["median_step_seconds"] : nlohmann::json()).c_str(),
              j.contains("overhead_fraction") ? fmt::format("{:+.0f} %", j["overhead_fraction"].get<double>() * 100).c_str() : "-",
              j.contains("scaling_efficiency") ? fmt::format("{:.2f}", j["scaling_efficiency"].get<double>()).c_str() : "-",
              j.value("communication_fraction", 0.0) * 100, j["parity"]["passed"].get<bool>() ? "parity ok" : "PARITY FAILED");
}

}  // namespace

DistOutcome run_dist_job(const DistJob& job) {
  const Network& net = job.net;
  const ChosenWorkers& chosen = job.chosen;
  const DistSettings& s = job.settings;
  const std::vector<int>& sizes = job.sizes;
  const std::optional<LaunchEnv>& launch = s.launch;
  nlohmann::json request = training_request(net, s.train);
  request["return_parameters"] = true;
  const int64_t batch = request["batch"].get<int64_t>();
  for (const int n : sizes)
    if (batch % n != 0)
      throw UserError(fmt::format("the global batch {} does not split evenly over {} ranks: give --batch a multiple of {}", batch, n, n));
  const bool sweep = sizes.size() > 1;
  // Run ids: <backend>-rank<R> for one rank count, <backend>-n<N>-rank<R> in a sweep.
  const auto job_id = [&](const std::string& backend, int n) { return sweep ? fmt::format("{}-n{}", backend, n) : backend; };
  const int rank = launch ? launch->rank : 0;
  const ResultsDir dir(results_folder(job.out, net, launch));
  const nlohmann::json context = build_context(chosen.workers, false, s.train.threads);
  // Under a launcher the ranks may live on different hosts: each learns every rank's address
  // (on the launcher's --port; the engines take the ports after it), before any framework starts.
  std::vector<std::string> hosts;
  if (launch && launch->world_size > 1) {
    const std::string master = ipv4_address_of(s.host);
    const std::string mine = rank == 0 ? master : own_address_toward(master);
    hosts = exchange_hosts(master, job.first_port, rank, launch->world_size, mine, std::min(120.0, s.train.timeout_seconds));
    if (job.verbose) std::fprintf(stderr, "versus: rank %d at %s; ranks at %s\n", rank, mine.c_str(), fmt::format("{}", fmt::join(hosts, ", ")).c_str());
  }
  nlohmann::json plan = {{"schema", kDistributedSchema}, {"kind", "distributed"}, {"network", net.name},
                         {"world_size", sizes.back()}, {"world_sizes", sizes}, {"threads_per_rank", s.train.threads},
                         {"host", s.host}, {"hosts", hosts}, {"launcher", launch ? launch->launcher : "local"}, {"request", request},
                         {"backends", nlohmann::json::object()}, {"scaling", nlohmann::json::object()}};
  if (rank == 0) {
    write_file_atomically(dir.root() / "distributed.json", plan.dump(2) + "\n");
    dir.write_context(context);
  }
  std::fprintf(stderr, "versus: %s data-parallel on %s ranks (%s), global batch %lld, %lld steps, %d threads per rank -> %s\n",
               net.name.c_str(), fmt::format("{}", fmt::join(sizes, ", ")).c_str(),
               launch ? fmt::format("{} rank {}", launch->launcher, rank).c_str() : "local processes",
               static_cast<long long>(batch), static_cast<long long>(s.train.max_steps), s.train.threads, dir.root().c_str());

  std::map<std::pair<std::string, int>, std::vector<nlohmann::json>> jobs;
  int index = 0;
  try {
    for (const int n : sizes)
      for (const auto& [backend, worker] : chosen.workers) {
        DistSettings at = s;
        at.world_size = n;
        DistributedSpec spec;
        spec.world_size = n;
        spec.host = s.host;
        spec.hosts = hosts;
        // Locally: a block of free ports for the engine (MXNet's nodes take port .. port + N + 2).
        spec.port = launch ? job.first_port + 1 + 32 * index : free_port_block(n + 3);
        spec.timeout_seconds = std::min(120.0, s.train.timeout_seconds);
        ++index;
        std::vector<int> local_ranks;
        for (int r = 0; r < n; ++r)
          if (!launch || r == rank) local_ranks.push_back(r);
        std::fprintf(stderr, "[%s] %d ranks meet at %s:%d...\n", backend.c_str(), n, spec.host.c_str(), spec.port);
        // Under a launcher, a rank that failed elsewhere (its result is in the shared folder) stops this one.
        const PeerFailure peer_failure = [&, n, id = job_id(backend, n)]() -> nlohmann::json {
          for (int r = 0; r < n; ++r) {
            const auto path = dir.root() / "runs" / (rank_file(id, r) + ".json");
            if (r == rank || !std::filesystem::exists(path)) continue;
            try {
              nlohmann::json doc = read_json_file(path);
              const std::string status = doc.value("status", "");
              if (status != "ok" && status != "unsupported" && status != "cancelled") return doc;
            } catch (const std::exception&) {
              // unreadable: wait_for_ranks names it after the run
            }
          }
          return nullptr;
        };
        std::vector<nlohmann::json> docs =
            run_ranks(request, worker, spec, local_ranks, rank == 0, at, context, job.verbose, launch ? peer_failure : PeerFailure{});
        for (const auto& d : docs) {
          dir.write_run(rank_file(job_id(backend, n), whole_or(d, "rank", 0)), d);
          if (d.value("status", "") != "ok")
            std::fprintf(stderr, "[%s] rank %d %s: %s\n", backend.c_str(), whole_or(d, "rank", 0), d.value("status", "").c_str(),
                         d.value("reason", "").c_str());
        }
        jobs[{backend, n}] = std::move(docs);
      }
  } catch (const Interrupted&) {
    std::fprintf(stderr, "versus: interrupted; the finished ranks' runs are saved\n");
    throw;
  }
  if (rank != 0) {
    // This rank's own outcome; rank 0 judges the job.
    bool mine_ok = true;
    for (const auto& [key, docs] : jobs)
      for (const auto& d : docs) mine_ok = mine_ok && (d.value("status", "") == "ok" || d.value("status", "") == "unsupported");
    std::printf("rank %d done%s; rank 0 writes the summary in %s\n", rank, mine_ok ? "" : " (a run failed)", dir.root().c_str());
    return {dir.root(), mine_ok ? 0 : 1, false, rank};
  }

  // Rank 0: every rank's result, then the single-process references, alone on the machine.
  DistOutcome out{dir.root(), 0, false, 0};
  std::printf("%-11s %5s %9s %9s %9s %8s %7s %8s\n", "backend", "ranks", "N ranks", "1 proc", "1 share", "overhead", "effic.", "comm");
  std::printf("%-11s %5s %9s %9s %9s\n", "", "", "ms/step", "ms/step", "ms/step");
  for (const auto& [backend, worker] : chosen.workers) {
    TrainRun single = plan_training_runs({{backend, worker}}, {}, {s.train.threads}).front();
    if (const std::string cpus = cores_of_rank(0, s.train.threads, 1, s.cores); !cpus.empty() && !launch)
      single.environment["VERSUS_CPUS"] = cpus;
    nlohmann::json single_doc;  // once per backend: the global batch in one process
    nlohmann::json scaling = nlohmann::json::array();
    for (const int n : sizes) {
      DistSettings at = s;
      at.world_size = n;
      std::vector<nlohmann::json> ranks =
          launch ? wait_for_ranks(dir, job_id(backend, n), n, s.train.timeout_seconds) : jobs[{backend, n}];
      nlohmann::json local_doc;
      const bool ranks_ran = std::all_of(ranks.begin(), ranks.end(), [](const nlohmann::json& r) { return r.value("status", "") == "ok"; });
      if (ranks_ran) {
        if (single_doc.is_null()) {
          std::fprintf(stderr, "[%s] single-process reference: global batch %lld...\n", backend.c_str(), static_cast<long long>(batch));
          single.id = backend + "-single";
          single_doc = execute_training(request, worker, single, s.train, context, false);
          dir.write_run(single.id, single_doc);
        }
        std::fprintf(stderr, "[%s] single-process reference: one rank's share of %d, %lld...\n", backend.c_str(), n,
                     static_cast<long long>(batch / n));
        nlohmann::json local_request = request;
        local_request["batch"] = batch / n;
        local_request.erase("return_parameters");
        single.id = job_id(backend, n) + "-single-local";
        local_doc = execute_training(local_request, worker, single, s.train, context, false);
        dir.write_run(single.id, local_doc);
      }
      nlohmann::json summary = summarize_job(ranks, single_doc, local_doc, at);
      if (summary["status"] == "failed") ++out.failed;
      if (summary["status"] == "ok" && !summary["parity"]["passed"].get<bool>()) out.parity_failed = true;
      print_summary(backend, summary);
      scaling.push_back(summary);
      plan["scaling"][backend] = scaling;
      plan["backends"][backend] = scaling.back();  // the largest rank count: the report's main table
      write_file_atomically(dir.root() / "distributed.json", plan.dump(2) + "\n");
    }
  }
  for (const auto& [backend, summary] : plan["backends"].items())
    if (summary.contains("parity")) std::printf("%s parity: %s\n", backend.c_str(), summary["parity"]["verdict"].get<std::string>().c_str());
  return out;
}

}  // namespace versus
