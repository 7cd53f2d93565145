// Lines of code between markers, counted by the build (issue #6: the usability side of a
// framework, beside its speed). A backend marks the code that expresses one thing, e.g.
//   // loc: begin layer conv2d
//   ...
//   // loc: end
// Regions with the same name add up; lines that are blank or only a comment do not count. A
// Python source (".py") marks its regions with "# loc: begin NAME" and "# loc: end" alike.
#pragma once
#include <map>
#include <string>

namespace versus {

// name -> counted lines. Throws std::invalid_argument (naming `source` and the line) for an
// unclosed, nested or stray marker, so a broken marker fails the build instead of a number.
std::map<std::string, int> count_marked_lines(const std::string& text, const std::string& source);

// The code of each region as written (marker lines left out, indentation kept relative to the
// region's least indented line); a name used by several regions joins them with a blank line.
// What the training report shows side by side. Throws like count_marked_lines.
std::map<std::string, std::string> marked_region_text(const std::string& text, const std::string& source);

}  // namespace versus
