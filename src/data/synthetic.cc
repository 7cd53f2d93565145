// write_synthetic_dataset: stand-ins in the real file formats, so the real readers always run.
// Images are class prototypes (a few Gaussian blobs per channel) shifted, rescaled and noised;
// reviews mix sentiment words of one polarity into skewed neutral filler, flipped by a "not"
// anywhere in the review (review_text): a linear bag of words cannot tell the class, a model that
// relates words to each other can. The bytes depend only on the seed and the counts.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/rng.h"
#include "data/cifar_reader.h"
#include "data/common.h"
#include "data/dataset.h"
#include "data/file_io.h"
#include "data/idx_reader.h"
#include "data/imdb_reader.h"

namespace versus {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxCount = 10'000'000;

uint64_t stream_seed(uint64_t seed, uint64_t stream) {
  Rng mix(seed ^ (stream * 0xd1b54a32d192ed03ULL));
  return mix.next_u64();
}

int64_t below(Rng& rng, int64_t n) { return static_cast<int64_t>(rng.next_u64() % static_cast<uint64_t>(n)); }

// Per-class images [classes][C·H·W] in [0, 1].
class ImageSynth {
 public:
  ImageSynth(int64_t classes, int64_t channels, int64_t side, uint64_t seed)
      : classes_(classes), channels_(channels), side_(side) {
    Rng rng(stream_seed(seed, 1));
    const double scale = static_cast<double>(side) / 28.0;
    prototypes_.assign(static_cast<size_t>(classes * channels * side * side), 0.0f);
    for (int64_t k = 0; k < classes; ++k)
      for (int64_t c = 0; c < channels; ++c) {
        float* plane = &prototypes_[static_cast<size_t>((k * channels + c) * side * side)];
        for (int blob = 0; blob < 3; ++blob) {
          const double cy = rng.uniform(0.2f, 0.8f) * side, cx = rng.uniform(0.2f, 0.8f) * side;
          const double sigma = rng.uniform(2.0f, 5.0f) * scale, amplitude = rng.uniform(0.5f, 1.0f);
          for (int64_t y = 0; y < side; ++y)
            for (int64_t x = 0; x < side; ++x) {
              const double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
              plane[y * side + x] += static_cast<float>(amplitude * std::exp(-d2 / (2 * sigma * sigma)));
            }
        }
      }
  }

  // Appends one sample of class `label` as bytes (CHW).
  void append(Rng& rng, int64_t label, std::string& out) const {
    const int64_t max_shift = std::max<int64_t>(1, side_ / 14);
    const int64_t dy = below(rng, 2 * max_shift + 1) - max_shift,
                  dx = below(rng, 2 * max_shift + 1) - max_shift;
    const float contrast = rng.uniform(0.7f, 1.0f);
    for (int64_t c = 0; c < channels_; ++c) {
      const float* plane = &prototypes_[static_cast<size_t>((label * channels_ + c) * side_ * side_)];
      for (int64_t y = 0; y < side_; ++y)
        for (int64_t x = 0; x < side_; ++x) {
          const int64_t sy = y - dy, sx = x - dx;
          const float base = (sy >= 0 && sy < side_ && sx >= 0 && sx < side_) ? plane[sy * side_ + sx] : 0.0f;
          const float v = std::clamp(contrast * base + rng.uniform(-0.15f, 0.15f), 0.0f, 1.0f);
          out.push_back(static_cast<char>(static_cast<unsigned char>(std::lround(v * 255.0f))));
        }
    }
  }

  int64_t classes() const { return classes_; }

 private:
  int64_t classes_, channels_, side_;
  std::vector<float> prototypes_;
};

void write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  write_file_atomically(path, bytes);
}

void write_idx(const fs::path& dir, uint64_t seed, int64_t train_count, int64_t test_count) {
  const ImageSynth synth(10, 1, 28, seed);
  const struct {
    const char* prefix;
    int64_t count;
    uint64_t stream;
  } splits[] = {{"train", train_count, 2}, {"t10k", test_count, 3}};
  for (const auto& s : splits) {
    Rng rng(stream_seed(seed, s.stream));
    std::string images, labels;
    images.reserve(static_cast<size_t>(s.count * 28 * 28));
    for (int64_t i = 0; i < s.count; ++i) {
      const int64_t label = below(rng, synth.classes());
      labels.push_back(static_cast<char>(label));
      synth.append(rng, label, images);
    }
    const std::string image_base = std::string(s.prefix) + "-images",
                      label_base = std::string(s.prefix) + "-labels";
    // Other spellings left from an earlier run would be read first: this directory is ours.
    for (const auto& [base, rank] : {std::pair{image_base, 3}, std::pair{label_base, 1}})
      for (const std::string& name : data::idx_file_names(base, rank)) fs::remove(dir / name);
    write(dir / (image_base + "-idx3-ubyte.gz"),
          data::gzip(data::encode_idx_ubyte({s.count, 28, 28}, images)));
    write(dir / (label_base + "-idx1-ubyte.gz"), data::gzip(data::encode_idx_ubyte({s.count}, labels)));
  }
}

