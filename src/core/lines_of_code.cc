#include "core/lines_of_code.h"

#include <algorithm>
#include <sstream>
#include <vector>
#include <stdexcept>

namespace versus {
namespace {

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

namespace {

// Walks the regions of `text`, calling take(region, line) for every line inside one; checks the markers.
template <typename Take>
void walk_regions(const std::string& text, const std::string& source, Take take) {
  const bool python = source.size() > 3 && source.compare(source.size() - 3, 3, ".py") == 0;
  const std::string comment = python ? "#" : "//";
  const std::string begin = comment + " loc: begin ", end = comment + " loc: end", any = comment + " loc:";
  std::istringstream in(text);
  std::string line, open;  // open: the region being read
  int number = 0, opened_at = 0;
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(source + ":" + std::to_string(number) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++number;
    const std::string t = trimmed(line);
    if (t.rfind(begin, 0) == 0) {
      if (!open.empty()) fail("loc region '" + t.substr(begin.size()) + "' begins inside '" + open + "'");
      open = trimmed(t.substr(begin.size()));
      opened_at = number;
      if (open.empty()) fail("a loc region needs a name");
      take(open, nullptr);
    } else if (t == end) {
      if (open.empty()) fail("'" + end + "' without a region");
      open.clear();
    } else if (t.rfind(any, 0) == 0) {
      fail("unknown loc marker '" + t + "' (use '" + begin + "NAME' and '" + end + "')");
    } else if (!open.empty()) {
      take(open, &line);
    }
  }
  if (!open.empty()) {
    number = opened_at;
    fail("loc region '" + open + "' is never ended");
  }
}

bool is_comment(const std::string& trimmed_line, bool python) {
  return trimmed_line.rfind(python ? "#" : "//", 0) == 0;
}

}  // namespace

std::map<std::string, int> count_marked_lines(const std::string& text, const std::string& source) {
  const bool python = source.size() > 3 && source.compare(source.size() - 3, 3, ".py") == 0;
  std::map<std::string, int> counts;
  walk_regions(text, source, [&](const std::string& region, const std::string* line) {
    if (!line) {
      counts[region] += 0;
      return;
    }
    const std::string t = trimmed(*line);
    if (!t.empty() && !is_comment(t, python)) ++counts[region];
  });
  return counts;
}

std::map<std::string, std::string> marked_region_text(const std::string& text, const std::string& source) {
  std::map<std::string, std::vector<std::vector<std::string>>> regions;  // name -> its regions' lines
  walk_regions(text, source, [&](const std::string& region, const std::string* line) {
    if (!line) regions[region].emplace_back();
    else regions[region].back().push_back(*line);
  });
  std::map<std::string, std::string> out;
  for (const auto& [name, parts] : regions) {
    std::string joined;
    for (const auto& lines : parts) {
      size_t indent = std::string::npos;
      for (const auto& l : lines)
        if (!trimmed(l).empty()) indent = std::min(indent, l.find_first_not_of(" \t"));
      if (!joined.empty()) joined += "\n";
      for (const auto& l : lines) joined += (trimmed(l).empty() ? std::string() : l.substr(indent)) + "\n";
    }
    out[name] = joined;
  }
  return out;
}

}  // namespace versus
