// Number formatting shared by the report renderers: times in a readable unit, a few
// significant digits, and the escaping each output format needs.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace versus {

// A time unit chosen for a value, so that a median and its interval print in the same unit.
struct TimeUnit {
  double scale;      // seconds × scale = value in this unit
  const char* name;  // "ns", "µs", "ms", "s"
};
TimeUnit time_unit_for(double seconds);
std::string format_time(double seconds);                 // "42.9 µs"
std::string format_in_unit(double seconds, TimeUnit u);  // "42.9" (no unit)
std::string format_sig(double value);                    // three significant digits, no exponent above 1e-3
std::string format_sci(double value);                    // "1.1e-07"
std::string format_percent(double fraction);             // 0.464 -> "46.4 %"
std::string or_dash(const std::optional<double>& v, std::string (*f)(double));

std::string escape_html(std::string_view text);
// Markdown text inside a table cell: pipes escaped, line breaks flattened.
std::string escape_markdown_cell(std::string_view text);

}  // namespace versus
