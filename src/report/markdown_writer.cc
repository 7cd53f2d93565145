#include "report/markdown_writer.h"

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {
namespace {

// Code spans need a fence longer than any backtick run inside them.
std::string code_span(const std::string& text) {
  const std::string fence = text.find('`') == std::string::npos ? "`" : "``";
  return fence + (fence.size() > 1 ? " " : "") + text + (fence.size() > 1 ? " " : "") + fence;
}

std::string cell_text(const Cell& c) {
  std::string t = escape_markdown_cell(c.text);
  if (c.code) t = code_span(t);
  // Plain Markdown has no colour: failures and warnings are made bold so they stand out.
  if ((c.tone == Tone::bad || c.tone == Tone::warn) && !t.empty() && t != "—") t = "**" + t + "**";
  return t;
}

struct Renderer {
  std::string out;

  void operator()(const Paragraph& p) { out += p.text + "\n\n"; }
  void operator()(const Bullets& b) {
    for (const auto& item : b.items) out += "- " + item + "\n";
    out += "\n";
  }
  void operator()(const KeyValues& kv) {
    for (const auto& [k, v] : kv.items) out += fmt::format("- **{}**: {}\n", k, v);
    out += "\n";
  }
  void operator()(const Table& t) {
    if (t.rows.empty()) return;
    std::string head = "|", rule = "|";
    for (size_t i = 0; i < t.header.size(); ++i) {
      head += fmt::format(" {} |", escape_markdown_cell(t.header[i]));
      rule += i < t.numeric.size() && t.numeric[i] ? " ---: |" : " --- |";
    }
    out += head + "\n" + rule + "\n";
    for (const auto& row : t.rows) {
      out += "|";
      for (const Cell& c : row) out += fmt::format(" {} |", cell_text(c));
      out += "\n";
    }
    out += "\n";
  }
  void operator()(const CodeBlock& c) {
    const std::string fence = c.text.find("```") == std::string::npos ? "```" : "~~~~";
    out += fmt::format("**{}**\n\n{}\n{}\n{}\n\n", c.title, fence, c.text, fence);
  }
  void operator()(const CodeColumns& c) {
    out += fmt::format("#### {}\n\n", c.title);
    for (const CodeBlock& col : c.columns) (*this)(col);
  }
  void operator()(const ChartBlock& c) {
    if (!c.file.empty())
      out += fmt::format("![{}]({})\n\n*{}*\n\n", c.title, c.file, c.caption);
    else
      out += fmt::format("> {}: {}\n\n", c.title, c.note);
  }
};

}  // namespace

std::string render_markdown(const Document& doc) {
  Renderer r;
  r.out = "# " + doc.title + "\n\n";
  if (!doc.subtitle.empty()) r.out += doc.subtitle + "\n\n";
  for (const Section& s : doc.sections) {
    r.out += std::string(static_cast<size_t>(s.level), '#') + " " + s.title + "\n\n";
    for (const Block& b : s.blocks) std::visit(r, b);
  }
  while (r.out.size() > 1 && r.out.ends_with("\n\n")) r.out.pop_back();
  return r.out;
}

}  // namespace versus
