#include "core/lines_of_code.h"

#include <sstream>
#include <stdexcept>

namespace versus {
namespace {

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

std::map<std::string, int> count_marked_lines(const std::string& text, const std::string& source) {
  std::map<std::string, int> counts;
  std::istringstream in(text);
  std::string line, open;  // open: the region being counted
  int number = 0, opened_at = 0;
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(source + ":" + std::to_string(number) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++number;
    const std::string t = trimmed(line);
    if (t.rfind("// loc: begin ", 0) == 0) {
      if (!open.empty()) fail("loc region '" + t.substr(14) + "' begins inside '" + open + "'");
      open = trimmed(t.substr(14));
      opened_at = number;
      if (open.empty()) fail("a loc region needs a name");
      counts[open] += 0;
    } else if (t == "// loc: end") {
      if (open.empty()) fail("'// loc: end' without a region");
      open.clear();
    } else if (t.rfind("// loc:", 0) == 0) {
      fail("unknown loc marker '" + t + "' (use '// loc: begin NAME' and '// loc: end')");
    } else if (!open.empty() && !t.empty() && t.rfind("//", 0) != 0) {
      ++counts[open];
    }
  }
  if (!open.empty()) {
    number = opened_at;
    fail("loc region '" + open + "' is never ended");
  }
  return counts;
}

}  // namespace versus
