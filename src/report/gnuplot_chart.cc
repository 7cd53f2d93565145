#include "report/gnuplot_chart.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "report/report_format.h"
#include "core/json_number.h"

extern char** environ;

namespace versus {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstallHint = "install gnuplot-nox (scripts/setup) for charts";
constexpr double kGnuplotTimeoutSeconds = 60;

// Colour-blind-friendly palette (Okabe-Ito, then Tableau); a backend keeps its colour and marker in
// every chart of a report.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                    "#56B4E9", "#000000", "#8c564b", "#7f7f7f", "#bcbd22"};
constexpr int kPointTypes[] = {7, 5, 9, 13, 11, 15, 6, 4, 8, 12};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "versus-chart-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// gnuplot single-quoted strings take no escapes except '' for a quote.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string last_lines(const std::string& text, int n) {
  size_t pos = text.find_last_not_of("\n ");
  if (pos == std::string::npos) return "";
  size_t begin = pos + 1;
  for (int i = 0; i < n && begin > 0; ++i) {
    const size_t nl = text.rfind('\n', begin - 1);
    begin = nl == std::string::npos ? 0 : nl;
  }
  std::string out = text.substr(begin, pos + 1 - begin);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out.substr(out.find_first_not_of(' ') == std::string::npos ? 0 : out.find_first_not_of(' '));
}

// Runs gnuplot on a script without a shell (posix_spawnp searches PATH); its output goes to a log
// file so a full pipe can never block it. Returns "" on success, else why it failed.
std::string run_gnuplot(const fs::path& script, const fs::path& log) {
  const char* env_prog = std::getenv("VERSUS_GNUPLOT");  // tests point this at a missing program
  const std::string prog = env_prog && *env_prog ? env_prog : "gnuplot";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // -d: ignore the user's ~/.gnuplot, so every machine draws the same chart.
  std::vector<std::string> args = {prog, "-d", script.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, prog.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) return fmt::format("gnuplot not found; {}", kInstallHint);
  if (rc != 0) return fmt::format("cannot start {}: {}; {}", prog, std::strerror(rc), kInstallHint);

  // A script never waits for input, but a broken gnuplot must not hang the report.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kGnuplotTimeoutSeconds);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return fmt::format("waiting for gnuplot: {}", std::strerror(errno));
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return fmt::format("gnuplot did not finish within {:.0f} s", kGnuplotTimeoutSeconds);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  const std::string said = last_lines(read_file(log), 3);
  return WIFSIGNALED(status)
             ? fmt::format("gnuplot was killed by signal {}", WTERMSIG(status))
             : fmt::format("gnuplot failed (exit code {}){}", WEXITSTATUS(status), said.empty() ? "" : ": " + said);
}

// Several SVGs inlined in one HTML page share one id space: give each chart's ids a prefix, and
// drop the XML prolog and DOCTYPE, which are not allowed inside HTML.
std::string inlinable_svg(const std::string& svg, const std::string& prefix, const std::string& title) {
  const size_t start = svg.find("<svg");
  if (start == std::string::npos) return "";
  std::string out = svg.substr(start);
  // gnuplot titles every SVG "Gnuplot"; browsers show it as the tooltip.
  if (const size_t t = out.find("<title>Gnuplot</title>"); t != std::string::npos)
    out.replace(t, 22, "<title>" + escape_html(title) + "</title>");
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"id=\"", "id=\"" + prefix}, {"id='", "id='" + prefix}, {"href=\"#", "href=\"#" + prefix},
           {"href='#", "href='#" + prefix}, {"url(#", "url(#" + prefix}}) {
    for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos + to.size()))
      out.replace(pos, from.size(), to);
  }
  return out;
}

struct Series {
  std::string title;
  int style = 0;
  std::vector<const RunRow*> points;
};

std::string chart_file_name(const RowGroup& g) {
  return "chart-" + g.key() + ".svg";
}

std::string caption_for(const RowGroup& g, double peak, const nlohmann::json& context, int not_plotted) {
  std::string c = fmt::format(
      "{}: GFLOP/s (median; bars: 95 % CI) against size s = ∛(m·n·k), which is m = n = k for square "
      "shapes, on a log2 axis. Points of one size are nudged sideways so bars do not hide each other.",
      g.title());
  if (peak > 0)
    c += fmt::format(" Dashed line: the measured peak for {} thread{}, {} GFLOP/s (roofline: {} GFLOP/s with {} threads).",
                     g.threads, g.threads == 1 ? "" : "s", format_sig(peak),
                     format_sig(context["roofline"].value("peak_gflops", 0.0)), whole_or(context["roofline"], "threads", 1));
  if (not_plotted > 0)
    c += fmt::format(" {} run{} without a timing (failed, unsupported or not run) are not plotted; see the table.",
                     not_plotted, not_plotted == 1 ? "" : "s");
  return c;
}

