#include "data/csv_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/atomic_file.h"
#include "data/dataset.h"
#include "data/file_io.h"

namespace versus::data {
namespace {

// Said of a fault in a last line that has no line end: the file was probably cut short.
constexpr const char* kCutShort = " (the file ends inside this line: truncated?)";

// The field as the message shows it: at most 20 characters.
std::string shown(std::string_view field) {
  return field.size() <= 20 ? std::string(field) : std::string(field.substr(0, 20)) + "...";
}

// Pixels and labels are small integers: an integer parse is several times faster than a float
// one, and exact; anything else (a fraction, an exponent) falls back to the float parse.
std::optional<float> parse_number(std::string_view field) {
  const char* end = field.data() + field.size();
  int i = 0;
  const auto as_int = std::from_chars(field.data(), end, i);
  if (as_int.ec == std::errc() && as_int.ptr == end && i > -(1 << 24) && i < (1 << 24)) return static_cast<float>(i);
  float v = 0;
  const auto as_float = std::from_chars(field.data(), end, v);
  if (as_float.ec != std::errc() || as_float.ptr != end || field.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

CsvNumbers parse_csv_numbers(std::string_view text, int64_t columns, bool header, const std::string& origin) {
  if (columns < 1) throw std::invalid_argument("parse_csv_numbers: columns must be at least 1");
  CsvNumbers out;
  out.columns = columns;
  size_t pos = 0;
  int64_t line = 0;
  if (header) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) throw UserError(fmt::format("{}: no line after the header", origin));
    pos = end + 1;
    ++line;
  }
  // Most files are all data: reserve for them, so a large file is not copied as it grows.
  out.values.reserve(static_cast<size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos), text.end(), '\n')) *
                     static_cast<size_t>(columns));
  while (pos < text.size()) {
    ++line;
    size_t end = text.find('\n', pos);
    const bool last_without_newline = end == std::string_view::npos;
    if (last_without_newline) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);  // written on Windows
    pos = end + 1;
    if (row.empty())
      throw UserError(fmt::format("{} line {}: empty line (expected {} comma-separated numbers)", origin, line, columns));
    int64_t column = 0;
    size_t at = 0;
    while (true) {
      const size_t comma = row.find(',', at);
      const std::string_view field = row.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
      ++column;
      if (column <= columns) {
        const std::optional<float> v = parse_number(field);
        if (!v)
          throw UserError(fmt::format("{} line {} column {}: '{}' is not a number{}", origin, line, column, shown(field),
                                      last_without_newline ? kCutShort : ""));
        out.values.push_back(*v);
      }
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    if (column != columns) {
      out.values.resize(static_cast<size_t>(out.rows * columns));
      throw UserError(fmt::format("{} line {}: {} columns, expected {}{}", origin, line, column, columns,
                                  last_without_newline && column < columns ? kCutShort : ""));
    }
    ++out.rows;
  }
  if (out.rows == 0) throw UserError(fmt::format("{}: no data lines", origin));
  return out;
}

CsvNumbers read_csv_numbers(const std::filesystem::path& path, int64_t columns, bool header) {
  return parse_csv_numbers(read_file_bytes(path), columns, header, path.string());
}

std::string encode_image_csv(std::string_view labels, std::string_view pixels, bool header) {
  if (labels.empty() || pixels.size() % labels.size() != 0)
    throw std::invalid_argument("encode_image_csv: pixels are not a whole number of samples");
  const size_t per = pixels.size() / labels.size();
  std::string out;
  out.reserve(labels.size() * (per * 3 + 4));
  if (header) {
    out += "label";
    for (size_t i = 1; i <= per; ++i) out += fmt::format(",pixel{}", i);
    out += '\n';
  }
  char buf[4];
  const auto put = [&](unsigned char b) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<unsigned>(b));
    out.append(buf, r.ptr);
  };
  for (size_t s = 0; s < labels.size(); ++s) {
    put(static_cast<unsigned char>(labels[s]));
    for (size_t i = 0; i < per; ++i) {
      out += ',';
      put(static_cast<unsigned char>(pixels[s * per + i]));
    }
    out += '\n';
  }
  return out;
}

std::vector<std::filesystem::path> export_image_csv(const Dataset& ds, const std::filesystem::path& dir, bool header) {
  if (ds.name == "imdb")
    throw UserError("export --format csv writes image datasets (fashion-mnist, mnist, cifar10), not imdb");
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> written;
  for (const auto& [split, part] : {std::pair{&ds.train, "train"}, std::pair{&ds.test, "test"}}) {
    std::string labels(static_cast<size_t>(split->count), '\0'), pixels(split->samples.size(), '\0');
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<char>(split->labels[i]);
    // The readers scaled bytes to [0, 1] by / 255: multiplying back and rounding is exact.
    for (size_t i = 0; i < pixels.size(); ++i)
      pixels[i] = static_cast<char>(static_cast<unsigned char>(std::lround(split->samples[i] * 255.0f)));
    const std::filesystem::path file = dir / fmt::format("{}_{}.csv", ds.name, part);
    write_file_atomically(file, encode_image_csv(labels, pixels, header));
    written.push_back(file);
  }
  return written;
}

}  // namespace versus::data
