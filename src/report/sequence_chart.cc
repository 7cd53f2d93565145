#include "report/sequence_chart.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/report_format.h"

namespace versus {
namespace {

struct SeqPoint {
  double seq, y, lo, hi;
};

struct SeqSeries {
  std::string title;
  std::vector<SeqPoint> points;  // by seq
  std::vector<std::string> failures;  // "seq 2048: oom (reason)"
};

// The y of a run on one chart, or nothing when it has none (failed, or no memory recorded).
using Measure = std::optional<SeqPoint> (*)(const RunRow&);

std::optional<SeqPoint> time_point(const RunRow& r) {
  if (!r.ok() || !r.median) return std::nullopt;
  return SeqPoint{0, *r.median, r.ci_low.value_or(*r.median), r.ci_high.value_or(*r.median)};
}
std::optional<SeqPoint> memory_point(const RunRow& r) {
  if (!r.ok() || !r.first_run_memory_mib || *r.first_run_memory_mib <= 0) return std::nullopt;
  return SeqPoint{0, *r.first_run_memory_mib, *r.first_run_memory_mib, *r.first_run_memory_mib};
}

std::vector<SeqSeries> series_of(const RowGroup& g, Measure measure) {
  std::map<std::string, SeqSeries> by_title;
  for (const RunRow* r : g.rows) {
    const std::string title = sequence_series_title(*r);
    if (title.empty() || !r->params["seq"].is_number_integer()) continue;
    SeqSeries& s = by_title[title];
    s.title = title;
    const double seq = r->params["seq"].get<double>();
    if (auto p = measure(*r)) {
      p->seq = seq;
      s.points.push_back(*p);
    } else if (!r->ok()) {
      s.failures.push_back(fmt::format("seq {}: {}", seq, r->status));
    }
  }
  std::vector<SeqSeries> out;
  for (auto& [title, s] : by_title) {
    std::sort(s.points.begin(), s.points.end(), [](const SeqPoint& a, const SeqPoint& b) { return a.seq < b.seq; });
    out.push_back(std::move(s));
  }
  return out;
}

// The series a chart can draw: two lengths or more.
std::vector<SeqSeries> plottable(const std::vector<SeqSeries>& all) {
  std::vector<SeqSeries> out;
  for (const SeqSeries& s : all)
    if (s.points.size() >= 2) out.push_back(s);
  return out;
}

// gnuplot for one chart: the series, then c·seq² through the last point of the series lowest
// there, so the line stays in view where the quadratic regime shows (the long sequences).
std::string script(const RowGroup& g, const std::vector<SeqSeries>& series, bool memory, const std::filesystem::path& dir,
                   const std::filesystem::path& svg) {
  double x_lo = 1e300, x_hi = 0, y_lo = 1e300, y_hi = 0;
  const SeqSeries* anchor = &series.front();
  for (const SeqSeries& s : series) {
    for (const SeqPoint& p : s.points)
      x_lo = std::min(x_lo, p.seq), x_hi = std::max(x_hi, p.seq), y_lo = std::min(y_lo, p.lo), y_hi = std::max(y_hi, p.hi);
    if (s.points.back().seq > anchor->points.back().seq ||
        (s.points.back().seq == anchor->points.back().seq && s.points.back().y < anchor->points.back().y))
      anchor = &s;
  }
  const TimeUnit u = memory ? TimeUnit{1, "MiB"} : time_unit_for(std::sqrt(y_lo * y_hi));
  const SeqPoint& at = anchor->points.back();
  const double c = at.y / (at.seq * at.seq);
  std::string gp = gnuplot_header(svg, fmt::format("{}{}: {} against sequence length", g.op, g.backward() ? " backward" : "",
                                                    memory ? "memory" : "time"));
  gp += "set xlabel 'sequence length (log2 axis)'\n";
  gp += fmt::format("set ylabel {}\n", gnuplot_quoted(memory ? "memory the first run added, MiB (log axis)"
                                                            : fmt::format("time per iteration, {} (median; bars: 95 % CI; log axis)", u.name)));
  gp += "set logscale x 2\nset logscale y 10\n";
  gp += fmt::format("set xrange [{}:{}]\n", x_lo / 1.3, x_hi * 1.3);
  gp += fmt::format("set yrange [{}:{}]\n", y_lo * u.scale / 2, y_hi * u.scale * 2);
  gp += "set grid xtics ytics mytics lc rgb '#e4e4e4' lw 1 dt 1\n";
  gp += kGnuplotFrame;
  std::string plot;
  for (size_t i = 0; i < series.size(); ++i) {
    const std::filesystem::path data = dir / fmt::format("seq{}.dat", i);
    std::ofstream f(data);
    f << "# seq y lo hi\n";
    for (const SeqPoint& p : series[i].points) f << fmt::format("{} {} {} {}\n", p.seq, p.y * u.scale, p.lo * u.scale, p.hi * u.scale);
    const SeriesStyle st = style_at(static_cast<int>(i));
    plot += fmt::format("{}{} using 1:2:3:4 with yerrorlines lw 2 pt {} ps 1.1 lc rgb '{}' title {}", plot.empty() ? "plot " : ", \\\n     ",
                        gnuplot_quoted(data.string()), st.point_type, st.colour, gnuplot_quoted(series[i].title));
  }
  plot += fmt::format(", \\\n     {}*x*x with lines dt 2 lw 2 lc rgb '#555555' title 'seq² (through the last point of {})'",
                      c * u.scale, anchor->title);
  return gp + plot + "\n";
}

// `series`: every series of the group, drawn or not, so that a failed length is always named.
std::string caption(const RowGroup& g, const std::vector<SeqSeries>& series, bool memory) {
  std::string c = fmt::format(
      "{}: {} against the sequence length, log-log. The dashed line grows as seq²: a series parallel to it is in the "
      "quadratic regime (the [seq, seq] scores dominate); a flatter one is still paying fixed or linear costs "
      "(dispatch, the projections of Q, K, V); a steeper one has left the caches.",
      g.title(), memory ? "memory the first run added (peak resident set, MiB)" : "time per iteration (median; bars: 95 % CI)");
  std::vector<std::string> failed;
  for (const SeqSeries& s : series)
    for (const std::string& f : s.failures) failed.push_back(fmt::format("{} {}", s.title, f));
  if (!failed.empty()) c += " Not plotted: " + fmt::format("{}", fmt::join(failed, "; ")) + ".";
  return c;
}

}  // namespace

std::string sequence_series_title(const RunRow& r) {
  if (!r.params.is_object() || !r.params.contains("seq")) return "";
  std::string title = r.label();
  for (const auto& [key, value] : r.params.items()) {
    if (key == "seq") continue;
    if (value.is_string()) {
      if (value != "none" && value != "framework") title += fmt::format(" {}", value.get<std::string>());
    } else {
      title += fmt::format(" {}{}", key == "head_dim" ? "d" : key.substr(0, 1), value.dump());
    }
  }
  return title;
}

std::vector<Chart> make_sequence_charts(const ReportData& data) {
  std::vector<Chart> charts;
  for (const RowGroup& g : group_rows(data)) {
    if (g.op != "attention") continue;
    for (const bool memory : {false, true}) {
      const std::vector<SeqSeries> all = series_of(g, memory ? memory_point : time_point);
      const std::vector<SeqSeries> series = plottable(all);
      if (series.empty()) continue;
      const std::string kind = memory ? "memory" : "time";
      Chart c{g.key(), fmt::format("{} — {} against sequence length", g.title(), kind),
              fmt::format("chart-{}-seq-{}.svg", g.key(), kind), caption(g, all, memory), "", ""};
      render_chart(c, [&](const std::filesystem::path& dir, const std::filesystem::path& svg) {
        return script(g, series, memory, dir, svg);
      });
      charts.push_back(std::move(c));
    }
  }
  return charts;
}

}  // namespace versus
