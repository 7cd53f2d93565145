// The order in which every backend sees the training samples: fixed by the seed, one
// permutation per epoch (fairness protocol, rule 3), and the data they are generated from.
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "data/dataset.h"
#include "nets/network.h"

namespace versus {

// A permutation of [0, count) for `epoch` (Fisher-Yates on core's portable Rng).
std::vector<int64_t> epoch_order(int64_t count, uint64_t seed, int64_t epoch);

// Samples `indices` of `split` gathered into one batch tensor [B, sample_shape...] and its labels.
HostTensor gather_batch(const Split& split, const std::vector<int64_t>& indices, size_t begin, size_t end,
                        std::vector<float>& labels);

// A dataset made up on the spot for `net`'s input (tests and parity runs without files): inputs
// uniform in [0, 1) (token ids uniform in the vocabulary), labels from a fixed random linear
// teacher, so a network can learn them.
Dataset generated_dataset(const Network& net, uint64_t seed, int64_t train_count, int64_t test_count);

// The dataset a training request names ({"name", "dir"} or {"name": "generated", "train", "test"}),
// checked against the network's input shape and classes (UserError naming the mismatch). The C++
// workers load it themselves; the runner loads it to export it for the Python tier.
Dataset load_training_data(const Network& net, const nlohmann::json& dataset_spec, uint64_t seed);

}  // namespace versus
