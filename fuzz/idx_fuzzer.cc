// Feeds read_idx_ubyte (data/idx_reader.h), the one function every IDX dataset load goes through,
// a file of the fuzzer's bytes. The first byte picks the rank (bits 0-1: 1..4) and how the rest
// is stored (bits 2-3): 0 raw, 1 gzip-compressed by data::gzip (the IDX parser behind a valid
// stream), 2 as a .gz file as it is (zlib's inflate and versus's gunzip on corrupt streams).
// Bad input must be a UserError; a result must hold exactly product(dims) bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/errors.h"
#include "data/file_io.h"
#include "data/idx_reader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  if (size < 1) return 0;
  const int rank = 1 + (data[0] & 3);
  const int storage = (data[0] >> 2) & 3;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  static const auto raw_path = fuzz::scratch_dir() / "train-images-idx3-ubyte";
  static const auto gz_path = fuzz::scratch_dir() / "train-images-idx3-ubyte.gz";
  const auto& path = storage == 0 || storage == 3 ? raw_path : gz_path;
  fuzz::write_bytes(path, storage == 1 ? data::gzip(rest) : std::string(rest));
  try {
    const data::IdxBytes idx = data::read_idx_ubyte(path, rank);
    // The reader's promise: rank sizes whose product (without wrapping) is the data's length.
    unsigned __int128 product = 1;
    for (int64_t d : idx.dims) product *= static_cast<uint64_t>(d);
    if (idx.dims.size() != static_cast<size_t>(rank) || product != idx.data.size()) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
