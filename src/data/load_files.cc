#include "data/load_files.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "data/csv_table.h"
#include "data/file_io.h"
#include "data/idx_reader.h"

namespace versus {
namespace {

// Test hook (tests/load_op_test.cc): VERSUS_TEST_DAMAGE_CSV damages the third line of the CSV, so
// the tests see what each reader does with it — "short" drops its last field, "word" makes its
// second field "x", "cut" ends the file in the middle of it.
std::string damaged_for_test(std::string csv) {
  const char* how = std::getenv("VERSUS_TEST_DAMAGE_CSV");
  if (how == nullptr || *how == '\0') return csv;
  size_t begin = 0;
  for (int line = 1; line < 3; ++line) begin = csv.find('\n', begin) + 1;
  const size_t end = csv.find('\n', begin);
  const std::string_view damage = how;
  if (begin == 0 || end == std::string::npos) throw std::runtime_error("VERSUS_TEST_DAMAGE_CSV: the CSV has fewer than 3 lines");
  if (damage == "short") {
    const size_t last_comma = csv.rfind(',', end);
    return csv.substr(0, last_comma) + csv.substr(end);
  }
  if (damage == "word") {
    const size_t second = csv.find(',', begin) + 1;
    return csv.substr(0, second) + "x" + csv.substr(csv.find(',', second));
  }
  if (damage == "cut") return csv.substr(0, (begin + end) / 2);
  throw std::runtime_error("VERSUS_TEST_DAMAGE_CSV: use short, word or cut");
}

}  // namespace

LoadFiles::LoadFiles(const CaseSpec& c, const std::vector<HostTensor>& in) : params_(parse_load_params(c.params)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/versus-load-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw UserError("load: cannot make a folder under " + std::filesystem::path(pattern).parent_path().string() +
                    " for the case's files (set TMPDIR to a writable folder)");
  dir_ = pattern;
  const std::string pixels = as_bytes(in.at(0).data), labels = as_bytes(in.at(1).data);
  const int64_t n = params_.samples;
  if (params_.format == "idx" || params_.format == "idx-gz") {
    const bool gz = params_.format == "idx-gz";
    const std::string prefix = n == 10000 ? "t10k" : "train";
    images_ = dir_ / (prefix + "-images-idx3-ubyte" + (gz ? ".gz" : ""));
    labels_ = dir_ / (prefix + "-labels-idx1-ubyte" + (gz ? ".gz" : ""));
    const std::string image_file = data::encode_idx_ubyte({n, 28, 28}, pixels);
    const std::string label_file = data::encode_idx_ubyte({n}, labels);
    write_file_atomically(images_, gz ? data::gzip(image_file) : image_file);
    write_file_atomically(labels_, gz ? data::gzip(label_file) : label_file);
  } else if (params_.format == "csv") {
    images_ = dir_ / "data.csv";
    write_file_atomically(images_, damaged_for_test(data::encode_image_csv(labels, pixels, false)));
  } else {
    images_ = dir_ / "data_batch_1.bin";
    std::string records;
    records.reserve(static_cast<size_t>(n * (params_.pixels() + 1)));
    for (int64_t s = 0; s < n; ++s) {
      records += labels[static_cast<size_t>(s)];
      records.append(pixels, static_cast<size_t>(s * params_.pixels()), static_cast<size_t>(params_.pixels()));
    }
    write_file_atomically(images_, records);
  }
}

std::string as_bytes(const std::vector<float>& values) {
  std::string out(values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<char>(static_cast<unsigned char>(values[i]));
  return out;
}

LoadFiles::~LoadFiles() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::vector<float>> load_outputs(std::vector<float> images, float scale, std::vector<float> labels) {
  if (scale != 1.0f)
    for (float& v : images) v = std::nearbyint(v * scale);
  return {std::move(images), std::move(labels)};
}

}  // namespace versus
