// What the dataset readers and the synthetic writer share: the marker file and the hint that
// every "missing" error ends with.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace versus::data {

// Present in a directory written by write_synthetic_dataset; its first line says how.
inline constexpr std::string_view kSyntheticMarker = "VERSUS-SYNTHETIC";

// "run `versus data synth NAME` ..., or put the original files in DIR (from ...)".
std::string how_to_get(const std::string& name, const std::filesystem::path& dir);

// "60000×28×28"
std::string dims_text(const std::vector<int64_t>& dims);

}  // namespace versus::data
