// Numeric CSV files: one sample per line, comma-separated numbers, no quoting — the CSV edition
// of an image dataset (label, then one column per pixel), as `versus data export --format csv`
// writes it and Fashion-MNIST's CSV edition holds it. The reader is versus's own floor in the
// load-time ops; every malformed line is named with its number, never skipped or padded.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace versus::data {

struct CsvNumbers {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<float> values;  // rows × columns, row-major
};

// Parses `text` (from `origin`, which only labels messages) into rows of exactly `columns`
// numbers. A header line is skipped when `header`. Throws UserError naming the origin and line:
// a wrong number of columns, a field that is not a number, an empty line, a last line cut short.
CsvNumbers parse_csv_numbers(std::string_view text, int64_t columns, bool header, const std::string& origin);
// The same for a file (".gz" is decompressed).
CsvNumbers read_csv_numbers(const std::filesystem::path& path, int64_t columns, bool header = false);

// Image dataset rows: the label, then the pixels as integers 0..255 (bytes of `pixels` per
// sample, `pixels.size() / labels.size()` columns after the label); an optional header line
// "label,pixel1,...".
std::string encode_image_csv(std::string_view labels, std::string_view pixels, bool header);

}  // namespace versus::data

namespace versus {
struct Dataset;
}

namespace versus::data {

// Writes `ds`'s splits as `<name>_train.csv` and `<name>_test.csv` under `dir` (atomically), the
// pixels back as the bytes they were read from. Returns the files. Image datasets only.
std::vector<std::filesystem::path> export_image_csv(const Dataset& ds, const std::filesystem::path& dir, bool header);

}  // namespace versus::data
