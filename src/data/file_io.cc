#include "data/file_io.h"

#include <fmt/format.h>
#ifdef VERSUS_HAVE_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <fstream>
#include <limits>

#include "core/errors.h"

namespace versus::data {

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UserError(fmt::format("cannot open {}", path.string()));
  // One read of the size the file reports (a byte-at-a-time stream iterator took 3× as long as
  // a framework's reader); pipes and /proc files report none and are read as a stream.
  const std::streamoff size = in.tellg();
  std::string bytes;
  in.seekg(0);
  if (size > 0) {
    bytes.resize(static_cast<size_t>(size));
    in.read(bytes.data(), size);
    if (in.gcount() != size)
      throw UserError(fmt::format("cannot read {}: {} of its {} bytes read (did it shrink while being read?)",
                                  path.string(), in.gcount(), size));
  } else {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) throw UserError(fmt::format("cannot read {}", path.string()));
  if (path.extension() == ".gz") return gunzip(bytes, path);
  return bytes;
}

#ifdef VERSUS_HAVE_ZLIB
std::string gunzip(std::string_view compressed, const std::filesystem::path& origin) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
  std::string out;
  // The gzip trailer's last four bytes hold the uncompressed size modulo 2^32: a reserve hint.
  // A corrupt or forged trailer must not reserve gigabytes for a few bytes of input (found by
  // fuzz/idx_fuzzer): deflate expands at most 1032:1, so no more than that is reserved.
  if (compressed.size() >= 18) {
    const auto* t = reinterpret_cast<const unsigned char*>(compressed.data() + compressed.size() - 4);
    out.reserve(std::min<size_t>({uint32_t(t[0]) | uint32_t(t[1]) << 8 | uint32_t(t[2]) << 16 | uint32_t(t[3]) << 24,
                                  compressed.size() * 1032, size_t(1) << 31}));
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  size_t in_left = compressed.size();
  char buffer[1 << 16];
  int rc = Z_OK;
  for (;;) {
    if (zs.avail_in == 0 && in_left > 0) {
      const auto chunk = static_cast<uInt>(std::min<size_t>(in_left, std::numeric_limits<uInt>::max()));
      zs.avail_in = chunk;
      in_left -= chunk;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (what `cat a.gz b.gz` gives) are one stream to gunzip.
      if (zs.avail_in == 0 && in_left == 0) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
      inflateEnd(&zs);
      throw UserError(fmt::format("{}: truncated gzip stream (ends after {} bytes, {} decompressed)",
                                  origin.string(), compressed.size(), out.size()));
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string why = zs.msg ? zs.msg : fmt::format("zlib error {}", rc);
      inflateEnd(&zs);
      throw UserError(
          fmt::format("{}: corrupt gzip data ({}); fetch or write the file again", origin.string(), why));
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view raw) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  if (raw.size() > std::numeric_limits<uInt>::max()) throw std::runtime_error("gzip: input over 4 GiB");
  std::string out;
  out.resize(deflateBound(&zs, raw.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  out.resize(zs.total_out);
  return out;
}

uint32_t crc32_of(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < bytes.size();) {  // zlib takes uInt lengths
    const auto n = static_cast<uInt>(std::min<size_t>(bytes.size() - at, 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), n);
    at += n;
  }
  return static_cast<uint32_t>(crc);
}

#else
uint32_t crc32_of(std::string_view) {
  throw UserError("this versus was built without zlib, so it cannot checksum the Python tier's inputs; install zlib1g-dev and rebuild");
}

// Built without zlib (a machine without zlib1g-dev, e.g. the lent GPU machine): raw files only.
std::string gunzip(std::string_view, const std::filesystem::path& origin) {
  throw UserError(fmt::format("{}: this versus was built without zlib, so .gz files cannot be read; "
                              "gunzip it beside the original, or install zlib1g-dev and rebuild", origin.string()));
}

std::string gzip(std::string_view) {
  throw UserError("this versus was built without zlib, so it cannot write .gz files; install zlib1g-dev and rebuild");
}
#endif

std::filesystem::path first_existing(const std::filesystem::path& dir,
                                     std::initializer_list<std::string_view> candidates) {
  for (std::string_view name : candidates) {
    std::error_code ec;
    const std::filesystem::path p = dir / name;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return {};
}

}  // namespace versus::data