void write_cifar(const fs::path& dir, uint64_t seed, int64_t train_count, int64_t test_count) {
  const ImageSynth synth(data::kCifarClasses, data::kCifarChannels, data::kCifarSide, seed);
  const fs::path where = dir / data::kCifarSubdirectory;
  auto batch = [&](Rng& rng, int64_t count) {
    std::string bytes;
    bytes.reserve(static_cast<size_t>(count * data::kCifarRecordBytes));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t label = below(rng, synth.classes());
      bytes.push_back(static_cast<char>(label));
      synth.append(rng, label, bytes);
    }
    return bytes;
  };
  Rng train_rng(stream_seed(seed, 2));
  for (int b = 0; b < data::kCifarTrainBatches; ++b) {
    const int64_t count =
        train_count / data::kCifarTrainBatches + (b < train_count % data::kCifarTrainBatches);
    write(where / fmt::format("data_batch_{}.bin", b + 1), batch(train_rng, count));
  }
  Rng test_rng(stream_seed(seed, 3));
  write(where / "test_batch.bin", batch(test_rng, test_count));
  write(where / "batches.meta.txt",
        "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
}

// Neutral filler: 1000 pronounceable three-syllable words, the same for every seed.
std::string neutral_word(int64_t i) {
  static const char* syllables[] = {"ba", "ke", "li", "mo", "nu", "ra", "se", "ti", "vo", "zu"};
  return fmt::format("{}{}{}", syllables[i / 100 % 10], syllables[i / 10 % 10], syllables[i % 10]);
}

std::string review_text(Rng& rng, int label) {
  static const std::vector<std::string> positive = {"great",     "excellent",   "wonderful", "superb",
                                                    "brilliant", "loved",       "moving",    "beautiful",
                                                    "fantastic", "masterpiece", "touching",  "delightful",
                                                    "perfect",   "charming",    "enjoyable", "gripping"};
  static const std::vector<std::string> negative = {
      "awful",  "terrible", "boring",   "waste",     "worst", "dull",          "poorly", "horrible",
      "stupid", "mess",     "annoying", "pointless", "lame",  "disappointing", "bad",    "unwatchable"};
  // Every sentiment word of a review has one polarity, drawn at random; the label is that polarity,
  // flipped when the review also holds a "not" (anywhere in it). Each word, "not" included, is then
  // as frequent in one class as in the other: no sum of per-word scores (a linear bag of words,
  // which any model that pools before it combines tokens is) says anything about the label; a model
  // that relates the sentiment words to a "not" far from them does. (#21: what attention can learn.)
  const bool positive_words = below(rng, 2) == 1;
  const auto& words = positive_words ? positive : negative;
  const bool negated = positive_words != (label == 1);
  const int64_t length = 15 + below(rng, 50);
  const int64_t not_at = negated ? below(rng, length) : -1;
  int64_t first_sentiment = below(rng, length);
  if (first_sentiment == not_at) first_sentiment = (first_sentiment + 1) % length;  // length >= 15
  std::string text;
  bool sentence_start = true;
  for (int64_t t = 0; t < length; ++t) {
    const float u = rng.uniform(0.0f, 1.0f);
    std::string word;
    if (t == not_at) {
      word = "not";
    } else if (u < 0.12f || t == first_sentiment) {  // at least one sentiment word
      word = words[static_cast<size_t>(below(rng, static_cast<int64_t>(words.size())))];
    } else {
      const float v = rng.uniform(0.0f, 1.0f);  // squared: a few filler words are common, most rare
      word = neutral_word(static_cast<int64_t>(v * v * 1000.0f));
    }
    if (sentence_start) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    text += word;
    sentence_start = false;
    if (t + 1 == length) {
      text += '.';
    } else if (below(rng, 10) == 0) {
      text += below(rng, 3) == 0 ? ".<br /><br />" : ". ";
      sentence_start = true;
    } else {
      text += below(rng, 12) == 0 ? ", " : " ";
    }
  }
  return text;
}

