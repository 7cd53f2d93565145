#include "report/report_format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace versus {

TimeUnit time_unit_for(double s) {
  const double a = std::fabs(s);
  if (a < 1e-6) return {1e9, "ns"};
  if (a < 1e-3) return {1e6, "µs"};
  if (a < 1) return {1e3, "ms"};
  return {1, "s"};
}

std::string format_in_unit(double seconds, TimeUnit u) { return format_sig(seconds * u.scale); }

std::string format_time(double seconds) {
  const TimeUnit u = time_unit_for(seconds);
  return format_in_unit(seconds, u) + " " + u.name;
}

std::string format_sig(double v) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  const double a = std::fabs(v);
  if (a != 0 && a < 1e-3) return format_sci(v);
  // Three significant digits, but never fewer digits than the integer part has.
  const int decimals = a == 0 ? 0 : std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 5);
  return fmt::format("{:.{}f}", v, decimals);
}

std::string format_sci(double v) { return fmt::format("{:.2g}", v); }

std::string format_percent(double fraction) { return format_sig(fraction * 100) + " %"; }

std::string or_dash(const std::optional<double>& v, std::string (*f)(double)) {
  return v ? f(*v) : "—";
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace versus
