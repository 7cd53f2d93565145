#include "data/idx_reader.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "data/common.h"
#include "data/file_io.h"

namespace versus::data {
namespace {

constexpr int64_t kRows = 28, kCols = 28, kClasses = 10;

uint32_t big_endian_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(u[0]) << 24 | uint32_t(u[1]) << 16 | uint32_t(u[2]) << 8 | uint32_t(u[3]);
}

std::filesystem::path find_idx(const std::string& name, const std::filesystem::path& dir,
                               std::string_view prefix, int rank) {
  for (const std::string& file : idx_file_names(prefix, rank)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / file, ec)) return dir / file;
  }
  throw UserError(fmt::format("{}: {}-idx{}-ubyte(.gz) not found in {}; {}", name, prefix, rank, dir.string(),
                              how_to_get(name, dir)));
}

struct IdxSplit {
  Split split;
  std::string files;
};

IdxSplit read_split(const std::string& name, const std::filesystem::path& dir, std::string_view prefix) {
  const std::filesystem::path image_path = find_idx(name, dir, std::string(prefix) + "-images", 3);
  const std::filesystem::path label_path = find_idx(name, dir, std::string(prefix) + "-labels", 1);
  const IdxBytes images = read_idx_ubyte(image_path, 3);
  if (images.dims[1] != kRows || images.dims[2] != kCols)
    throw UserError(fmt::format("{}: dimension mismatch: images are {}×{}, expected {}×{}",
                                image_path.string(), images.dims[1], images.dims[2], kRows, kCols));
  const IdxBytes labels = read_idx_ubyte(label_path, 1);
  if (labels.dims[0] != images.dims[0])
    throw UserError(fmt::format("{}: count mismatch: {} labels, but {} holds {} images", label_path.string(),
                                labels.dims[0], image_path.filename().string(), images.dims[0]));
  IdxSplit out;
  Split& s = out.split;
  s.sample_shape = {1, kRows, kCols};
  s.count = images.dims[0];
  s.labels.resize(static_cast<size_t>(s.count));
  for (int64_t i = 0; i < s.count; ++i) {
    const int label = static_cast<unsigned char>(labels.data[static_cast<size_t>(i)]);
    if (label >= kClasses)
      throw UserError(fmt::format("{}: label {} of sample {} is out of range 0..{}", label_path.string(),
                                  label, i, kClasses - 1));
    s.labels[static_cast<size_t>(i)] = static_cast<float>(label);
  }
  s.samples.resize(images.data.size());
  for (size_t i = 0; i < images.data.size(); ++i)
    s.samples[i] = static_cast<float>(static_cast<unsigned char>(images.data[i])) / 255.0f;
  out.files = fmt::format("{}, {}", image_path.filename().string(), label_path.filename().string());
  return out;
}

}  // namespace

std::vector<std::string> idx_file_names(std::string_view prefix, int rank) {
  // The originals are "train-images-idx3-ubyte"; some mirrors spell it "train-images.idx3-ubyte".
  const std::string dash = fmt::format("{}-idx{}-ubyte", prefix, rank);
  const std::string dot = fmt::format("{}.idx{}-ubyte", prefix, rank);
  return {dash, dash + ".gz", dot, dot + ".gz"};
}

IdxBytes read_idx_ubyte(const std::filesystem::path& path, int rank) {
  std::string bytes = read_file_bytes(path);
  if (bytes.size() < 4)
    throw UserError(fmt::format("{}: truncated: {} bytes, shorter than the IDX magic number", path.string(),
                                bytes.size()));
  const uint32_t magic = big_endian_u32(bytes.data());
  const uint32_t expected = 0x0800u | static_cast<uint32_t>(rank);
  if (magic != expected)
    throw UserError(
        fmt::format("{}: bad magic number 0x{:08x}, expected 0x{:08x} (IDX unsigned bytes, "
                    "{} dimension{}); is this the right file?",
                    path.string(), magic, expected, rank, rank == 1 ? "" : "s"));
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header)
    throw UserError(fmt::format("{}: truncated: {} bytes, shorter than its {}-byte header", path.string(),
                                bytes.size(), header));
  IdxBytes out;
  uint64_t total = 1;
  bool wrapped = false;  // three or four 32-bit sizes can multiply past 2^64 and wrap to a small
                         // number that matches the file (found by fuzz/idx_fuzzer)
  for (int d = 0; d < rank; ++d) {
    out.dims.push_back(big_endian_u32(bytes.data() + 4 + 4 * d));
    wrapped = __builtin_mul_overflow(total, static_cast<uint64_t>(out.dims.back()), &total) || wrapped;
  }
  const uint64_t have = bytes.size() - header;
  if (wrapped)
    throw UserError(fmt::format("{}: corrupt header: {} is more than 2^64 bytes of data; the file holds {}",
                                path.string(), dims_text(out.dims), have));
  if (have < total)
    throw UserError(fmt::format("{}: truncated: the header says {} = {} bytes of data, the file holds {}",
                                path.string(), dims_text(out.dims), total, have));
  if (have > total)
    throw UserError(
        fmt::format("{}: size mismatch: the header says {} = {} bytes of data, the file holds "
                    "{} ({} extra)",
                    path.string(), dims_text(out.dims), total, have, have - total));
  bytes.erase(0, header);
  out.data = std::move(bytes);
  return out;
}

std::string encode_idx_ubyte(const std::vector<int64_t>& dims, std::string_view data) {
  std::string out;
  auto put = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  put(0x0800u | static_cast<uint32_t>(dims.size()));
  for (int64_t d : dims) put(static_cast<uint32_t>(d));
  out.append(data);
  return out;
}

Dataset read_idx_dataset(const std::string& name, const std::filesystem::path& dir) {
  Dataset ds;
  ds.name = name;
  ds.classes = kClasses;
  IdxSplit train = read_split(name, dir, "train");
  IdxSplit test = read_split(name, dir, "t10k");
  ds.train = std::move(train.split);
  ds.test = std::move(test.split);
  ds.origin = fmt::format("{}: {}, {}", dir.string(), train.files, test.files);
  return ds;
}

}  // namespace versus::data
