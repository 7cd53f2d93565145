// A renderer-neutral report: sections of simple blocks. The content is decided once
// (report_content.cc); the Markdown and HTML writers only format it, so they cannot drift apart.
#pragma once
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace versus {

// How a cell or list should catch the eye; renderers map it to colour (HTML) or emphasis.
enum class Tone { plain, good, warn, bad, muted };

// Text may hold `inline code` in backticks; renderers escape everything else.
struct Cell {
  std::string text;
  Tone tone = Tone::plain;
  bool code = false;  // the whole cell is code (ids, commands)
};

struct Paragraph {
  std::string text;
};
struct Bullets {
  std::vector<std::string> items;
  Tone tone = Tone::plain;
};
struct KeyValues {
  std::vector<std::pair<std::string, std::string>> items;
};
struct Table {
  std::vector<std::string> header;
  std::vector<bool> numeric;  // right-aligned columns
  std::vector<std::vector<Cell>> rows;
};
struct CodeBlock {
  std::string title, text;
};
// Code blocks meant to be read against each other: side by side in HTML (wrapping on a narrow
// screen), one after another in Markdown.
struct CodeColumns {
  std::string title;
  std::vector<CodeBlock> columns;
};
// A chart made by gnuplot_chart: inlined in HTML, linked from Markdown.
struct ChartBlock {
  std::string title;
  std::string file;     // SVG file name next to the report; empty when no chart was made
  std::string svg;      // the SVG element itself
  std::string caption;  // what is plotted
  std::string note;     // why there is no chart, when there is none
};

using Block = std::variant<Paragraph, Bullets, KeyValues, Table, CodeBlock, CodeColumns, ChartBlock>;

struct Section {
  std::string anchor, title;
  int level = 2;  // 2: top-level section, 3: subsection
  std::vector<Block> blocks;
};

struct Document {
  std::string title, subtitle;
  std::vector<Section> sections;
};

}  // namespace versus
