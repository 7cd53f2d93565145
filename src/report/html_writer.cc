#include "report/html_writer.h"

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {
namespace {

// Small on purpose: the page must read well offline, printed, and in a mail attachment.
constexpr const char* kStyle = R"css(
:root { --fg: #1d2125; --muted: #6a737d; --line: #d9dde1; --bg-alt: #f6f8fa; --accent: #0b62a4;
        --good: #1a7f37; --warn-bg: #fff4ce; --warn: #7a5a00; --bad: #b42318; --bad-bg: #fdecea; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.subtitle { color: var(--muted); margin: 0 0 .6rem; }
nav { font-size: .9rem; margin: .4rem 0 1rem; }
nav a { color: var(--accent); margin-right: .9rem; text-decoration: none; }
nav a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86em; }
code { background: var(--bg-alt); padding: 0 .25em; border-radius: 3px; }
pre { background: var(--bg-alt); padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; }
.code-columns { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .6rem; }
@media (max-width: 60em) { .code-columns { grid-template-columns: minmax(0, 1fr); } }
.code-columns pre { margin: 0; height: calc(100% - 1.8em); }
.code-title { margin: 0 0 .2rem; font-weight: 600; font-size: .9em; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0 1rem; }
dl.kv dt { font-weight: 600; color: #3b4148; }
dl.kv dd { margin: 0; }
.table-wrap { overflow-x: auto; margin: .4rem 0 1rem; }
table { border-collapse: collapse; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); position: sticky; top: 0; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #fafbfc; }
.good { color: var(--good); font-weight: 600; }
.warn { background: var(--warn-bg); color: var(--warn); font-weight: 600; }
.bad { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
ul.warn { background: var(--warn-bg); color: var(--fg); font-weight: normal; padding: .6rem 1rem .6rem 2rem;
          border-left: 4px solid #e0b000; border-radius: 3px; }
figure.chart { margin: .6rem 0 1.2rem; }
figure.chart svg { width: 100%; max-width: 900px; height: auto; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .88rem; max-width: 900px; margin-top: .3rem; }
p.note { padding: .6rem .9rem; border-left: 4px solid #e0b000; background: var(--warn-bg); }
details { margin: .4rem 0; }
summary { cursor: pointer; }
@media print { nav { display: none; } th { position: static; } }
)css";

const char* tone_class(Tone t) {
  switch (t) {
    case Tone::good: return "good";
    case Tone::warn: return "warn";
    case Tone::bad: return "bad";
    case Tone::muted: return "muted";
    default: return "";
  }
}

// Escapes the text, then turns `spans` into <code>: the only markup content text may carry.
std::string inline_html(const std::string& text) {
  const std::string e = escape_html(text);
  std::string out;
  bool open = false;
  for (char c : e) {
    if (c == '`') {
      out += open ? "</code>" : "<code>";
      open = !open;
    } else {
      out += c;
    }
  }
  if (open) out += "</code>";
  return out;
}

struct Renderer {
  std::string out;

  void operator()(const Paragraph& p) { out += "<p>" + inline_html(p.text) + "</p>\n"; }
  void operator()(const Bullets& b) {
    const char* cls = tone_class(b.tone);
    out += *cls ? fmt::format("<ul class=\"{}\">\n", cls) : "<ul>\n";
    for (const auto& item : b.items) out += "<li>" + inline_html(item) + "</li>\n";
    out += "</ul>\n";
  }
  void operator()(const KeyValues& kv) {
    out += "<dl class=\"kv\">\n";
    for (const auto& [k, v] : kv.items) out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", escape_html(k), inline_html(v));
    out += "</dl>\n";
  }
  void operator()(const Table& t) {
    if (t.rows.empty()) return;
    const auto num = [&](size_t i) { return i < t.numeric.size() && t.numeric[i]; };
    out += "<div class=\"table-wrap\"><table>\n<thead><tr>";
    for (size_t i = 0; i < t.header.size(); ++i)
      out += fmt::format("<th{}>{}</th>", num(i) ? " class=\"num\"" : "", escape_html(t.header[i]));
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
      out += "<tr>";
      for (size_t i = 0; i < row.size(); ++i) {
        const Cell& c = row[i];
        std::string cls = std::string(num(i) ? "num " : "") + tone_class(c.tone);
        while (!cls.empty() && cls.back() == ' ') cls.pop_back();
        const std::string body = c.code ? "<code>" + escape_html(c.text) + "</code>" : inline_html(c.text);
        out += fmt::format("<td{}>{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"", body);
      }
      out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  void operator()(const CodeBlock& c) {
    out += fmt::format("<details><summary>{}</summary><pre>{}</pre></details>\n", inline_html(c.title),
                       escape_html(c.text));
  }
  void operator()(const CodeColumns& c) {
    out += fmt::format("<h4>{}</h4>\n<div class=\"code-columns\">\n", inline_html(c.title));
    for (const CodeBlock& col : c.columns)
      out += fmt::format("<div><p class=\"code-title\">{}</p><pre>{}</pre></div>\n", inline_html(col.title), escape_html(col.text));
    out += "</div>\n";
  }
  void operator()(const ChartBlock& c) {
    if (!c.svg.empty())
      // The SVG comes from gnuplot, not from user text: it is inlined as is.
      out += fmt::format("<figure class=\"chart\">\n{}\n<figcaption>{} (also saved as <code>{}</code>)</figcaption></figure>\n",
                         c.svg, inline_html(c.caption), escape_html(c.file));
    else
      out += fmt::format("<p class=\"note\">{}: {}</p>\n", escape_html(c.title), inline_html(c.note));
  }
};

}  // namespace

std::string render_html(const Document& doc) {
  Renderer r;
  r.out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
      escape_html(doc.title), kStyle, escape_html(doc.title));
  if (!doc.subtitle.empty()) r.out += "<p class=\"subtitle\">" + inline_html(doc.subtitle) + "</p>\n";
  r.out += "<nav>";
  for (const Section& s : doc.sections)
    if (s.level == 2) r.out += fmt::format("<a href=\"#{}\">{}</a>", escape_html(s.anchor), escape_html(s.title));
  r.out += "</nav>\n";
  for (const Section& s : doc.sections) {
    r.out += fmt::format("<h{0} id=\"{1}\">{2}</h{0}>\n", s.level, escape_html(s.anchor), escape_html(s.title));
    for (const Block& b : s.blocks) std::visit(r, b);
  }
  r.out += "</main>\n</body>\n</html>\n";
  return r.out;
}

}  // namespace versus
