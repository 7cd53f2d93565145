// Whole-file reads for the dataset readers (gzip-aware) and the gzip encoder the synthetic
// writer uses. Errors are UserErrors naming the file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace versus::data {

// The file's bytes; a name ending in ".gz" is decompressed (a corrupt or truncated stream is
// a UserError naming the file).
std::string read_file_bytes(const std::filesystem::path& path);
std::string gunzip(std::string_view compressed, const std::filesystem::path& origin);
// A gzip stream (fastest level, no name, mtime 0): the same input gives the same bytes everywhere.
std::string gzip(std::string_view raw);
// zlib's CRC-32 (Python's zlib.crc32 gives the same number): how the Python tier proves it read
// the bytes the harness wrote.
uint32_t crc32_of(std::string_view bytes);

// The first of `candidates` (names under `dir`) that exists, or empty.
std::filesystem::path first_existing(const std::filesystem::path& dir,
                                     std::initializer_list<std::string_view> candidates);

}  // namespace versus::data
