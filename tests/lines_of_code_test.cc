// The build's line counter (core/lines_of_code.h): what counts, how regions add up, and that a
// broken marker fails with the file and line rather than giving a number.
#include "core/lines_of_code.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace versus {
namespace {

TEST(LinesOfCode, CountsCodeLinesOfEachRegionAndAddsRegionsOfTheSameName) {
  const std::string text =
      "int outside = 0;\n"
      "// loc: begin layer dense\n"
      "int a = 1;\n"
      "\n"
      "   // a comment line does not count\n"
      "int b = 2;  // a trailing comment does not hide code\n"
      "// loc: end\n"
      "int between = 0;\n"
      "  // loc: begin train_step\n"
      "step();\n"
      "  // loc: end\n"
      "// loc: begin layer dense\n"
      "int c = 3;\n"
      "// loc: end\n";
  const auto counts = count_marked_lines(text, "x.cc");
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.at("layer dense"), 3);
  EXPECT_EQ(counts.at("train_step"), 1);
}

TEST(LinesOfCode, AnEmptyRegionIsCountedAsZero) {
  EXPECT_EQ(count_marked_lines("// loc: begin loss\n// loc: end\n", "x.cc").at("loss"), 0);
}

void expect_error(const std::string& text, const std::string& expected) {
  try {
    count_marked_lines(text, "layers.cc");
    ADD_FAILURE() << "no error for: " << text;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST(LinesOfCode, BrokenMarkersNameTheFileAndLine) {
  expect_error("int a;\n// loc: begin loss\nint b;\n", "layers.cc:2: loc region 'loss' is never ended");
  expect_error("// loc: begin a\n// loc: begin b\n// loc: end\n", "layers.cc:2: loc region 'b' begins inside 'a'");
  expect_error("int a;\n// loc: end\n", "layers.cc:2: '// loc: end' without a region");
  expect_error("// loc: start x\n", "layers.cc:1: unknown loc marker");
}

// The Python frontends mark their regions with '#': the same rules, and the regions' text for the
// report's side-by-side code (indentation relative to the region, joined regions split by a blank line).
TEST(LinesOfCode, PythonSourcesAreCountedAndTheirRegionsTextKept) {
  const std::string text =
      "def build(layer):\n"
      "    # loc: begin layer dense\n"
      "    if kind == 'dense':\n"
      "        # a comment line does not count\n"
      "        return nn.Linear(4, 2)\n"
      "    # loc: end\n"
      "# loc: begin layer dense\n"
      "class Extra:\n"
      "    pass\n"
      "# loc: end\n";
  const auto counts = count_marked_lines(text, "torch_frontend.py");
  EXPECT_EQ(counts.at("layer dense"), 4);
  const auto code = marked_region_text(text, "torch_frontend.py");
  EXPECT_EQ(code.at("layer dense"),
            "if kind == 'dense':\n    # a comment line does not count\n    return nn.Linear(4, 2)\n\nclass Extra:\n    pass\n");
  // A C++ marker in a Python file is no marker; a Python one left open is named.
  EXPECT_TRUE(count_marked_lines("// loc: begin x\n", "a.py").empty());
  try {
    count_marked_lines("# loc: begin loss\nx = 1\n", "keras_frontend.py");
    ADD_FAILURE() << "no error for an unclosed Python region";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "keras_frontend.py:1: loc region 'loss' is never ended");
  }
}

}  // namespace
}  // namespace versus
