#include "worker/batches.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/rng.h"

namespace versus {

std::vector<int64_t> epoch_order(int64_t count, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(epoch) * 0xbf58476d1ce4e5b9ULL + 7);
  for (int64_t i = count - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.next_u64() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

HostTensor gather_batch(const Split& split, const std::vector<int64_t>& indices, size_t begin, size_t end,
                        std::vector<float>& labels) {
  int64_t sample = 1;
  for (int64_t d : split.sample_shape) sample *= d;
  HostTensor x{"x", {static_cast<int64_t>(end - begin)}, {}};
  x.shape.insert(x.shape.end(), split.sample_shape.begin(), split.sample_shape.end());
  x.data.resize(static_cast<size_t>(x.elements()));
  labels.resize(end - begin);
  for (size_t i = begin; i < end; ++i) {
    const int64_t s = indices[i];
    std::copy_n(split.samples.begin() + s * sample, sample, x.data.begin() + static_cast<int64_t>(i - begin) * sample);
    labels[i - begin] = split.labels[static_cast<size_t>(s)];
  }
  return x;
}

namespace {

// The teacher reads every feature of a sample up to 4096 features (every shipped network but
// ResNet-50), else about 1024 evenly spaced ones: still a learnable rule, and an ImageNet-shaped
// sample (150 528 features, 1000 classes) is labelled in about 1 ms instead of 150.
int64_t teacher_stride(int64_t sample) { return sample <= 4096 ? 1 : (sample + 1023) / 1024; }

Split generated_split(const Network& net, const std::vector<float>& teacher, uint64_t seed, uint64_t stream,
                      int64_t count) {
  Split split{net.input_shape, count, {}, {}};
  int64_t sample = 1;
  for (int64_t d : net.input_shape) sample *= d;
  split.samples.resize(static_cast<size_t>(count * sample));
  fill_uniform(split.samples, seed, stream, 0.0f, 1.0f);
  const bool tokens = net.input_kind == "tokens";
  if (tokens)
    for (float& v : split.samples) v = static_cast<float>(static_cast<int64_t>(v * static_cast<float>(net.vocab)));
  split.labels.resize(static_cast<size_t>(count));
  for (int64_t n = 0; n < count; ++n) {
    const float* x = split.samples.data() + n * sample;
    int64_t best = 0;
    double best_score = -1e300;
    for (int64_t c = 0; c < net.classes; ++c) {
      double score = 0;
      for (int64_t i = 0; i < sample; i += teacher_stride(sample)) {
        // Tokens: the teacher scores which ids occur (a bag of words), not the ids' values.
        const float v = tokens ? teacher[static_cast<size_t>((c * net.vocab + static_cast<int64_t>(x[i])) % teacher.size())]
                               : x[i] * teacher[static_cast<size_t>(c * sample + i)];
        score += v;
      }
      if (score > best_score) best_score = score, best = c;
    }
    split.labels[static_cast<size_t>(n)] = static_cast<float>(best);
  }
  return split;
}

}  // namespace

Dataset generated_dataset(const Network& net, uint64_t seed, int64_t train_count, int64_t test_count) {
  int64_t sample = 1;
  for (int64_t d : net.input_shape) sample *= d;
  const int64_t classes = std::max<int64_t>(net.classes, 2);
  std::vector<float> teacher(static_cast<size_t>(classes * (net.input_kind == "tokens" ? net.vocab : sample)));
  fill_uniform(teacher, seed, 100, -1.0f, 1.0f);
  Dataset d;
  d.name = "generated";
  d.origin = "generated in memory from the seed (random inputs, labels from a random linear teacher)";
  d.synthetic = true;
  d.classes = classes;
  d.train = generated_split(net, teacher, seed, 101, train_count);
  d.test = generated_split(net, teacher, seed, 102, test_count);
  return d;
}

Dataset load_training_data(const Network& net, const nlohmann::json& spec, uint64_t seed) {
  const std::string name = spec.value("name", net.dataset);
  if (name == "generated")
    return generated_dataset(net, seed, spec.value("train", int64_t{1024}), spec.value("test", int64_t{256}));
  Dataset d = load_dataset(name, spec.value("dir", std::string()), dataset_options_for(net));
  if (d.train.sample_shape != net.input_shape)
    throw UserError(fmt::format("dataset {} has samples of shape [{}] but network {} takes [{}]", name,
                                fmt::join(d.train.sample_shape, ", "), net.name, fmt::join(net.input_shape, ", ")));
  if (d.classes != net.classes)
    throw UserError(fmt::format("dataset {} has {} classes but network {} has {}", name, d.classes, net.name, net.classes));
  return d;
}

}  // namespace versus
