// Feeds read_cifar10 (data/cifar_reader.h), the whole CIFAR-10 load, a folder whose test_batch.bin
// is the fuzzer's bytes; data_batch_1..5.bin are one valid record each, written once (the reader
// refuses a folder without all six files). Bad input must be a UserError; a result must have one
// label in 0..9 and 3072 pixels in [0, 1] per record.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "core/errors.h"
#include "data/cifar_reader.h"
#include "fuzz_util.h"

namespace {

const std::filesystem::path& folder() {
  static const std::filesystem::path dir = [] {
    const auto d = versus::fuzz::scratch_dir() / "cifar";
    std::filesystem::create_directories(d);
    std::string record(static_cast<size_t>(versus::data::kCifarRecordBytes), '\x80');
    record[0] = 3;  // label "cat"
    for (int b = 1; b <= versus::data::kCifarTrainBatches; ++b)
      versus::fuzz::write_bytes(d / fmt::format("data_batch_{}.bin", b), record);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  static const auto test_batch = folder() / "test_batch.bin";
  fuzz::write_bytes(test_batch, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    const Dataset ds = data::read_cifar10(folder());
    const auto pixels = static_cast<size_t>(data::kCifarRecordBytes - 1);
    for (const Split* s : {&ds.train, &ds.test}) {
      if (s->labels.size() != static_cast<size_t>(s->count) || s->samples.size() != s->labels.size() * pixels)
        std::abort();
      for (float label : s->labels)
        if (!(label >= 0 && label < data::kCifarClasses)) std::abort();
    }
    if (ds.test.count * data::kCifarRecordBytes != static_cast<int64_t>(size)) std::abort();
    for (float x : ds.test.samples)
      if (!(x >= 0 && x <= 1)) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
