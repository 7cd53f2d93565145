#include "worker/train_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/stats.h"
#include "nets/layout.h"
#include "nets/weights.h"
#include "worker/batches.h"
#include "core/distributed_spec.h"

namespace versus {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Batch-mean loss and the number of correct predictions, in float64, from a model's logits.
struct Scores {
  double loss_sum = 0;
  int64_t correct = 0;
};

Scores score(const Network& net, const std::vector<float>& logits, const std::vector<float>& labels) {
  Scores s;
  const size_t b = labels.size();
  if (net.loss == "sigmoid_cross_entropy") {
    if (logits.size() != b) throw std::runtime_error("model returned the wrong number of outputs");
    for (size_t i = 0; i < b; ++i) {
      const double x = logits[i], z = labels[i];
      s.loss_sum += std::max(x, 0.0) - x * z + std::log1p(std::exp(-std::abs(x)));
      s.correct += (x > 0) == (z > 0.5);
    }
    return s;
  }
  const auto c = static_cast<size_t>(net.classes);
  if (logits.size() != b * c) throw std::runtime_error("model returned the wrong number of outputs");
  for (size_t i = 0; i < b; ++i) {
    const float* row = logits.data() + i * c;
    const size_t best = static_cast<size_t>(std::max_element(row, row + c) - row);
    double m = row[best], sum = 0;
    for (size_t k = 0; k < c; ++k) sum += std::exp(row[k] - m);
    s.loss_sum += m + std::log(sum) - row[static_cast<size_t>(labels[i])];
    s.correct += best == static_cast<size_t>(labels[i]);
  }
  return s;
}

nlohmann::json evaluate(Model& model, const Network& net, const Split& test, int64_t batch) {
  std::vector<int64_t> all(static_cast<size_t>(test.count));
  for (int64_t i = 0; i < test.count; ++i) all[static_cast<size_t>(i)] = i;
  Scores total;
  std::vector<float> labels;
  const auto t0 = Clock::now();
  for (size_t begin = 0; begin < all.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(all.size(), begin + static_cast<size_t>(batch));
    const HostTensor x = gather_batch(test, all, begin, end, labels);
    const Scores s = score(net, model.predict(x), labels);
    total.loss_sum += s.loss_sum, total.correct += s.correct;
  }
  const auto n = static_cast<double>(std::max<int64_t>(test.count, 1));
  return {{"test_loss", total.loss_sum / n}, {"test_accuracy", static_cast<double>(total.correct) / n},
          {"eval_seconds", seconds_since(t0)}};
}

// Latency at batch 1 (each run timed) and throughput at a large batch, after training.
nlohmann::json measure_inference(Model& model, const Split& test, const nlohmann::json& settings) {
  const int64_t runs = settings.value("latency_runs", int64_t{50});
  const int64_t big = std::min<int64_t>(settings.value("batch", int64_t{256}), test.count);
  std::vector<int64_t> all(static_cast<size_t>(test.count));
  for (int64_t i = 0; i < test.count; ++i) all[static_cast<size_t>(i)] = i;
  std::vector<float> labels;
  std::vector<double> latency, throughput;
  for (int64_t r = 0; r < runs + 5; ++r) {  // five warm-up runs
    const size_t at = static_cast<size_t>(r % test.count);
    const HostTensor x = gather_batch(test, all, at, at + 1, labels);
    const auto t0 = Clock::now();
    model.predict(x);
    if (r >= 5) latency.push_back(seconds_since(t0));
  }
  const HostTensor xb = gather_batch(test, all, 0, static_cast<size_t>(big), labels);
  for (int r = 0; r < 7; ++r) {
    const auto t0 = Clock::now();
    model.predict(xb);
    if (r >= 2) throughput.push_back(seconds_since(t0));
  }
  return {{"latency_batch", 1}, {"latency_seconds", latency}, {"throughput_batch", big},
          {"throughput_seconds", throughput}};
}

// [N, C, H, W] samples to [N, H, W, C] (sample_shape too), one sample at a time in place, so the
// worker's peak memory does not grow by a second copy of the dataset; other samples are left.
void to_channels_last(Split& split) {
  if (split.sample_shape.size() != 3) return;
  const Shape chw = split.sample_shape;
  const auto size = static_cast<size_t>(chw[0] * chw[1] * chw[2]);
  for (int64_t i = 0; i < split.count; ++i) {
    float* sample = split.samples.data() + static_cast<size_t>(i) * size;
    const HostTensor nhwc = layout::nchw_to_nhwc({"sample", {1, chw[0], chw[1], chw[2]}, std::vector<float>(sample, sample + size)});
    std::copy(nhwc.data.begin(), nhwc.data.end(), sample);
  }
  split.sample_shape = {chw[1], chw[2], chw[0]};
}

// A few more steps on the first batch: after two warm-up steps, unprofiled and profiled steps
// alternate, so that drift (caches, thread pools waking after the inference runs) hits both alike;
// the ops of the last profiled step are kept, and the profiler's own overhead is stated beside them.
nlohmann::json profile_steps(Model& model, const Split& train, int64_t batch) {
  constexpr int kWarmup = 2, kPairs = 5;
  std::vector<int64_t> all(static_cast<size_t>(train.count));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  std::vector<float> labels;
  const HostTensor x = gather_batch(train, all, 0, static_cast<size_t>(batch), labels);
  std::vector<double> plain, profiled;
  nlohmann::json ops;
  for (int i = 0; i < kWarmup; ++i) model.train_step(x, labels);
  for (int i = 0; i < kPairs; ++i) {
    auto t0 = Clock::now();
    model.train_step(x, labels);
    plain.push_back(seconds_since(t0));
    t0 = Clock::now();
    try {
      ops = model.profile_step(x, labels);
    } catch (const std::exception& e) {  // a profiler failure must not cost the training results
      return {{"available", false}, {"error", e.what()}};
    }
    profiled.push_back(seconds_since(t0));
    if (ops.is_null()) return {{"available", false}};
  }
  ops["available"] = true;
  ops["unprofiled_step_seconds"] = median(plain);
  ops["profiled_step_seconds"] = median(profiled);
  return ops;
}

}  // namespace

