#include "report/distributed_report.h"

#include <algorithm>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/stats.h"
#include "report/gnuplot_chart.h"
#include "report/report_document.h"
#include "report/report_format.h"
#include "results/results_dir.h"
#include "results/schemas.h"
#include "core/json_number.h"

namespace versus {
namespace {

namespace fs = std::filesystem;

struct DistData {
  nlohmann::json plan, context;
  std::map<std::string, nlohmann::json> runs;  // by id: <backend>-rank<R>, <backend>-single, <backend>-single-local
};

DistData load(const fs::path& dir) {
  DistData d;
  d.plan = read_json_file(dir / "distributed.json");
  d.context = read_json_file(dir / "context.json");
  std::vector<std::string> unreadable;
  auto runs = ResultsDir(dir).read_runs(kTrainSchema, &unreadable);
  for (const auto& u : unreadable) std::fprintf(stderr, "versus: left out of the report: %s\n", u.c_str());
  for (auto& run : runs) {
    const std::string id = run.value("id", "");  // first: json's operator= takes its argument by value
    d.runs[id] = std::move(run);
  }
  if (d.plan.value("backends", nlohmann::json::object()).empty())
    throw UserError(fmt::format("{} holds no finished distributed job yet", dir.string()));
  return d;
}

std::string ms(const nlohmann::json& seconds) {
  return seconds.is_number() ? format_time(seconds.get<double>()) : std::string("–");
}

// Median and quartiles of a step time in a summary ({"median_step_seconds", "step_quartiles_seconds"}).
struct Spread {
  double median = 0, low = 0, high = 0;
};
std::optional<Spread> spread_of(const nlohmann::json& part) {
  if (!part.is_object() || !part.contains("median_step_seconds") || !part.value("step_quartiles_seconds", nlohmann::json()).is_array())
    return std::nullopt;
  const auto& q = part["step_quartiles_seconds"];
  return Spread{part["median_step_seconds"].get<double>(), q[0].get<double>(), q[1].get<double>()};
}

// Per framework: one process on the global batch, one process on a rank's share, the N-rank job;
// bars at the median step, error bars from the first to the third quartile of the steps.
Chart step_chart(const DistData& d) {
  const int n = whole_or(d.plan, "world_size", 0);
  Chart c{"dist-steps", "Step time: one process against the job", "chart-dist-steps.svg",
          fmt::format("Median step per framework (error bars: first to third quartile of the steps, the first step left "
                      "out). Left: one process on the whole global batch; middle: one process on one rank's share of it "
                      "(the work each rank does); right: the {}-rank job (each step as slow as its slowest rank). The "
                      "job against the left bar is the speed-up; against the middle bar, what being one of {} costs.",
                      n, n),
          "", ""};
  render_chart(c, [&](const fs::path& dir, const fs::path& svg) {
    const fs::path file = dir / "steps.dat";
    std::ofstream f(file);
    for (const auto& [backend, summary] : d.plan["backends"].items()) {
      if (summary.value("status", "") != "ok") continue;
      const auto single = spread_of(summary.value("single", nlohmann::json()));
      const auto local = spread_of(summary.value("single_local", nlohmann::json()));
      const auto job = spread_of(summary);
      const auto cols = [](const std::optional<Spread>& s) {
        return s ? fmt::format("{} {} {}", s->median * 1e3, s->low * 1e3, s->high * 1e3) : std::string("NaN NaN NaN");
      };
      f << fmt::format("{} {} {} {}\n", backend, cols(single), cols(local), cols(job));  // backend names hold no spaces
    }
    f.close();
    std::string gp = "set encoding utf8\n";
    gp += "set terminal svg size 900,480 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
    gp += fmt::format("set output {}\nset title {}\n", gnuplot_quoted(svg.string()), gnuplot_quoted(c.title));
    gp += "set ylabel 'milliseconds per step'\nset yrange [0:*]\nset grid ytics lc rgb '#d8d8d8'\nset border 3\nset tics nomirror\n";
    gp += "set style data histogram\nset style histogram errorbars gap 2 lw 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n";
    gp += "set key below center horizontal\n";
    gp += fmt::format("plot {0} using 2:3:4:xtic(1) title 'one process, global batch' lc rgb '{1}', "
                      "'' using 5:6:7 title 'one process, one share' lc rgb '{2}', "
                      "'' using 8:9:10 title '{3} ranks' lc rgb '{4}'\n",
                      gnuplot_quoted(file.string()), style_at(0).colour, style_at(1).colour, n, style_at(2).colour);
    return gp;
  });
  return c;
}

// Throughput against the rank count per framework: 1 is the single process on the global batch;
// error bars from the step quartiles. The dashed lines are perfect scaling from one process.
Chart scaling_chart(const DistData& d) {
  Chart c{"dist-scaling", "Throughput against ranks", "chart-dist-scaling.svg",
          "Samples per second of the whole job (global batch / median step) against the number of ranks; 1 is one process "
          "on the whole global batch without any distributed engine (a 1-rank job, engine included, is in the table). Error bars: the throughput at the first and third quartile of the step times. "
          "Dashed: perfect scaling from one process (N × its throughput).",
          "", ""};
  render_chart(c, [&](const fs::path& dir, const fs::path& svg) {
    std::string gp = "set encoding utf8\n";
    gp += "set terminal svg size 900,480 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
    gp += fmt::format("set output {}\nset title {}\n", gnuplot_quoted(svg.string()), gnuplot_quoted(c.title));
    gp += "set xlabel 'ranks'\nset ylabel 'samples per second'\nset yrange [0:*]\nset grid lc rgb '#d8d8d8'\n";
    gp += "set border 3\nset tics nomirror\nset key below center horizontal\n";
    const double batch = d.plan["request"].value("batch", 0.0);
    int max_ranks = 1, i = 0;
    std::string plot;
    const nlohmann::json sweep = d.plan.value("scaling", nlohmann::json::object());  // named: items() of a temporary dangles
    for (const auto& [backend, jobs] : sweep.items()) {
      const SeriesStyle st = style_at(i++);
      const fs::path file = dir / fmt::format("s{}.dat", i);
      std::ofstream f(file);
      std::optional<double> one;
      for (const auto& job : jobs) {
        if (job.value("status", "") != "ok") continue;
        if (!one)
          if (const auto single = spread_of(job.value("single", nlohmann::json()))) {
            one = batch / single->median;
            f << fmt::format("1 {} {} {}\n", *one, batch / single->high, batch / single->low);
          }
        const int n = whole_or(job, "world_size", 1);
        if (n == 1) continue;  // x = 1 is the single process; a 1-rank job is in the table
        if (const auto sp = spread_of(job)) {
          max_ranks = std::max(max_ranks, n);
          f << fmt::format("{} {} {} {}\n", n, batch / sp->median, batch / sp->high, batch / sp->low);
        }
      }
      f.close();
      plot += fmt::format("{}{} using 1:2:3:4 with yerrorlines lw 1.5 pt {} lc rgb '{}' title {}", plot.empty() ? "plot " : ", \\\n     ",
                          gnuplot_quoted(file.string()), st.point_type, st.colour, gnuplot_quoted(backend));
      if (one) plot += fmt::format(", {} * x with lines dt 2 lc rgb '{}' notitle", *one, st.colour);
    }
    gp += fmt::format("set xrange [0.5:{}]\nset xtics 1\n", max_ranks + 0.5);
    return gp + (plot.empty() ? "plot 0 notitle" : plot) + "\n";
  });
  return c;
}

// Bytes rank 0's interface received per step, and which interface (results before it was named
// counted lo as "loopback_bytes_per_step").
std::string received_per_step(const nlohmann::json& s) {
  if (s.contains("received_bytes_per_step"))
    return fmt::format("{:.2f} MB ({})", s["received_bytes_per_step"].get<double>() / 1e6, s.value("received_interface", "lo"));
  if (s.contains("loopback_bytes_per_step")) return fmt::format("{:.2f} MB (lo)", s["loopback_bytes_per_step"].get<double>() / 1e6);
  return "–";
}

// " on hosts A, B" where the ranks named their own addresses (a job across hosts), else "".
std::string hosts_of(const nlohmann::json& plan) {
  const auto hosts = plan.value("hosts", std::vector<std::string>{});
  return hosts.empty() ? "" : fmt::format(" on hosts {}", fmt::join(hosts, ", "));
}

Tone parity_tone(const nlohmann::json& s) {
  return s.contains("parity") && s["parity"].value("passed", false) ? Tone::good : Tone::bad;
}

Document build(const DistData& d, const Chart& chart, const Chart& scaling) {
  const auto& plan = d.plan;
  const auto& request = plan["request"];
  const int n = whole_or(plan, "world_size", 0), threads = whole_or(plan, "threads_per_rank", 0);
  Document doc;
  doc.title = fmt::format("versus distributed report — {} on {} ranks", plan.value("network", "?"), n);
  doc.subtitle = fmt::format("data-parallel {}: global batch {}, {} steps, {} (lr {}), seed {}, {} threads per rank, {}",
                             plan.value("network", "?"), whole_or(request, "batch", int64_t{0}), whole_or(request, "max_steps", int64_t{0}),
                             request["optimizer"].value("kind", "?"), request["optimizer"].value("learning_rate", 0.0),
                             whole_or(request, "seed", uint64_t{0}), threads,
                             plan.value("launcher", "local") == "local" ? "ranks as local processes on loopback"
                                                                          : "ranks started by " + plan.value("launcher", std::string("?")) +
                                                                                hosts_of(plan));

  Section summary{"summary", "Summary", 2, {}};
  int cores = 0;
  bool oversubscribed = false;
  for (const auto& [backend, s] : plan["backends"].items()) cores = s.value("cores", cores), oversubscribed = oversubscribed || s.value("oversubscribed", false);
  KeyValues kv;
  kv.items.push_back({"job", fmt::format("{} ranks × {} threads, global batch {} split into {} per rank", n, threads,
                                         whole_or(request, "batch", int64_t{0}), whole_or(request, "batch", int64_t{0}) / std::max(n, 1))});
  kv.items.push_back({"rendezvous", fmt::format("{} ({})", plan.value("host", "?"), plan.value("launcher", "local"))});
  kv.items.push_back({"machine", fmt::format("{} cores", cores)});
  summary.blocks.push_back(kv);
  summary.blocks.push_back(Paragraph{
      oversubscribed || n * threads >= cores
          ? fmt::format("The {} ranks × {} threads take all {} cores of this machine (with the engines' own threads — gRPC, "
                        "ps-lite, Gloo — on top), so this run measures the distributed overhead, not scaling: what "
                        "a rank pays for being one of {} over doing its share alone. A scaling claim needs a rank's cores "
                        "to be its own.",
                        n, threads, cores, n)
          : fmt::format("Each rank is pinned to {} core(s) of its own ({} of {} cores in use): the speed-up over one process is a "
                        "scaling measurement on this machine.",
                        threads, n * threads, cores)});
  Table t{{"framework", "N ranks", "1 process", "1 share", "speed-up", "efficiency", "overhead", "exposed comm.",
           "comm. share", "payload / step", "received / step", "parity"},
          {false, true, true, true, true, true, true, true, true, true, true, false},
          {}};
  KeyValues engines;
  for (const auto& [backend, s] : plan["backends"].items()) {
    if (s.value("status", "") != "ok") {
      t.rows.push_back({{backend}, {s.value("status", "?") + ": " + s.value("reason", std::string()),
                                    s.value("status", "") == "unsupported" ? Tone::muted : Tone::bad}});
      while (t.rows.back().size() < t.header.size()) t.rows.back().push_back({"–"});
      continue;
    }
    const nlohmann::json& summary = s;  // a named reference: clang 14 cannot capture a structured binding
    const auto num = [&](const char* key, auto fmt_fn) {
      return summary.contains(key) ? fmt_fn(summary[key].get<double>()) : std::string("–");
    };
    engines.items.push_back({backend, s.value("engine", "") + ": " + s.value("collective", "")});
    t.rows.push_back({{backend},
                      {ms(s["median_step_seconds"])},
                      {ms(s["single"].value("median_step_seconds", nlohmann::json()))},
                      {s.contains("single_local") ? ms(s["single_local"]["median_step_seconds"]) : "–"},
                      {num("speedup", [](double v) { return fmt::format("{:.2f}×", v); })},
                      {num("scaling_efficiency", [](double v) { return format_percent(v); })},
                      {num("overhead_fraction", [](double v) { return fmt::format("{:+.0f} %", v * 100); })},
                      {s.contains("median_communication_seconds") ? ms(s["median_communication_seconds"]) : "–"},
                      {num("communication_fraction", [](double v) { return format_percent(v); })},
                      {fmt::format("{:.2f} MB", s.value("payload_bytes_per_rank_per_step", 0.0) / 1e6)},
                      {received_per_step(s)},
                      {s["parity"].value("passed", false) ? "passed" : "FAILED", parity_tone(s)}});
  }
  // The answer first: one sentence per framework, then the job's facts and the table.
  Bullets answer;
  for (const auto& [backend, s] : plan["backends"].items()) {
    if (s.value("status", "") != "ok" || !s.contains("speedup")) continue;
    answer.items.push_back(fmt::format(
        "{}: {} ranks take {} per step, one process on the whole batch {}: {:.2f}× ({} of perfect scaling), {:+.0f} % over "
        "doing one share alone; parity {}.",
        backend, n, ms(s["median_step_seconds"]), ms(s["single"].value("median_step_seconds", nlohmann::json())),
        s["speedup"].get<double>(), format_percent(s.value("scaling_efficiency", 0.0)),
        s.value("overhead_fraction", 0.0) * 100, s["parity"].value("passed", false) ? "passed" : "FAILED"));
  }
  if (!answer.items.empty()) summary.blocks.insert(summary.blocks.begin(), std::move(answer));
  summary.blocks.push_back(engines);
  summary.blocks.push_back(t);
  summary.blocks.push_back(KeyValues{{
      {"N ranks", "the job's median step (per step, its slowest rank)"},
      {"1 process", "one process on the whole global batch: the parity reference and scaling baseline"},
      {"1 share", "one process on one rank's share of the batch"},
      {"speed-up, efficiency", "1 process / N ranks; throughput(N) / (N × throughput(1))"},
      {"overhead", "N ranks / 1 share − 1: what a rank pays for being one of N"},
      {"exposed comm.", "the median time a step spent exchanging gradients after its backward pass (torch: the flat-bucket "
                        "Gloo all-reduce; MXNet: KVStore push + pull, including the wait for the slowest worker; TensorFlow: "
                        "from sampled step stats, how long the all-reduces ran on after the backward pass, since they overlap it)"},
      {"payload, received", "the gradient bytes each rank contributes per step; the bytes the kernel counted per step on "
                            "rank 0's interface while it trained, framing included (on lo: every process's traffic on the "
                            "machine; on a host's own interface: what reached rank 0's host from the others)"}}});
  doc.sections.push_back(std::move(summary));

  Section charts{"charts", "Overhead and scaling", 2, {}};
  charts.blocks.push_back(ChartBlock{chart.title, chart.svg.empty() ? "" : chart.file_name, chart.svg, chart.caption, chart.note});
  charts.blocks.push_back(ChartBlock{scaling.title, scaling.svg.empty() ? "" : scaling.file_name, scaling.svg, scaling.caption, scaling.note});
  Table sweep{{"framework", "ranks", "step", "samples/s", "speed-up", "efficiency", "overhead", "comm. share", "parity"},
              {false, true, true, true, true, true, true, true, false},
              {}};
  const nlohmann::json by_ranks = d.plan.value("scaling", nlohmann::json::object());  // named: items() of a temporary dangles
  for (const auto& [backend, jobs] : by_ranks.items())
    for (const auto& job : jobs) {
      if (job.value("status", "") != "ok") {
        sweep.rows.push_back({{backend}, {std::to_string(whole_or(job, "world_size", 0))}, {job.value("status", "?"), Tone::bad},
                              {"–"}, {"–"}, {"–"}, {"–"}, {"–"}, {"–"}});
        continue;
      }
      const auto num = [&](const char* key, auto fmt_fn) { return job.contains(key) ? fmt_fn(job[key].get<double>()) : std::string("–"); };
      sweep.rows.push_back({{backend},
                            {std::to_string(whole_or(job, "world_size", 0))},
                            {ms(job["median_step_seconds"])},
                            {num("throughput_samples_per_second", [](double v) { return format_sig(v); })},
                            {num("speedup", [](double v) { return fmt::format("{:.2f}×", v); })},
                            {num("scaling_efficiency", [](double v) { return format_percent(v); })},
                            {num("overhead_fraction", [](double v) { return fmt::format("{:+.0f} %", v * 100); })},
                            {num("communication_fraction", [](double v) { return format_percent(v); })},
                            {job["parity"].value("passed", false) ? "passed" : "FAILED", parity_tone(job)}});
    }
  if (d.plan.value("world_sizes", nlohmann::json::array()).size() > 1) charts.blocks.push_back(sweep);
  doc.sections.push_back(std::move(charts));

  Section parity{"parity", "Parity", 2, {}};
  Table p{{"framework", "ranks identical", "ranks max rel. diff.", "loss vs 1 process", "parameters vs 1 process", "verdict"},
          {false, false, true, true, true, false},
          {}};
  for (const auto& [backend, s] : plan["backends"].items()) {
    if (!s.contains("parity")) continue;
    const auto& q = s["parity"];
    const auto& single = q.value("against_single", nlohmann::json());
    p.rows.push_back({{backend},
                      {q.value("ranks_identical", false) ? "bit for bit" : "no", q.value("ranks_identical", false) ? Tone::good : Tone::warn},
                      {q["ranks_max_relative_difference"].is_number() ? format_sci(q["ranks_max_relative_difference"].get<double>()) : "–"},
                      {single.is_object() ? format_sci(single.value("loss_max_relative_difference", 0.0)) : "–"},
                      {single.is_object() && single["parameters_max_relative_difference"].is_number()
                           ? format_sci(single["parameters_max_relative_difference"].get<double>()) : "–"},
                      {q.value("verdict", ""), parity_tone(s)}});
  }
  double tolerance = 0;
  for (const auto& [backend, s] : plan["backends"].items())
    if (s.contains("parity")) tolerance = s["parity"].value("tolerance", tolerance);
  parity.blocks.push_back(Paragraph{fmt::format(
      "Every rank starts from rank 0's parameters (each engine's own broadcast), takes its share of the same seeded "
      "global batches, and averages gradients before the update. After the last step every rank's parameters are "
      "compared with rank 0's, and the job (its step loss: the mean of the ranks' losses) with one process trained on "
      "the whole global batches. Tolerance: {} (relative). Batch norm would use per-rank statistics, as the frameworks' "
      "data-parallel training does, so parity with one process holds only for networks without it.",
      format_sci(tolerance))});
  parity.blocks.push_back(p);
  doc.sections.push_back(std::move(parity));

  Section ranks{"ranks", "Per rank", 2, {}};
  Table r{{"framework", "rank", "status", "median step", "exposed comm.", "peak memory", "cores busy"},
          {false, true, false, true, true, true, true},
          {}};
  for (const auto& [backend, s] : plan["backends"].items()) {
    for (const auto& rank : s.value("ranks", nlohmann::json::array())) {
      const int k = whole_or(rank, "rank", 0);
      nlohmann::json detail;
      for (const auto& pr : s.value("per_rank", nlohmann::json::array()))
        if (whole_or(pr, "rank", -1) == k) detail = pr;
      const bool good = rank.value("status", "") == "ok";
      r.rows.push_back({{backend},
                        {std::to_string(k)},
                        {good ? "ok" : rank.value("status", "?") + ": " + rank.value("reason", std::string()), good ? Tone::plain : Tone::bad},
                        {detail.is_object() ? ms(detail["median_step_seconds"]) : "–"},
                        {detail.is_object() ? ms(detail["median_communication_seconds"]) : "–"},
                        {detail.is_object() ? fmt::format("{:.0f} MiB", detail.value("max_rss_mib", 0.0)) : "–"},
                        {detail.is_object() ? fmt::format("{:.2f}", detail.value("cpu_utilisation_cores", 0.0)) : "–"}});
    }
  }
  ranks.blocks.push_back(r);
  doc.sections.push_back(std::move(ranks));

  Section machine{"machine", "Machine and frameworks", 2, {}};
  KeyValues m;
  if (d.context.contains("machine")) {
    const auto& mc = d.context["machine"];
    if (mc.contains("cpu")) m.items.push_back({"cpu", fmt::format("{} ({} cores)", mc["cpu"].value("model", "?"), whole_or(mc["cpu"], "logical_cores", 0))});
    m.items.push_back({"os", mc.value("os", "?")});
  }
  for (const auto& [id, run] : d.runs)
    if (id.size() > 6 && id.substr(id.size() - 6) == "-rank0" && run.contains("framework"))
      m.items.push_back({run.value("backend", "?"), run["framework"].value("version", "?")});
  machine.blocks.push_back(m);
  doc.sections.push_back(std::move(machine));
  return doc;
}

std::string render_csv(const DistData& d) {
  std::string csv = "backend,status,world_size,median_step_seconds,single_step_seconds,single_local_step_seconds,speedup,"
                    "scaling_efficiency,overhead_fraction,communication_seconds,payload_bytes,parity_passed\n";
  const auto val = [](const nlohmann::json& j) { return j.is_number() ? fmt::format("{}", j.get<double>()) : std::string(); };
  for (const auto& [backend, s] : d.plan["backends"].items()) {
    const nlohmann::json& summary = s;  // a named reference: clang 14 cannot capture a structured binding
    const auto get = [&](const char* k) { return summary.contains(k) ? val(summary[k]) : std::string(); };
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", backend, s.value("status", ""), whole_or(s, "world_size", 0),
                       get("median_step_seconds"), s.contains("single") ? val(s["single"].value("median_step_seconds", nlohmann::json())) : "",
                       s.contains("single_local") ? val(s["single_local"]["median_step_seconds"]) : "", get("speedup"),
                       get("scaling_efficiency"), get("overhead_fraction"), get("median_communication_seconds"),
                       get("payload_bytes_per_rank_per_step"),
                       s.contains("parity") ? (s["parity"].value("passed", false) ? "true" : "false") : "");
  }
  return csv;
}

}  // namespace

bool is_distributed_folder(const fs::path& results_dir) { return fs::exists(results_dir / "distributed.json"); }

ReportFiles write_distributed_report(const fs::path& results_dir, const fs::path& out_dir) {
  const DistData d = load(results_dir);
  prepare_report_folder(out_dir);
  const Chart chart = step_chart(d), scaling = scaling_chart(d);
  return write_report_files(out_dir, {chart, scaling}, build(d, chart, scaling), render_csv(d));
}

}  // namespace versus
