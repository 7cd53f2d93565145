// CIFAR-10 binary batches: data_batch_1..5.bin and test_batch.bin, each a run of 3073-byte
// records (1 label byte, then 32×32 red, green, blue planes: CHW).
#pragma once
#include <cstdint>
#include <filesystem>

#include "data/dataset.h"

namespace versus::data {

inline constexpr int64_t kCifarChannels = 3, kCifarSide = 32, kCifarClasses = 10;
inline constexpr int64_t kCifarRecordBytes = 1 + kCifarChannels * kCifarSide * kCifarSide;
inline constexpr int kCifarTrainBatches = 5;
inline constexpr const char* kCifarSubdirectory = "cifar-10-batches-bin";  // what the tarball unpacks to

// Reads the batches from `dir`/cifar-10-batches-bin, or from `dir` itself.
Dataset read_cifar10(const std::filesystem::path& dir);
// One batch file (pixels / 255, as read_cifar10).
Split read_cifar_batch(const std::filesystem::path& path);

}  // namespace versus::data
