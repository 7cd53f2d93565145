// Dataset names, where they live, and load_dataset's dispatch to the format readers.
#include "data/dataset.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "core/errors.h"
#include "data/cifar_reader.h"
#include "data/common.h"
#include "data/idx_reader.h"
#include "data/imdb_reader.h"

namespace versus {
namespace {

constexpr const char* kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";

void check_known(const std::string& name) {
  const auto& known = known_datasets();
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw UserError(fmt::format("unknown dataset '{}'; known: {}", name, fmt::join(known, ", ")));
}

bool holds_idx_files(const std::filesystem::path& dir) {
  for (const std::string& f : data::idx_file_names("train-images", 3)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / f, ec)) return true;
  }
  return false;
}

}  // namespace

namespace data {

std::string how_to_get(const std::string& name, const std::filesystem::path& dir) {
  std::string originals;
  if (name == "fashion-mnist")
    originals =
        "`apt install dataset-fashion-mnist`, or put the four IDX .gz files from "
        "https://github.com/zalandoresearch/fashion-mnist in " +
        dir.string();
  else if (name == "mnist")
    originals =
        "put the four IDX files (train-images-idx3-ubyte.gz, ...; e.g. from "
        "https://ossci-datasets.s3.amazonaws.com/mnist/) in " +
        dir.string();
  else if (name == "cifar10")
    originals = "unpack https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz in " + dir.string();
  else if (name == "imdb")
    originals = "unpack https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz in " + dir.string();
  return fmt::format("run `versus data synth {}` for a synthetic stand-in in the same format, or {}", name,
                     originals);
}

std::string dims_text(const std::vector<int64_t>& dims) { return fmt::format("{}", fmt::join(dims, "×")); }

}  // namespace data

const std::vector<std::string>& known_datasets() {
  static const std::vector<std::string> names = {"fashion-mnist", "mnist", "cifar10", "imdb"};
  return names;
}

std::filesystem::path local_data_directory(const std::string& name) {
  check_known(name);
  if (const char* env = std::getenv("VERSUS_DATA_DIR"); env && *env) return std::filesystem::path(env) / name;
  return std::filesystem::path(VERSUS_SOURCE_DIR) / "data" / name;
}

std::filesystem::path data_directory(const std::string& name) {
  std::filesystem::path local = local_data_directory(name);
  if (name == "fashion-mnist" && !holds_idx_files(local) && holds_idx_files(kDebianFashionMnist))
    return kDebianFashionMnist;
  return local;
}

Dataset load_dataset(const std::string& name, const std::filesystem::path& dir) {
  return load_dataset(name, dir, DatasetOptions{});
}

Dataset load_dataset(const std::string& name, const std::filesystem::path& dir_given,
                     const DatasetOptions& options) {
  check_known(name);
  const std::filesystem::path dir = dir_given.empty() ? data_directory(name) : dir_given;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw UserError(
        fmt::format("{}: no dataset directory {}; {}", name, dir.string(), data::how_to_get(name, dir)));
  Dataset ds;
  if (name == "fashion-mnist" || name == "mnist")
    ds = data::read_idx_dataset(name, dir);
  else if (name == "cifar10")
    ds = data::read_cifar10(dir);
  else
    ds = data::read_imdb(dir, options);
  ds.name = name;
  const std::filesystem::path marker = dir / data::kSyntheticMarker;
  if (std::filesystem::is_regular_file(marker, ec)) {
    std::ifstream in(marker);
    std::string how;
    std::getline(in, how);
    ds.synthetic = true;
    ds.origin =
        fmt::format("synthetic ({}) in {}", how.empty() ? "versus data synth " + name : how, dir.string());
  }
  return ds;
}

}  // namespace versus
