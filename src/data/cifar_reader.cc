#include "data/cifar_reader.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "data/common.h"
#include "data/file_io.h"

namespace versus::data {
namespace {

void append_batch(const std::filesystem::path& path, Split& split) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.empty())
    throw UserError(
        fmt::format("{}: empty file, expected {}-byte records", path.string(), kCifarRecordBytes));
  if (bytes.size() % kCifarRecordBytes != 0)
    throw UserError(
        fmt::format("{}: truncated: {} bytes is not a whole number of {}-byte records "
                    "({} records and {} bytes left over)",
                    path.string(), bytes.size(), kCifarRecordBytes, bytes.size() / kCifarRecordBytes,
                    bytes.size() % kCifarRecordBytes));
  const int64_t records = static_cast<int64_t>(bytes.size()) / kCifarRecordBytes;
  const int64_t pixels = kCifarRecordBytes - 1;
  const size_t first = split.samples.size();
  split.samples.resize(first + static_cast<size_t>(records * pixels));
  float* out = split.samples.data() + first;
  for (int64_t r = 0; r < records; ++r) {
    const auto* record = reinterpret_cast<const unsigned char*>(bytes.data() + r * kCifarRecordBytes);
    if (record[0] >= kCifarClasses)
      throw UserError(fmt::format("{}: label {} of record {} is out of range 0..{}", path.string(), record[0],
                                  r, kCifarClasses - 1));
    split.labels.push_back(static_cast<float>(record[0]));
    for (int64_t i = 0; i < pixels; ++i) *out++ = static_cast<float>(record[1 + i]) / 255.0f;
  }
  split.count += records;
}

}  // namespace

Dataset read_cifar10(const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path sub = dir / kCifarSubdirectory;
  const std::filesystem::path where = std::filesystem::is_directory(sub, ec) ? sub : dir;
  std::vector<std::filesystem::path> train_files;
  for (int b = 1; b <= kCifarTrainBatches; ++b)
    train_files.push_back(where / fmt::format("data_batch_{}.bin", b));
  const std::filesystem::path test_file = where / "test_batch.bin";
  std::vector<std::filesystem::path> all = train_files;
  all.push_back(test_file);
  for (const auto& f : all)
    if (!std::filesystem::is_regular_file(f, ec))
      throw UserError(
          fmt::format("cifar10: {} not found in {} (the binary version: data_batch_1..5.bin and "
                      "test_batch.bin); {}",
                      f.filename().string(), where.string(), how_to_get("cifar10", dir)));
  Dataset ds;
  ds.name = "cifar10";
  ds.classes = kCifarClasses;
  for (Split* s : {&ds.train, &ds.test}) s->sample_shape = {kCifarChannels, kCifarSide, kCifarSide};
  for (const auto& f : train_files) append_batch(f, ds.train);
  append_batch(test_file, ds.test);
  ds.origin = fmt::format("{}: data_batch_1..{}.bin, test_batch.bin", where.string(), kCifarTrainBatches);
  return ds;
}

Split read_cifar_batch(const std::filesystem::path& path) {
  Split split;
  split.sample_shape = {kCifarChannels, kCifarSide, kCifarSide};
  append_batch(path, split);
  return split;
}

}  // namespace versus::data
