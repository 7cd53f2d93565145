#include "runner/frontend_inputs.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.h"
#include "data/file_io.h"
#include "nets/weights.h"
#include "worker/batches.h"

namespace versus {
namespace {

// numpy's .npy format, version 1.0: magic, header length, a Python dict literal padded with spaces
// to a multiple of 64 bytes, then the raw little-endian C-order data.
template <typename T>
std::string npy_bytes(const char* descr, const std::vector<int64_t>& shape, const std::vector<T>& data) {
  std::string dims;
  for (const int64_t d : shape) dims += fmt::format("{}, ", d);
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // (N,) for one axis, (N, M) for more
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(T));
  return out;
}

template <typename T>
nlohmann::json write_npy(const std::filesystem::path& dir, const std::string& name, const char* descr,
                         const std::vector<int64_t>& shape, const std::vector<T>& data) {
  const std::string bytes = npy_bytes(descr, shape, data);
  write_file_atomically(dir / name, bytes);
  return {{"file", name}, {"shape", shape}, {"bytes", bytes.size()}, {"crc32", data::crc32_of(bytes)}};
}

std::vector<int64_t> with_count(int64_t count, const Shape& sample) {
  std::vector<int64_t> shape{count};
  shape.insert(shape.end(), sample.begin(), sample.end());
  return shape;
}

}  // namespace

nlohmann::json layer_json(const Layer& l) {
  nlohmann::json j = {{"type", l.type}, {"name", l.name}, {"in_shape", l.in_shape}, {"out_shape", l.out_shape},
                      {"params", l.params}};
  if (l.type == "dense" || l.type == "conv2d" || l.type == "lstm" || l.type == "embedding") j["units"] = l.units;
  if (l.type == "multi_head_attention") j["heads"] = l.units;
  if (l.type == "positional_embedding") j["positions"] = l.vocab;
  if (l.type == "layer_norm") j["epsilon"] = l.epsilon;
  if (l.type == "gelu") j["approximate"] = l.approximate_tanh ? "tanh" : "none";
  if (l.type == "conv2d" || l.type == "max_pool" || l.type == "avg_pool")
    j.update({{"kernel", l.kernel}, {"stride", l.stride}, {"padding", l.padding}});
  if (l.type == "embedding") j["vocab"] = l.vocab;
  if (l.type == "batch_norm") j.update({{"epsilon", l.epsilon}, {"momentum", l.momentum}});
  if (l.type == "residual") {
    j["body"] = nlohmann::json::array();
    j["shortcut"] = nlohmann::json::array();
    for (const Layer& b : l.body) j["body"].push_back(layer_json(b));
    for (const Layer& s : l.shortcut) j["shortcut"].push_back(layer_json(s));
  }
  return j;
}

nlohmann::json export_frontend_inputs(const Network& net, const nlohmann::json& request, const std::filesystem::path& dir) {
  const auto seed = request.value("seed", uint64_t{1});
  const Dataset data = load_training_data(net, request.value("dataset", nlohmann::json::object()), seed);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);

  nlohmann::json layers = nlohmann::json::array();
  for (const Layer& l : net.layers) layers.push_back(layer_json(l));
  nlohmann::json params = nlohmann::json::array();
  const std::vector<HostTensor> initial = initial_parameters(net, seed);
  for (size_t i = 0; i < initial.size(); ++i) {
    nlohmann::json p = write_npy(dir, fmt::format("param-{:03d}.npy", i), "<f4", initial[i].shape, initial[i].data);
    p["name"] = net.params[i].name;
    params.push_back(std::move(p));
  }
  // The orders of the epochs that will run (a --steps run of parity asks for "every" epoch).
  const int64_t batch = std::max<int64_t>(1, request.value("batch", net.batch));
  const int64_t steps_per_epoch = std::max<int64_t>(1, data.train.count / batch);
  const int64_t requested_steps = request.value("max_steps", int64_t{0});
  // A repeat of a run never takes fewer than 3 steps (runner/train_runner.h): its orders are written too.
  const int64_t max_steps = requested_steps > 0 ? std::max<int64_t>(requested_steps, 3) : 0;
  int64_t epochs = std::max<int64_t>(1, request.value("epochs", net.epochs));
  if (max_steps > 0) epochs = std::min(epochs, (max_steps + steps_per_epoch - 1) / steps_per_epoch);
  std::vector<int64_t> orders;
  orders.reserve(static_cast<size_t>(epochs * data.train.count));
  for (int64_t e = 1; e <= epochs; ++e) {
    const std::vector<int64_t> order = epoch_order(data.train.count, seed, e);
    orders.insert(orders.end(), order.begin(), order.end());
  }
  nlohmann::json manifest = {
      {"schema", "versus.frontend-inputs/1"},
      {"network", {{"name", net.name}, {"input_kind", net.input_kind}, {"input_shape", net.input_shape},
                   {"vocab", net.vocab}, {"classes", net.classes}, {"loss", net.loss}, {"layers", layers},
                   // whether the embedding computes the padding mask (nets/network.h)
                   {"token_mask", needs_token_mask(net.layers)}}},
      {"params", params},
      {"initial_weights_checksum", fmt::format("{:016x}", checksum(initial))},
      {"dataset", {{"name", data.name}, {"origin", data.origin}, {"synthetic", data.synthetic}, {"classes", data.classes},
                   {"train", data.train.count}, {"test", data.test.count}, {"sample_shape", data.train.sample_shape}}},
      {"train_x", write_npy(dir, "train-x.npy", "<f4", with_count(data.train.count, data.train.sample_shape), data.train.samples)},
      {"train_y", write_npy(dir, "train-y.npy", "<f4", {data.train.count}, data.train.labels)},
      {"test_x", write_npy(dir, "test-x.npy", "<f4", with_count(data.test.count, data.test.sample_shape), data.test.samples)},
      {"test_y", write_npy(dir, "test-y.npy", "<f4", {data.test.count}, data.test.labels)},
      {"order", write_npy(dir, "order.npy", "<i8", {epochs, data.train.count}, orders)},
      {"seed", seed}};
  write_file_atomically(dir / "manifest.json", manifest.dump(1) + "\n");
  return manifest;
}

}  // namespace versus
