#include "report/framework_sections.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {
namespace {

using json = nlohmann::json;

// The dispatch path: the op's mode, or for the Python tier the frontend mode that ran it ("python: keras").
std::string mode_of(const RunRow& r) {
  const std::string mode = r.params.is_object() && r.params.contains("mode") && r.params["mode"].is_string()
                               ? r.params["mode"].get<std::string>()
                               : "?";
  return mode == "python" ? "python: " + r.variant : mode;
}

std::string micros(double seconds) { return fmt::format("{:.3f}", seconds * 1e6); }

// The dispatch runs that say something (unsupported modes are not rows), fastest first per
// thread count.
std::vector<const RunRow*> dispatch_rows(const ReportData& d) {
  std::vector<const RunRow*> rows;
  for (const RunRow& r : d.rows)
    if (r.op == "dispatch" && r.status != "unsupported") rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(), [](const RunRow* a, const RunRow* b) {
    if (a->threads != b->threads) return a->threads < b->threads;
    return a->ok() && b->ok() ? *a->median < *b->median : a->ok() > b->ok();
  });
  return rows;
}

}  // namespace

std::optional<Chart> make_dispatch_chart(const ReportData& d) {
  std::vector<const RunRow*> rows;
  for (const RunRow* r : dispatch_rows(d))
    if (r->ok() && *r->median > 0) rows.push_back(r);
  if (rows.empty()) return std::nullopt;
  Chart c{"dispatch", "Dispatch overhead: one tiny op", "chart-dispatch.svg", "", "", ""};
  c.caption = "Time of one tiny op (median; bars: 95 % CI) per framework, mode and thread count, on a log axis: "
              "the fixed cost every op of that framework pays, whatever its size.";
  render_chart(c, [&](const std::filesystem::path& dir, const std::filesystem::path& svg) {
    const std::filesystem::path data = dir / "dispatch.dat";
    std::ofstream f(data);
    f << "# index median_us ci_low_us ci_high_us label\n";
    double lo = 1e300, hi = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const RunRow& r = *rows[i];
      const double med = *r.median * 1e6, l = r.ci_low.value_or(*r.median) * 1e6, h = r.ci_high.value_or(*r.median) * 1e6;
      lo = std::min(lo, l), hi = std::max(hi, h);
      f << fmt::format("{} {} {} {} \"{} {} t{}\"\n", i, med, l, h, r.backend, mode_of(r), r.threads);
    }
    std::string gp = "set encoding utf8\n";
    gp += fmt::format("set terminal svg size 900,{} dynamic noenhanced font 'sans,13' background rgb 'white'\n",
                      160 + 40 * rows.size());
    gp += fmt::format("set output {}\n", gnuplot_quoted(svg.string()));
    gp += fmt::format("set title {}\n", gnuplot_quoted(c.title));
    gp += "set xlabel 'µs per op (median; bars: 95 % CI; log axis)'\n";
    gp += "set logscale x 10\nset format x '%g'\n";
    gp += fmt::format("set xrange [{}:{}]\n", lo / 3, hi * 3);
    gp += fmt::format("set yrange [-0.7:{}]\nset ytics scale 0\n", rows.size() - 0.3);
    gp += "set grid xtics mxtics lc rgb '#e4e4e4'\nset border 3 lc rgb '#444444'\nset tics nomirror\nunset key\n";
    const SeriesStyle st = style_at(0);
    gp += fmt::format("plot {} using 2:1:3:4:ytic(5) with xerrorbars pt 7 ps 1.3 lw 2 lc rgb '{}'\n",
                      gnuplot_quoted(data.string()), st.colour);
    return gp;
  });
  return c;
}

