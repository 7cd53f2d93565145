#include "report/roofline_chart.h"

#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {

std::vector<Chart> make_roofline_charts(const ReportData& data) {
  std::vector<Chart> charts;
  if (!data.context.contains("roofline")) return charts;
  const double bandwidth = data.context["roofline"].value("bandwidth_gbs", 0.0);
  // threads -> label -> runs
  std::map<int, std::map<std::string, std::vector<const RunRow*>>> by_threads;
  for (const RunRow& r : data.rows)
    // dispatch measures a fixed cost, not throughput (its own chart: framework_sections.h)
    if (r.ok() && r.gflops && r.device == "cpu" && r.flops > 0 && r.gbps && *r.gbps > 0 && r.op != "dispatch")
      by_threads[r.threads][r.label()].push_back(&r);
  for (const auto& [threads, series_of_threads] : by_threads) {
    const auto& series = series_of_threads;  // named: clang 14 cannot capture a structured binding
    const double peak = peak_gflops_for(data.context, threads);
    if (peak <= 0 || bandwidth <= 0) continue;
    Chart c{fmt::format("roofline-cpu-t{}", threads), fmt::format("Roofline — cpu, {} thread{}", threads, threads == 1 ? "" : "s"),
            fmt::format("chart-roofline-cpu-t{}.svg", threads), "", "", ""};
    c.caption = fmt::format(
        "Each successful run at its arithmetic intensity (flop per byte of compulsory traffic: inputs read "
        "once, outputs written once) and its median GFLOP/s, log-log. Lines: the measured roofline, "
        "min({} GFLOP/s, {} GB/s × intensity). Points far below the roof at high intensity lose to the "
        "library or framework, not to the machine; at low intensity, to memory or per-op overhead.",
        format_sig(peak), format_sig(bandwidth));
    render_chart(c, [&](const std::filesystem::path& dir, const std::filesystem::path& svg) {
      double x_lo = 1e300, x_hi = 0, y_lo = 1e300;
      for (const auto& [label, rows] : series)
        for (const RunRow* r : rows) {
          const double ai = *r->gflops / *r->gbps;
          x_lo = std::min(x_lo, ai), x_hi = std::max(x_hi, ai), y_lo = std::min(y_lo, *r->gflops);
        }
      x_lo = std::min(x_lo, peak / bandwidth) / 2, x_hi = std::max(x_hi, peak / bandwidth) * 2;
      std::string gp = "set encoding utf8\n";
      gp += "set terminal svg size 900,560 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
      gp += fmt::format("set output {}\n", gnuplot_quoted(svg.string()));
      gp += fmt::format("set title {}\n", gnuplot_quoted(c.title));
      gp += "set xlabel 'arithmetic intensity (flop/byte, log scale)'\n";
      gp += "set ylabel 'GFLOP/s (median, log scale)'\n";
      gp += "set logscale xy\n";
      gp += fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", x_lo, x_hi, std::max(1e-3, y_lo / 3), peak * 2);
      gp += "set grid lc rgb '#d8d8d8'\nset border 3 lc rgb '#444444'\nset tics nomirror\n";
      gp += "set key below center horizontal Left reverse samplen 2 width 2 spacing 1.2\n";
      gp += "set samples 400\n";
      std::string plot = fmt::format("plot (x*{} < {} ? x*{} : {}) with lines dt 2 lw 2 lc rgb '#555555' title {}",
                                     bandwidth, peak, bandwidth, peak,
                                     gnuplot_quoted(fmt::format("roofline: {} GFLOP/s, {} GB/s", format_sig(peak),
                                                                format_sig(bandwidth))));
      int i = 0;
      for (const auto& [label, rows] : series) {
        const std::filesystem::path file = dir / fmt::format("series{}.dat", i++);
        std::ofstream f(file);
        for (const RunRow* r : rows) f << fmt::format("{} {}\n", *r->gflops / *r->gbps, *r->gflops);
        const SeriesStyle st = style_for(data, label);
        plot += fmt::format(", \\\n     {} using 1:2 with points pt {} ps 1.2 lc rgb '{}' title {}",
                            gnuplot_quoted(file.string()), st.point_type, st.colour, gnuplot_quoted(label));
      }
      return gp + plot + "\n";
    });
    charts.push_back(std::move(c));
  }
  return charts;
}

}  // namespace versus