nlohmann::json run_training(Backend& backend, const nlohmann::json& request, const ProgressSink& progress) {
  const Network net = parse_network(request.at("network"));
  const auto seed = request.value("seed", uint64_t{1});
  const OptimizerSpec optimizer = request.contains("optimizer") ? request["optimizer"].get<OptimizerSpec>() : net.optimizer;
  const int64_t batch = request.value("batch", net.batch);
  const int64_t epochs = request.value("epochs", net.epochs);
  const int64_t max_steps = request.value("max_steps", int64_t{0});
  const bool evaluate_each_epoch = request.value("evaluate", true);
  const std::string device = request.value("device", "cpu");
  backend.set_threads(request.value("threads", 1));
  const auto modes = backend.execution_modes();
  const std::string mode = request.value("mode", modes.empty() ? std::string() : modes.front().name);
  backend.set_mode(mode);

  Dataset data = load_training_data(net, request.value("dataset", nlohmann::json::object()), seed);
  const std::vector<HostTensor> initial = initial_parameters(net, seed);

  // A rank of a data-parallel job trains on its share of every global batch (rows
  // [rank·b, (rank+1)·b) with b = batch / world size); the engine averages the gradients.
  std::optional<DistributedSpec> dist;
  if (request.contains("distributed")) dist = request["distributed"].get<DistributedSpec>();
  if (dist && batch % dist->world_size != 0)
    throw UserError(fmt::format("batch {} does not split evenly over {} ranks: pick a batch divisible by the rank count",
                                batch, dist->world_size));

  auto t0 = Clock::now();
  std::unique_ptr<Model> model = dist ? backend.build_distributed_model(net, initial, optimizer, device, *dist)
                                      : backend.build_model(net, initial, optimizer, device);
  const double build_seconds = seconds_since(t0);
  // A framework whose users feed images channels-last gets them so, converted once here, outside
  // every timed region, as a Keras user's arrays already are.
  if (model->channels_last()) {
    to_channels_last(data.train);
    to_channels_last(data.test);
  }
  // The framework's own input pipeline, where the request names one: each epoch's batches come from
  // it (in the same order) instead of the gather below.
  const std::string pipeline = request.value("pipeline", std::string("memory"));
  std::unique_ptr<EpochFeed> feed;
  if (pipeline != "memory") {
    if (dist) throw UnsupportedCase("a distributed job is fed from memory in versus (no input pipeline '" + pipeline + "')");
    feed = backend.make_feed(pipeline, data.train, batch);
  }
  const int64_t local_batch = dist ? batch / dist->world_size : batch;
  const size_t shard_offset = dist ? static_cast<size_t>(dist->rank * local_batch) : 0;
  // The rank's traffic: bytes received on the interface of its own address (lo on one machine).
  const std::string interface = dist ? interface_of(dist->host_of(dist->rank)) : "";
  const int64_t received_before = dist ? received_bytes(interface) : -1;

  const auto steps_per_epoch = static_cast<int64_t>(data.train.count / batch);  // the short tail is dropped
  if (steps_per_epoch < 1)
    throw UserError(fmt::format("batch {} is larger than the {} training samples", batch, data.train.count));
  const int64_t total_steps = max_steps > 0 ? std::min(max_steps, steps_per_epoch * epochs) : steps_per_epoch * epochs;
  const int64_t epochs_run = (total_steps + steps_per_epoch - 1) / steps_per_epoch;  // --steps may end one early

  nlohmann::json epochs_out = nlohmann::json::array();
  std::vector<double> step_seconds, step_losses;
  uint64_t order_hash = 0xcbf29ce484222325ULL;
  std::vector<float> labels;
  int64_t step = 0;
  const auto train_start = Clock::now();
  auto last_progress = train_start;
  for (int64_t epoch = 1; step < total_steps; ++epoch) {
    const std::vector<int64_t> order = epoch_order(data.train.count, seed, epoch);
    const auto epoch_start = Clock::now();
    if (feed) feed->start_epoch(order);
    double loss_sum = 0;
    int64_t epoch_steps = 0;
    for (int64_t s = 0; s < steps_per_epoch && step < total_steps; ++s, ++step, ++epoch_steps) {
      const auto begin = static_cast<size_t>(s * batch);
      const size_t first = begin + shard_offset;
      HostTensor x;
      if (!feed) x = gather_batch(data.train, order, first, first + static_cast<size_t>(local_batch), labels);
      else if (!feed->next(x, labels)) throw std::runtime_error(fmt::format("the '{}' pipeline ended the epoch after {} of {} batches", pipeline, s, steps_per_epoch));
      for (size_t i = begin; i < begin + static_cast<size_t>(batch); ++i) order_hash = (order_hash ^ static_cast<uint64_t>(order[i])) * 0x100000001b3ULL;
      const auto st = Clock::now();
      const float loss = model->train_step(x, labels);
      step_seconds.push_back(seconds_since(st));
      if (!std::isfinite(loss))
        throw std::runtime_error(fmt::format("the loss became {} at step {}: training diverged", loss, step + 1));
      step_losses.push_back(loss);
      // Test-only hooks, so the runner's handling of a framework that dies or hangs mid-training
      // is tested for real.
      // VERSUS_TEST_FAULT_RANK limits them to one rank of a distributed job.
      const char* fault_rank = std::getenv("VERSUS_TEST_FAULT_RANK");
      const bool this_rank = !fault_rank || (dist && std::to_string(dist->rank) == fault_rank);
      if (const char* b = std::getenv("VERSUS_TEST_CRASH_TRAINING"); b && backend.name() == b && this_rank) std::abort();
      if (const char* b = std::getenv("VERSUS_TEST_HANG_TRAINING"); b && backend.name() == b && this_rank)
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
      loss_sum += loss;
      if (seconds_since(last_progress) > 2.0) {
        last_progress = Clock::now();
        progress({{"epoch", epoch}, {"epochs", epochs_run}, {"step", step + 1}, {"steps", total_steps}, {"loss", loss},
                  {"elapsed_seconds", seconds_since(train_start)}});
      }
    }
    const double epoch_seconds = seconds_since(epoch_start);
    nlohmann::json e = {{"epoch", epoch}, {"steps", epoch_steps}, {"seconds", epoch_seconds},
                        {"samples_per_second", static_cast<double>(epoch_steps * batch) / epoch_seconds},
                        {"train_loss", loss_sum / static_cast<double>(std::max<int64_t>(epoch_steps, 1))}};
    if (evaluate_each_epoch) e.update(evaluate(*model, net, data.test, std::max<int64_t>(batch, 256)));
    progress({{"epoch", epoch}, {"epochs", epochs_run}, {"step", step}, {"steps", total_steps}, {"epoch_done", e},
              {"elapsed_seconds", seconds_since(train_start)}});
    epochs_out.push_back(std::move(e));
  }

  const double train_seconds = seconds_since(train_start);
  const int64_t received_after = dist ? received_bytes(interface) : -1;
  nlohmann::json mode_report = backend.mode_report();
  mode_report.update(model->mode_report());
  nlohmann::json out = {{"status", "ok"},
                        {"network", net.name},
                        {"parameters", net.parameter_count()},
                        {"dataset", {{"name", data.name}, {"origin", data.origin}, {"synthetic", data.synthetic},
                                     {"train", data.train.count}, {"test", data.test.count}}},
                        {"optimizer", optimizer},
                        {"batch", batch},
                        {"device", device},
                        {"seed", seed},
                        {"initial_weights_checksum", fmt::format("{:016x}", checksum(initial))},
                        {"batch_order_checksum", fmt::format("{:016x}", order_hash)},
                        {"build_seconds", build_seconds},
                        {"first_step_seconds", step_seconds.front()},
                        {"step_seconds", step_seconds},
                        {"step_losses", step_losses},
                        {"epochs", epochs_out},
                        {"train_seconds", train_seconds},
                        {"framework", backend.describe()},
                        {"threads_used", backend.threads_used()},
                        {"mode", mode},
                        {"pipeline", pipeline},
                        {"mode_report", mode_report}};
  if (dist) {
    out["distributed"] = {{"rank", dist->rank}, {"world_size", dist->world_size}, {"local_batch", local_batch},
                          {"communication", model->communication_report()}};
    out["distributed"]["interface"] = interface;
    out["distributed"]["host"] = dist->host_of(dist->rank);
    if (received_before >= 0 && received_after >= received_before)
      out["distributed"]["received_bytes"] = received_after - received_before;
  }
  if (request.contains("inference")) out["inference"] = measure_inference(*model, data.test, request["inference"]);
  // Last, so no timed step or inference ever ran under a profiler.
  if (request.value("profile", false)) out["profile"] = profile_steps(*model, data.train, batch);
  if (request.value("return_parameters", false)) {
    nlohmann::json params = nlohmann::json::array();
    for (const HostTensor& p : model->parameters()) params.push_back({{"name", p.name}, {"shape", p.shape}, {"data", p.data}});
    out["final_parameters"] = std::move(params);
  }
  return out;
}

}  // namespace versus