std::optional<Section> dispatch_section(const ReportData& d, const std::vector<Chart>& charts) {
  const std::vector<const RunRow*> rows = dispatch_rows(d);
  if (rows.empty()) return std::nullopt;
  // The native plain call is the floor: what the timing loop itself costs per iteration.
  std::map<int, double> floor;
  for (const RunRow* r : rows)
    if (r->ok() && r->backend == "native") floor[r->threads] = *r->median;

  Section s{"dispatch", "Dispatch overhead", 2, {}};
  s.blocks.push_back(Paragraph{
      "What one tiny op (one float32 addition) costs through each framework's dispatch path: the fixed cost every op "
      "pays before and after its arithmetic. Read small-shape results against it: an op whose time is close to its "
      "framework's row here is dispatch-bound, and comparing such times compares dispatch paths, not kernels."});
  for (const Chart& c : charts)
    if (c.group_key == "dispatch")
      s.blocks.push_back(ChartBlock{c.title, c.svg.empty() ? "" : c.file_name, c.svg, c.caption, c.note});
  Table t{{"Framework", "Mode", "Threads", "Median µs", "95 % CI µs", "× native call", "CV", "Status"},
          {false, false, true, true, true, true, true, false},
          {}};
  for (const RunRow* r : rows) {
    std::vector<Cell> row = {{r->backend}, {mode_of(*r), Tone::plain, true}, {std::to_string(r->threads)}};
    if (r->ok()) {
      const bool unstable = r->unstable.value_or(false);
      row.push_back({micros(*r->median)});
      row.push_back({r->ci_low && r->ci_high ? fmt::format("[{}, {}]", micros(*r->ci_low), micros(*r->ci_high)) : "—"});
      row.push_back({floor.count(r->threads) && floor[r->threads] > 0
                         ? fmt::format("{:.0f}×", *r->median / floor[r->threads])
                         : "—"});
      row.push_back({or_dash(r->cv, format_percent) + (unstable ? " UNSTABLE" : ""), unstable ? Tone::warn : Tone::plain});
      row.push_back({"ok", Tone::good});
    } else {
      for (int i = 0; i < 4; ++i) row.push_back({"—", Tone::muted});
      row.push_back({r->reason.empty() ? r->status : r->status + ": " + r->reason, Tone::bad});
    }
    t.rows.push_back(std::move(row));
  }
  s.blocks.push_back(std::move(t));
  s.blocks.push_back(Paragraph{
      "Modes: `graph` — TF_SessionRun of a one-node graph; `eager` — TFE_Execute (TensorFlow) or one ATen call "
      "(libtorch); `imperative` — MXImperativeInvoke and the wait on MXNet's engine; `cachedop` — an MXNet CachedOp "
      "(what hybridize() runs) and the wait; `call` — a plain C++ call, the harness's own floor; `python: MODE` — "
      "the Python tier, the op as a user of that frontend calls it: `torch.add` (python) or `torch.compile(torch.add)` "
      "(compile), `keras.ops.add` eager (keras, keras-eager) or a `tf.function` without or with XLA (keras-nojit, "
      "keras-xla), `mx.nd.elemwise_add` or a hybridized block (gluon, gluon-hybridized), each synchronised."});
  return s;
}

