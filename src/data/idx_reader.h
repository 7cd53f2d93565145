// IDX files (MNIST, Fashion-MNIST): a big-endian header [0, 0, type, rank] and rank 32-bit sizes,
// then the data; raw or gzip-compressed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace versus::data {

struct IdxBytes {
  std::vector<int64_t> dims;
  std::string data;  // product(dims) unsigned bytes
};

// Reads an unsigned-byte IDX file of `rank` dimensions, checking magic number and size.
IdxBytes read_idx_ubyte(const std::filesystem::path& path, int rank);
std::string encode_idx_ubyte(const std::vector<int64_t>& dims, std::string_view data);

// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-... (each raw or .gz) under `dir`:
// 28×28 images, labels 0..9. `name` only labels messages.
Dataset read_idx_dataset(const std::string& name, const std::filesystem::path& dir);

// The file names the reader looks for, in order of preference, for a prefix such as
// "train-images" with its IDX rank.
std::vector<std::string> idx_file_names(std::string_view prefix, int rank);

}  // namespace versus::data