// 50000 reviews written one by one with write_file_atomically would cost 50000 fsyncs (minutes).
// Instead the whole tree is written under a temporary name, synced once, and renamed into
// place: readers see the old tree or the new one, never a mixture.
void write_imdb(const fs::path& dir, uint64_t seed, int64_t train_count, int64_t test_count) {
  const fs::path root = dir / data::kImdbSubdirectory;
  const fs::path staging = dir / fmt::format("{}.tmp.{}", data::kImdbSubdirectory, ::getpid());
  fs::remove_all(staging);
  const struct {
    const char* name;
    int64_t count;
    uint64_t stream;
  } splits[] = {{"train", train_count, 2}, {"test", test_count, 3}};
  for (const auto& s : splits) {
    for (const char* label : {"neg", "pos"}) fs::create_directories(staging / s.name / label);
    Rng rng(stream_seed(seed, s.stream));
    int64_t numbers[2] = {0, 0};
    for (int64_t i = 0; i < s.count; ++i) {
      const int label = static_cast<int>(i % 2);
      const int64_t rating = label ? 7 + below(rng, 4) : 1 + below(rng, 4);
      const fs::path file =
          staging / s.name / (label ? "pos" : "neg") / fmt::format("{}_{}.txt", numbers[label]++, rating);
      std::ofstream out(file, std::ios::binary);
      out << review_text(rng, label);
      if (!out.flush()) throw std::runtime_error(fmt::format("cannot write {}", file.string()));
    }
  }
  ::sync();
  fs::remove_all(root);  // this directory is ours (the marker says so)
  fs::rename(staging, root);
}

bool holds_dataset(const std::string& name, const fs::path& dir) {
  std::error_code ec;
  if (name == "cifar10")
    return fs::exists(dir / "data_batch_1.bin", ec) || fs::exists(dir / data::kCifarSubdirectory, ec);
  if (name == "imdb") return fs::exists(dir / data::kImdbSubdirectory, ec) || fs::exists(dir / "train", ec);
  for (const char* base : {"train-images", "t10k-images"})
    for (const std::string& f : data::idx_file_names(base, 3))
      if (fs::exists(dir / f, ec)) return true;
  return false;
}

}  // namespace

void write_synthetic_dataset(const std::string& name, const std::filesystem::path& dir, uint64_t seed,
                             int64_t train_count, int64_t test_count) {
  const auto& known = known_datasets();
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw UserError(fmt::format("unknown dataset '{}'; known: fashion-mnist, mnist, cifar10, imdb", name));
  // Every CIFAR batch file and every imdb class folder must hold something.
  const int64_t min_train = name == "cifar10" ? data::kCifarTrainBatches : name == "imdb" ? 2 : 1;
  const int64_t min_test = name == "imdb" ? 2 : 1;
  if (train_count < min_train || train_count > kMaxCount || test_count < min_test || test_count > kMaxCount)
    throw UserError(
        fmt::format("{}: synthetic sample counts must be {}..{} (train) and {}..{} (test), not {} and {}",
                    name, min_train, kMaxCount, min_test, kMaxCount, train_count, test_count));
  const fs::path marker = dir / data::kSyntheticMarker;
  std::error_code ec;
  if (!fs::exists(marker, ec) && holds_dataset(name, dir))
    throw UserError(
        fmt::format("{}: {} holds a real {} dataset (no {} file); not overwriting it with synthetic "
                    "data: choose another directory",
                    name, dir.string(), name, data::kSyntheticMarker));
  fs::create_directories(dir);
  // The marker goes first: a run cut short leaves a directory that is still known to be ours.
  // Its first line is the dataset's origin in every result: for reviews, what the task is.
  const std::string task = name == "imdb" ? "; the label is the sentiment words' polarity, flipped by a \"not\" "
                                            "anywhere in the review: a linear bag of words scores chance"
                                          : "";
  write_file_atomically(marker,
                        fmt::format("versus data synth {}, seed {}, {} train + {} test samples{}\n"
                                    "Synthetic data in the real file format, written by versus; not the "
                                    "real dataset.\n",
                                    name, seed, train_count, test_count, task));
  if (name == "fashion-mnist" || name == "mnist")
    write_idx(dir, seed ^ (name == "mnist" ? 0x6d6e697374ULL : 0), train_count, test_count);
  else if (name == "cifar10")
    write_cifar(dir, seed, train_count, test_count);
  else
    write_imdb(dir, seed, train_count, test_count);
}

}  // namespace versus