std::optional<Section> family_section(const ReportData& d) {
  struct Family {
    std::map<std::string, int> wins;
    std::map<std::string, std::vector<double>> ratios;  // framework -> time ÷ fastest, per shape
    int shapes = 0;
  };
  // (op, direction, device, threads) -> shape -> framework -> median
  std::map<std::string, std::map<std::string, std::map<std::string, double>>> medians;
  for (const RunRow& r : d.rows)
    if (r.ok() && r.backend != "native" && r.op != "dispatch") {
      const std::string family = fmt::format("{} {} · {} · {} thread{}", r.op, r.direction, r.device, r.threads,
                                             r.threads == 1 ? "" : "s");
      double& m = medians[family][r.shape][r.label()];
      m = m > 0 ? std::min(m, *r.median) : *r.median;
    }
  std::map<std::string, Family> families;
  for (const auto& [family, shapes] : medians)
    for (const auto& [shape, by_framework] : shapes) {
      if (by_framework.size() < 2) continue;
      const auto best = std::min_element(by_framework.begin(), by_framework.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
      Family& f = families[family];
      ++f.shapes;
      ++f.wins[best->first];
      for (const auto& [fw, m] : by_framework) f.ratios[fw].push_back(m / best->second);
    }
  if (families.empty()) return std::nullopt;
  Section s{"families", "Fastest framework per op", 2, {}};
  s.blocks.push_back(Paragraph{
      "Per op and direction, over every shape at which two or more frameworks ran: how often each was the fastest, "
      "and the geometric mean over those shapes of its median time ÷ the fastest framework's (1.00 = always the "
      "fastest). native is the reference and is left out. Medians only: see the per-op tables for the intervals."});
  Table t{{"Op", "Shapes", "Fastest at (shapes)", "Time ÷ fastest, geometric mean"}, {false, true, false, false}, {}};
  for (const auto& [family, f] : families) {
    std::vector<std::pair<std::string, int>> wins(f.wins.begin(), f.wins.end());
    std::stable_sort(wins.begin(), wins.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::pair<std::string, double>> means;
    for (const auto& [fw, ratios] : f.ratios) {
      double log_sum = 0;
      for (double x : ratios) log_sum += std::log(x);
      means.emplace_back(fw, std::exp(log_sum / static_cast<double>(ratios.size())));
    }
    std::stable_sort(means.begin(), means.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    std::vector<std::string> win_text, mean_text;
    for (const auto& [fw, n] : wins) win_text.push_back(fmt::format("{} ({})", fw, n));
    for (const auto& [fw, m] : means) mean_text.push_back(fmt::format("{} {:.2f}", fw, m));
    t.rows.push_back({{family}, {std::to_string(f.shapes)}, {fmt::format("{}", fmt::join(win_text, ", "))},
                      {fmt::format("{}", fmt::join(mean_text, ", "))}});
  }
  s.blocks.push_back(std::move(t));
  return s;
}

std::optional<Section> support_section(const ReportData& d) {
  const json& fw = d.context.is_object() && d.context.contains("frameworks") ? d.context["frameworks"] : json();
  std::vector<std::string> names;
  if (fw.is_object())
    for (const auto& [name, info] : fw.items())
      if (info.is_object() && info.contains("support") && info["support"].is_object()) names.push_back(name);
  if (names.empty()) return std::nullopt;

  Section s{"support", "What each framework offers", 2, {}};
  Bullets sources;
  for (const std::string& n : names) {
    const json& sup = fw[n]["support"];
    const json count = sup.value("registered_ops", json());
    sources.items.push_back(fmt::format("{}: {} registered ops, asked through `{}`.", n,
                                        count.is_number_integer() && count.get<int64_t>() >= 0 ? count.dump() : "an unknown number of",
                                        sup.value("source", std::string("?"))));
  }
  s.blocks.push_back(Paragraph{
      "Each framework was asked, through its own registry, for the operators that provide each capability; a name "
      "listed is registered in the installed build. A dash means no operator of its own: the note says how the "
      "framework provides it instead (often composed in Python), or that it does not."});
  s.blocks.push_back(std::move(sources));

  // Rows in the order the first framework lists them (every worker uses the same capability list).
  Table t{{"Kind", "Capability"}, {false, false}, {}};
  for (const std::string& n : names) {
    t.header.push_back(n);
    t.numeric.push_back(false);
  }
  const json& first = fw[names.front()]["support"]["entries"];
  if (!first.is_array()) return s;
  for (const json& e : first) {
    const std::string id = e.value("id", std::string());
    std::vector<Cell> row = {{e.value("kind", std::string())}, {e.value("what", id)}};
    for (const std::string& n : names) {
      const json& entries = fw[n]["support"]["entries"];
      const json* mine = nullptr;
      if (entries.is_array())
        for (const json& x : entries)
          if (x.value("id", std::string()) == id) mine = &x;
      if (!mine) {
        row.push_back({"not asked", Tone::muted});
        continue;
      }
      std::vector<std::string> found;
      if (mine->contains("found") && (*mine)["found"].is_array())
        for (const json& f : (*mine)["found"]) found.push_back(f.get<std::string>());
      const std::string note = mine->value("note", std::string());
      if (found.empty()) {
        row.push_back({note.empty() ? "—" : "— " + note, Tone::muted});
      } else {
        std::string text = fmt::format("`{}`", fmt::join(found, "`, `"));
        if (mine->value("api_class", false)) text += " (C++ class)";
        if (!note.empty()) text += " — " + note;
        row.push_back({text, Tone::good});
      }
    }
    t.rows.push_back(std::move(row));
  }
  s.blocks.push_back(std::move(t));
  return s;
}

}  // namespace versus
