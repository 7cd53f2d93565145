// Throughput-against-size charts, drawn by gnuplot (run as a child process) as SVG.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "report/report_model.h"

namespace versus {

struct Chart {
  std::string group_key;  // RowGroup::key() of the rows plotted
  std::string title;
  std::string file_name;  // name next to the report, e.g. "chart-gemm-cpu-float32-t2.svg"
  std::string caption;    // what is plotted, in words
  std::string svg;        // the <svg> element, ids made unique per chart; empty when not drawn
  std::string note;       // why there is no chart (gnuplot missing or failed)
};

// One chart per op × direction × device × dtype × thread count that has sized shapes and at least one
// successful run. Never throws for a missing or failing gnuplot: the chart gets a note instead.
std::vector<Chart> make_charts(const ReportData& data);

// Shared by every chart kind: the same backend keeps the same colour and marker in a report.
struct SeriesStyle {
  const char* colour;
  int point_type;
};
SeriesStyle style_for(const ReportData& data, const std::string& label);
// The style of the index-th series (wraps around the palette).
SeriesStyle style_at(int index);
// The first lines of every chart's script: UTF-8, an SVG terminal `height` pixels high writing to
// `svg`, and the title.
std::string gnuplot_header(const std::filesystem::path& svg, const std::string& title, int height = 560);
// The look the op charts share: light grid, axes left and bottom, the legend below the plot
// (it leaves the plot its full width however many series there are), wide error-bar caps.
inline constexpr const char* kGnuplotFrame =
    "set border 3 lc rgb '#444444'\nset tics nomirror\n"
    "set key below center horizontal Left reverse samplen 2 width 2 spacing 1.2 height 1.5\nset bars 1.5\n";
// gnuplot single-quoted string literal.
std::string gnuplot_quoted(const std::string& s);
// Runs `script` (which must `set output` to `svg_path`) and fills c.svg, or c.note on failure.
// `write_script` gets a fresh folder for data files and the SVG path to write.
void render_chart(Chart& c, const std::function<std::string(const std::filesystem::path& dir,
                                                            const std::filesystem::path& svg)>& write_script);

}  // namespace versus
