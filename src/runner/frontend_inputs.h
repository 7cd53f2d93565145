// What a Python-tier worker trains from, written once per training job by the harness: the same
// initial parameters, dataset tensors and epoch orders the C++ workers compute for themselves, in
// files numpy reads natively (.npy), so the Python tier re-implements none of them.
//
//   DIR/manifest.json   the network as parsed (every layer with its input and output shape and its
//                       parameters), the files below with their sizes and CRC-32s, the initial
//                       parameters' checksum as the C++ workers report it, the dataset's facts
//   DIR/param-NNN.npy   Network::params in order, neutral layout (nets/network.h), float32
//   DIR/{train,test}-{x,y}.npy   samples [N, ...] and labels [N], float32
//   DIR/order.npy       [epochs, train N] int64: the training order of each epoch that runs (worker/batches.h)
//
// A worker checks each file's CRC-32 against the manifest before it trains: different bytes are a
// failed run, never a silent difference.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "nets/network.h"

namespace versus {

// Writes DIR (created; replaced when it exists) for `request` (runner/train_runner.h's
// training_request). Returns the manifest. UserError when the dataset cannot be read.
nlohmann::json export_frontend_inputs(const Network& net, const nlohmann::json& request, const std::filesystem::path& dir);

// One layer as the Python tier's builders read it (shapes per sample, parameter indices).
nlohmann::json layer_json(const Layer& layer);

}  // namespace versus