std::string chart_title(const RowGroup& g) {
  return fmt::format("{}{} {} on {} — {} thread{}", g.op, g.backward() ? " backward" : "", g.dtype, g.device,
                     g.threads, g.threads == 1 ? "" : "s");
}

// One point of a series: x, then the median and its 95 % interval in the chart's unit.
struct Point {
  double x, y, lo, hi;
};

// The `plot` command drawing every series as points with error bars joined by lines, each in
// its backend's colour and marker; the data files go to `dir`. Series are spread sideways by
// factors of nudge_base^(±nudge_step) so that bars at one x do not hide each other.
std::string plot_series(const std::vector<Series>& series, const fs::path& dir, const std::string& header,
                        double nudge_base, double nudge_step, const std::function<Point(const RunRow&)>& point) {
  std::string plot;
  const double n = static_cast<double>(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const fs::path data = dir / fmt::format("series{}.dat", i);
    const double nudge = std::pow(nudge_base, (static_cast<double>(i) - (n - 1) / 2) * nudge_step);
    std::ofstream f(data);
    f << "# " << header << "\n";
    for (const RunRow* r : s.points) {
      const Point p = point(*r);
      f << fmt::format("{} {} {} {}\n", p.x * nudge, p.y, p.lo, p.hi);
    }
    const int k = s.style % static_cast<int>(std::size(kColours));
    plot += fmt::format("{}{} using 1:2:3:4 with yerrorlines lw 2 pt {} ps 1.1 lc rgb '{}' title {}",
                        plot.empty() ? "plot " : ", \\\n     ", quoted(data.string()), kPointTypes[k], kColours[k],
                        quoted(s.title));
  }
  return plot;
}

std::string script_for(const RowGroup& g, const std::vector<Series>& series, double peak,
                       const fs::path& dir, const fs::path& svg_path) {
  double x_lo = 1e300, x_hi = 0, y_hi = peak;
  std::set<double> sizes;
  for (const Series& s : series)
    for (const RunRow* r : s.points) {
      x_lo = std::min(x_lo, r->size), x_hi = std::max(x_hi, r->size);
      y_hi = std::max(y_hi, r->gflops_ci_high.value_or(*r->gflops));
      sizes.insert(r->size);
    }
  std::string gp = gnuplot_header(svg_path, chart_title(g));
  gp += "set xlabel 'size s = ∛(m·n·k)   (= m = n = k for square shapes; log2 axis)'\n";
  gp += "set ylabel 'GFLOP/s   (median; bars: 95 % CI; higher is better)'\n";
  gp += "set logscale x 2\n";
  gp += fmt::format("set xrange [{}:{}]\n", x_lo / 1.5, x_hi * 1.5);
  gp += fmt::format("set yrange [0:{}]\n", y_hi * 1.08);
  if (sizes.size() <= 12) {  // label the sizes measured, not just powers of two
    std::string tics;
    for (double s : sizes) tics += fmt::format("{}'{}' {}", tics.empty() ? "" : ", ", std::lround(s), s);
    gp += fmt::format("set xtics ({})\n", tics);
  }
  gp += "set grid xtics ytics lc rgb '#d8d8d8' lw 1 dt 1\n";
  gp += kGnuplotFrame;

  // A fraction of an octave to each side: bars stay apart, positions stay readable.
  std::string plot = plot_series(series, dir, "size median ci_low ci_high (GFLOP/s)", 2.0, 0.035, [](const RunRow& r) {
    return Point{r.size, *r.gflops, r.gflops_ci_low.value_or(*r.gflops), r.gflops_ci_high.value_or(*r.gflops)};
  });
  if (peak > 0)
    plot += fmt::format(", \\\n     {} with lines dt 2 lw 2 lc rgb '#555555' title {}", peak,
                        quoted(fmt::format("measured peak {} GFLOP/s", format_sig(peak))));
  return gp + plot + "\n";
}

