// Feeds parse_csv_numbers (data/csv_table.h), versus's reader of numeric CSV (the load op's
// baseline and the CSV export's reader) the fuzzer's bytes. The first byte picks the number of
// columns (bits 0-6: 1..128) and whether a header line is skipped (bit 7). Bad input must be a
// UserError; a result must hold exactly rows × columns finite numbers.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/errors.h"
#include "data/csv_table.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  if (size < 1) return 0;
  const int64_t columns = 1 + (data[0] & 127);
  const bool header = (data[0] & 128) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const data::CsvNumbers t = data::parse_csv_numbers(text, columns, header, "fuzz.csv");
    if (t.columns != columns || t.rows < 1 || t.values.size() != static_cast<size_t>(t.rows * columns)) std::abort();
    for (float v : t.values)
      if (!std::isfinite(v)) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
