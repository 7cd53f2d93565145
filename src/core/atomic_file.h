// Writes a file so that readers see either the old content or the whole new content, never half.
#pragma once
#include <filesystem>
#include <string_view>

namespace versus {

// Writes to "<path>.tmp.<pid>" in the same directory, flushes, then renames over `path`.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace versus