// Ops without m, n, k (convolutions, element-wise, losses, layouts...) are drawn as time per
// iteration against the case's work, log-log: the op's FLOPs, or the bytes it must move when it
// does no arithmetic. On such axes a constant throughput is a line of slope 1, and the flat
// left end of a curve is the framework's fixed cost per op (compare the dispatch section).
struct Work {
  double amount = 0;
  const char* unit = "FLOPs";
};

Work work_of(const RunRow& r) {
  try {
    const OpDef& op = find_op(r.op);
    CaseSpec c;
    c.op = r.op;
    c.params = r.params;
    c.direction = r.direction;
    const double flops = op.work_flops(c);
    if (flops > 0) return {flops, "FLOPs"};
    return {op.work_bytes(c), "bytes"};
  } catch (const std::exception&) {
    return {};  // an op this build does not know: not plotted
  }
}

std::string time_caption_for(const RowGroup& g, const char* unit, int not_plotted) {
  std::string c = fmt::format(
      "{}: time per iteration (median; bars: 95 % CI; lower is better) against the work of the case ({} per "
      "iteration), both on log axes. A line of slope 1 is a constant throughput; a flat left end is the framework's "
      "fixed cost per op (see Dispatch overhead when the suite measured it).",
      g.title(), unit);
  if (not_plotted > 0)
    c += fmt::format(" {} run{} without a timing (failed, unsupported or not run) are not plotted; see the table.",
                     not_plotted, not_plotted == 1 ? "" : "s");
  return c;
}

std::string time_script_for(const RowGroup& g, const std::vector<Series>& series, const char* unit,
                            const fs::path& dir, const fs::path& svg_path) {
  double x_lo = 1e300, x_hi = 0, y_lo = 1e300, y_hi = 0;
  for (const Series& s : series)
    for (const RunRow* r : s.points) {
      const double w = work_of(*r).amount;
      x_lo = std::min(x_lo, w), x_hi = std::max(x_hi, w);
      y_lo = std::min(y_lo, r->ci_low.value_or(*r->median)), y_hi = std::max(y_hi, r->ci_high.value_or(*r->median));
    }
  const TimeUnit u = time_unit_for(std::sqrt(y_lo * y_hi));
  std::string gp = gnuplot_header(svg_path, chart_title(g));
  gp += fmt::format("set xlabel {}\n", quoted(fmt::format("work per iteration ({}; log axis)", unit)));
  gp += fmt::format("set ylabel {}\n", quoted(fmt::format("time per iteration, {} (median; bars: 95 % CI; log axis)", u.name)));
  gp += "set logscale xy 10\nset format x '%.0s%c'\n";
  gp += fmt::format("set xrange [{}:{}]\n", x_lo / 2, x_hi * 2);
  gp += fmt::format("set yrange [{}:{}]\n", y_lo * u.scale / 1.5, y_hi * u.scale * 1.5);
  gp += "set grid xtics ytics mxtics mytics lc rgb '#e4e4e4' lw 1 dt 1\n";
  gp += kGnuplotFrame;
  // A small fraction of a decade to each side.
  const std::string plot =
      plot_series(series, dir, fmt::format("work median ci_low ci_high ({})", u.name), 10.0, 0.012, [u](const RunRow& r) {
        return Point{work_of(r).amount, *r.median * u.scale, r.ci_low.value_or(*r.median) * u.scale,
                     r.ci_high.value_or(*r.median) * u.scale};
      });
  return gp + plot + "\n";
}

}  // namespace

std::string gnuplot_quoted(const std::string& s) { return quoted(s); }

std::string gnuplot_header(const fs::path& svg, const std::string& title, int height) {
  return fmt::format("set encoding utf8\nset terminal svg size 900,{} dynamic noenhanced font 'sans,13' background rgb 'white'\n"
                     "set output {}\nset title {}\n",
                     height, quoted(svg.string()), quoted(title));
}

SeriesStyle style_for(const ReportData& data, const std::string& label) {
  std::set<std::string> labels;
  for (const RunRow& r : data.rows) labels.insert(r.label());
  const auto it = labels.find(label);
  const int k = static_cast<int>(std::distance(labels.begin(), it)) % static_cast<int>(std::size(kColours));
  return {kColours[k], kPointTypes[k]};
}

SeriesStyle style_at(int index) {
  const int k = index % static_cast<int>(std::size(kColours));
  return {kColours[k], kPointTypes[k]};
}

void render_chart(Chart& c, const std::function<std::string(const fs::path&, const fs::path&)>& write_script) {
  TempDir tmp;
  if (tmp.path().empty()) {
    c.note = fmt::format("no chart: cannot create a temporary folder in {}", fs::temp_directory_path().string());
    return;
  }
  const fs::path svg_path = tmp.path() / "chart.svg", script = tmp.path() / "chart.gp";
  std::ofstream(script) << write_script(tmp.path(), svg_path);
  const std::string problem = run_gnuplot(script, tmp.path() / "gnuplot.log");
  if (problem.empty()) c.svg = inlinable_svg(read_file(svg_path), c.group_key + "-", c.title);
  if (c.svg.empty()) c.note = "no chart: " + (problem.empty() ? "gnuplot wrote no SVG" : problem);
}

std::vector<Chart> make_charts(const ReportData& data) {
  // Styles are given out over the whole report so a backend looks the same in every chart.
  std::map<std::string, int> style_of;
  for (const RunRow& r : data.rows) style_of.emplace(r.label(), 0);
  int next = 0;
  for (auto& [label, style] : style_of) style = next++;

  std::vector<Chart> charts;
  std::unique_ptr<TempDir> tmp;
  for (const RowGroup& g : group_rows(data)) {
    if (g.op == "dispatch") continue;  // a table of its own (framework_sections.h)
    // Matrix products (m, n, k) are drawn as GFLOP/s against size; every other op as time
    // against work.
    bool by_size = false;
    for (const RunRow* r : g.rows) by_size = by_size || r->size > 0;
    const char* work_unit = "FLOPs";
    std::set<std::string> transposes;
    int not_plotted = 0;
    for (const RunRow* r : g.rows) {
      if (by_size) {
        if (r->size > 0) transposes.insert(r->transpose);
        if (r->size > 0 && !(r->ok() && r->gflops)) ++not_plotted;
      } else if (!r->ok() || work_of(*r).amount <= 0) {
        ++not_plotted;
      } else {
        work_unit = work_of(*r).unit;
      }
    }
    // A series is one backend:variant, split by transpose when the group mixes them, so a line
    // never joins different layouts.
    std::map<std::string, Series> by_title;
    for (const RunRow* r : g.rows) {
      if (by_size ? (r->size <= 0 || !r->ok() || !r->gflops) : (!r->ok() || work_of(*r).amount <= 0)) continue;
      const std::string title = transposes.size() > 1 ? r->label() + " " + r->transpose : r->label();
      Series& s = by_title[title];
      s.title = title, s.style = style_of[r->label()];
      s.points.push_back(r);
    }
    if (by_title.empty()) continue;
    std::vector<Series> series;
    for (auto& [title, s] : by_title) {
      std::stable_sort(s.points.begin(), s.points.end(), [by_size](auto* a, auto* b) {
        return by_size ? a->size < b->size : work_of(*a).amount < work_of(*b).amount;
      });
      series.push_back(std::move(s));
    }

    Chart c{g.key(), chart_title(g), chart_file_name(g), "", "", ""};
    // The roofline is measured on the CPU; it says nothing about a GPU case.
    const double peak = g.device == "cpu" ? peak_gflops_for(data.context, g.threads) : 0;
    c.caption = by_size ? caption_for(g, peak, data.context, not_plotted) : time_caption_for(g, work_unit, not_plotted);
    if (!tmp) tmp = std::make_unique<TempDir>();
    if (tmp->path().empty()) {
      c.note = fmt::format("no chart: cannot create a temporary folder in {}", fs::temp_directory_path().string());
      charts.push_back(std::move(c));
      continue;
    }
    const fs::path dir = tmp->path() / std::to_string(charts.size());
    fs::create_directories(dir);
    const fs::path svg_path = dir / "chart.svg", script = dir / "chart.gp";
    std::ofstream(script) << (by_size ? script_for(g, series, peak, dir, svg_path)
                                      : time_script_for(g, series, work_unit, dir, svg_path));
    const std::string problem = run_gnuplot(script, dir / "gnuplot.log");
    if (problem.empty()) c.svg = inlinable_svg(read_file(svg_path), fmt::format("c{}-", charts.size()), chart_title(g));
    if (c.svg.empty()) c.note = "no chart: " + (problem.empty() ? "gnuplot wrote no SVG" : problem);
    charts.push_back(std::move(c));
  }
  return charts;
}

}  // namespace versus
