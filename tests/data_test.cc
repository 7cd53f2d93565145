// The dataset readers accept the real formats, reject every kind of damaged file with a message
// that names the file and the fault, and the synthetic writer feeds them learnable data.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <fstream>

#include "core/errors.h"
#include "data/dataset.h"
#include "data/file_io.h"
#include "data/idx_reader.h"
#include "data/imdb_reader.h"
#include "test_util.h"

namespace versus {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spill(const fs::path& p, std::string_view bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// The message of the UserError that `f` throws ("" when it throws none).
template <class F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_LOAD_FAILS(name, dir, ...)                                                               \
  do {                                                                                                  \
    const std::string message = user_error([&] { load_dataset(name, dir); });                           \
    ASSERT_FALSE(message.empty()) << "no UserError";                                                    \
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;                                        \
    for (const char* part : {__VA_ARGS__}) EXPECT_NE(message.find(part), std::string::npos) << message; \
  } while (0)

void expect_split(const Split& s, int64_t count, const Shape& shape, int64_t classes) {
  EXPECT_EQ(s.count, count);
  EXPECT_EQ(s.sample_shape, shape);
  int64_t per = 1;
  for (int64_t d : shape) per *= d;
  ASSERT_EQ(s.samples.size(), static_cast<size_t>(count * per));
  ASSERT_EQ(s.labels.size(), static_cast<size_t>(count));
  std::vector<int64_t> seen(static_cast<size_t>(classes), 0);
  for (float label : s.labels) {
    ASSERT_GE(label, 0.0f);
    ASSERT_LT(label, static_cast<float>(classes));
    ASSERT_EQ(label, std::floor(label));
    ++seen[static_cast<size_t>(label)];
  }
  if (count >= 20 * classes) {
    for (int64_t n : seen) EXPECT_GT(n, 0) << "a class never occurs";
  }
}

void expect_unit_range(const Split& s) {
  float lo = 1, hi = 0;
  for (float v : s.samples) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, 0.0f);
  EXPECT_LE(hi, 1.0f);
  EXPECT_GT(hi, 0.5f) << "images look unscaled or blank";
}

// Test accuracy of a nearest-class-mean classifier: the synthetic signal must be learnable.
double nearest_mean_accuracy(const Dataset& ds) {
  const size_t per = ds.train.samples.size() / static_cast<size_t>(ds.train.count);
  std::vector<double> mean(static_cast<size_t>(ds.classes) * per, 0.0);
  std::vector<int64_t> n(static_cast<size_t>(ds.classes), 0);
  for (int64_t i = 0; i < ds.train.count; ++i) {
    const auto k = static_cast<size_t>(ds.train.labels[i]);
    ++n[k];
    for (size_t j = 0; j < per; ++j) mean[k * per + j] += ds.train.samples[i * per + j];
  }
  for (size_t k = 0; k < n.size(); ++k)
    for (size_t j = 0; j < per; ++j) mean[k * per + j] /= std::max<int64_t>(1, n[k]);
  int64_t right = 0;
  for (int64_t i = 0; i < ds.test.count; ++i) {
    size_t best = 0;
    double best_d = 1e300;
    for (size_t k = 0; k < n.size(); ++k) {
      double d = 0;
      for (size_t j = 0; j < per; ++j) {
        const double e = ds.test.samples[i * per + j] - mean[k * per + j];
        d += e * e;
      }
      if (d < best_d) best_d = d, best = k;
    }
    right += static_cast<float>(best) == ds.test.labels[i];
  }
  return static_cast<double>(right) / static_cast<double>(ds.test.count);
}

// ---- synthetic → load round trips ----

TEST(SyntheticData, FashionMnistRoundTripsThroughTheIdxGzReader) {
  TempDir tmp;
  write_synthetic_dataset("fashion-mnist", tmp.path(), 7, 300, 100);
  EXPECT_TRUE(fs::exists(tmp.path() / "train-images-idx3-ubyte.gz"));
  EXPECT_TRUE(fs::exists(tmp.path() / "t10k-labels-idx1-ubyte.gz"));
  const Dataset ds = load_dataset("fashion-mnist", tmp.path());
  EXPECT_EQ(ds.name, "fashion-mnist");
  EXPECT_TRUE(ds.synthetic);
  EXPECT_NE(ds.origin.find("synthetic"), std::string::npos) << ds.origin;
  EXPECT_EQ(ds.classes, 10);
  expect_split(ds.train, 300, {1, 28, 28}, 10);
  expect_split(ds.test, 100, {1, 28, 28}, 10);
  expect_unit_range(ds.train);
  EXPECT_GT(nearest_mean_accuracy(ds), 0.9);
}

TEST(SyntheticData, MnistRoundTripsAndDiffersFromFashionMnist) {
  TempDir a, b;
  write_synthetic_dataset("mnist", a.path(), 7, 50, 20);
  write_synthetic_dataset("fashion-mnist", b.path(), 7, 50, 20);
  const Dataset ds = load_dataset("mnist", a.path());
  EXPECT_EQ(ds.name, "mnist");
  expect_split(ds.train, 50, {1, 28, 28}, 10);
  expect_split(ds.test, 20, {1, 28, 28}, 10);
  EXPECT_NE(ds.train.samples, load_dataset("fashion-mnist", b.path()).train.samples);
}

TEST(SyntheticData, Cifar10RoundTripsThroughUnevenBinaryBatches) {
  TempDir tmp;
  write_synthetic_dataset("cifar10", tmp.path(), 3, 203, 60);
  const fs::path batches = tmp.path() / "cifar-10-batches-bin";
  EXPECT_EQ(fs::file_size(batches / "data_batch_1.bin"), 41u * 3073);
  EXPECT_EQ(fs::file_size(batches / "data_batch_5.bin"), 40u * 3073);
  const Dataset ds = load_dataset("cifar10", tmp.path());
  EXPECT_TRUE(ds.synthetic);
  EXPECT_EQ(ds.classes, 10);
  expect_split(ds.train, 203, {3, 32, 32}, 10);
  expect_split(ds.test, 60, {3, 32, 32}, 10);
  expect_unit_range(ds.train);
  EXPECT_GT(nearest_mean_accuracy(ds), 0.9);
}

TEST(SyntheticData, Cifar10BatchesAreAlsoReadStraightFromTheDirectory) {
  TempDir tmp;
  write_synthetic_dataset("cifar10", tmp.path() / "w", 3, 10, 4);
  fs::rename(tmp.path() / "w" / "cifar-10-batches-bin", tmp.path() / "flat");
  const Dataset ds = load_dataset("cifar10", tmp.path() / "flat");
  EXPECT_FALSE(ds.synthetic);  // the marker stayed behind
  expect_split(ds.train, 10, {3, 32, 32}, 10);
}

TEST(SyntheticData, ImdbRoundTripsThroughTheAclImdbTextTree) {
  TempDir tmp;
  write_synthetic_dataset("imdb", tmp.path(), 11, 400, 200);
  EXPECT_EQ(testing::files_under(tmp.path() / "aclImdb" / "train" / "pos").size(), 200u);
  EXPECT_EQ(testing::files_under(tmp.path() / "aclImdb" / "test" / "neg").size(), 100u);
  const Dataset ds = load_dataset("imdb", tmp.path());
  EXPECT_TRUE(ds.synthetic);
  EXPECT_NE(ds.origin.find("flipped by a \"not\" anywhere in the review"), std::string::npos) << ds.origin;
  EXPECT_EQ(ds.classes, 2);
  expect_split(ds.train, 400, {80}, 2);
  expect_split(ds.test, 200, {80}, 2);
  for (float id : ds.train.samples) {
    ASSERT_GE(id, 0.0f);
    ASSERT_LT(id, 20000.0f);
  }
  // Learnable only by relating words: scoring each test review by how far its words lean positive
  // in training (a linear bag of words) is near chance; the same scores learned separately for
  // reviews with and without one frequent token c (the c that fits the training set best, which the
  // generator's rule makes "not") classify most.
  const auto id_at = [](const Split& s, int64_t i, int64_t t) { return static_cast<size_t>(s.samples[i * 80 + t]); };
  const auto holds = [&](const Split& s, int64_t i, size_t c) {
    for (int64_t t = 0; t < 80; ++t)
      if (id_at(s, i, t) == c) return true;
    return false;
  };
  // c = 0 (padding, in every review): no split, the plain bag of words.
  const auto accuracy = [&](const Split& fit, const Split& judge, size_t c) {
    std::map<std::pair<bool, size_t>, std::pair<double, double>> lean;  // (holds c, word) -> (positive, seen)
    for (int64_t i = 0; i < fit.count; ++i) {
      const bool with = holds(fit, i, c);
      for (int64_t t = 0; t < 80; ++t) {
        auto& [positive, seen] = lean[{with, id_at(fit, i, t)}];
        positive += fit.labels[i], seen += 1;
      }
    }
    int64_t right = 0;
    for (int64_t i = 0; i < judge.count; ++i) {
      const bool with = holds(judge, i, c);
      double score = 0;
      for (int64_t t = 0; t < 80; ++t) {
        const auto it = lean.find({with, id_at(judge, i, t)});
        if (it != lean.end() && id_at(judge, i, t) > 1) score += it->second.first / it->second.second - 0.5;
      }
      right += (score > 0) == (judge.labels[i] > 0.5f);
    }
    return static_cast<double>(right) / static_cast<double>(judge.count);
  };
  size_t best = 0;
  double best_fit = 0;
  for (size_t c = 2; c < 60; ++c)  // the frequent tokens
    if (const double a = accuracy(ds.train, ds.train, c); a > best_fit) best_fit = a, best = c;
  const double words = accuracy(ds.train, ds.test, 0), related = accuracy(ds.train, ds.test, best);
  std::printf("test accuracy from a bag of words %.2f, split by token %zu %.2f\n", words, best, related);
  EXPECT_LT(words, 0.65);
  EXPECT_GT(related, 0.8);
}

TEST(SyntheticData, SameSeedGivesTheSameBytesAndAnotherSeedOthers) {
  TempDir a, b, c;
  write_synthetic_dataset("fashion-mnist", a.path(), 42, 30, 10);
  write_synthetic_dataset("fashion-mnist", b.path(), 42, 30, 10);
  write_synthetic_dataset("fashion-mnist", c.path(), 43, 30, 10);
  const auto file = "train-images-idx3-ubyte.gz";
  EXPECT_EQ(slurp(a.path() / file), slurp(b.path() / file));
  EXPECT_NE(slurp(a.path() / file), slurp(c.path() / file));
  write_synthetic_dataset("imdb", a.path() / "i", 42, 10, 4);
  write_synthetic_dataset("imdb", b.path() / "i", 42, 10, 4);
  const auto review = testing::files_under(a.path() / "i/aclImdb/train/neg").front();
  EXPECT_EQ(slurp(review), slurp(b.path() / "i/aclImdb/train/neg" / review.filename()));
  EXPECT_EQ(load_dataset("imdb", a.path() / "i").train.samples,
            load_dataset("imdb", b.path() / "i").train.samples);
}

TEST(SyntheticData, RewritingASyntheticDirectoryReplacesIt) {
  TempDir tmp;
  write_synthetic_dataset("imdb", tmp.path(), 1, 40, 10);
  write_synthetic_dataset("imdb", tmp.path(), 1, 10, 4);
  const Dataset ds = load_dataset("imdb", tmp.path());
  EXPECT_EQ(ds.train.count, 10);
  EXPECT_EQ(ds.test.count, 4);
}

TEST(SyntheticData, RefusesToOverwriteARealDataset) {
  TempDir tmp;
  write_synthetic_dataset("fashion-mnist", tmp.path(), 1, 10, 10);
  fs::remove(tmp.path() / "VERSUS-SYNTHETIC");
  const std::string message =
      user_error([&] { write_synthetic_dataset("fashion-mnist", tmp.path(), 2, 10, 10); });
  EXPECT_NE(message.find("not overwriting"), std::string::npos) << message;
  EXPECT_FALSE(load_dataset("fashion-mnist", tmp.path()).synthetic);
}

TEST(SyntheticData, RejectsUnknownNamesAndImpossibleCounts) {
  TempDir tmp;
  EXPECT_NE(
      user_error([&] { write_synthetic_dataset("svhn", tmp.path(), 1, 10, 10); }).find("unknown dataset"),
      std::string::npos);
  EXPECT_NE(user_error([&] { write_synthetic_dataset("cifar10", tmp.path(), 1, 4, 10); }).find("counts"),
            std::string::npos);
  EXPECT_NE(user_error([&] { load_dataset("svhn", tmp.path()); }).find("known: fashion-mnist"),
            std::string::npos);
}

// ---- IMDB text handling ----

TEST(ImdbReader, TokenizesLowerCaseWordsAndDropsLineBreakTags) {
  EXPECT_EQ(
      data::tokenize_review("Great movie!<br /><br />I LOVED it, don't miss 2001.<br/>ok<BR>"),
      (std::vector<std::string>{"great", "movie", "i", "loved", "it", "don", "t", "miss", "2001", "ok"}));
  EXPECT_EQ(data::tokenize_review("caf\xc3\xa9 -- \"brr\""), (std::vector<std::string>{"caf", "brr"}));
}

TEST(ImdbReader, VocabularyIsByFrequencyThenAlphabeticalAndSequencesArePaddedInFront) {
  TempDir tmp;
  const fs::path root = tmp.path() / "aclImdb";
  // Training counts: good 3, movie 2, bad 2, zebra 1, apple 1.
  spill(root / "train/pos/0_9.txt", "Good movie, good!");
  spill(root / "train/pos/1_8.txt", "apple");
  spill(root / "train/neg/0_2.txt", "Bad bad movie<br />good zebra");
  spill(root / "test/pos/0_10.txt", "good unseen movie");
  spill(root / "test/neg/0_1.txt", "bad zebra apple");
  DatasetOptions options;
  options.sequence_length = 4;
  options.vocabulary = 6;  // 0 pad, 1 unknown, then good=2, bad=3, movie=4, apple=5; zebra unknown
  const Dataset ds = load_dataset("imdb", tmp.path(), options);
  ASSERT_EQ(ds.train.count, 3);
  // neg first, then pos by file number.
  EXPECT_EQ(ds.train.labels, (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(std::vector<float>(ds.train.samples.begin(), ds.train.samples.begin() + 4),
            (std::vector<float>{3, 4, 2, 1}));  // "bad bad movie good zebra": keeps the last 4
  EXPECT_EQ(std::vector<float>(ds.train.samples.begin() + 4, ds.train.samples.begin() + 8),
            (std::vector<float>{0, 2, 4, 2}));
  EXPECT_EQ(std::vector<float>(ds.train.samples.begin() + 8, ds.train.samples.end()),
            (std::vector<float>{0, 0, 0, 5}));
  EXPECT_EQ(ds.test.samples, (std::vector<float>{0, 3, 1, 5, 0, 2, 1, 4}));
  EXPECT_FALSE(ds.synthetic);
  EXPECT_EQ(load_dataset("imdb", tmp.path()).train.sample_shape, Shape{80});
}

TEST(ImdbReader, RejectsMissingAndEmptyClassFolders) {
  TempDir tmp;
  spill(tmp.path() / "aclImdb/train/pos/0_9.txt", "good");
  EXPECT_LOAD_FAILS("imdb", tmp.path(), "train/neg", "not found", "versus data synth imdb",
                    "aclImdb_v1.tar.gz");
  fs::create_directories(tmp.path() / "aclImdb/train/neg");
  EXPECT_LOAD_FAILS("imdb", tmp.path(), "train/neg", "no reviews");
}

// ---- damaged IDX files ----

class IdxCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    write_synthetic_dataset("fashion-mnist", tmp.path(), 5, 20, 10);
    // Raw (uncompressed) copies, which the reader prefers, so each case edits plain bytes.
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"}) {
      spill(dir() / f, data::read_file_bytes(dir() / (std::string(f) + ".gz")));
      fs::remove(dir() / (std::string(f) + ".gz"));
    }
    fs::remove(dir() / "VERSUS-SYNTHETIC");
    ASSERT_EQ(load_dataset("fashion-mnist", dir()).train.count, 20);
  }
  const fs::path& dir() const { return tmp.path(); }
  std::string images() const { return slurp(dir() / "train-images-idx3-ubyte"); }
  TempDir tmp;
};

TEST_F(IdxCorruption, MissingFileSaysHowToGetIt) {
  fs::remove(dir() / "t10k-labels-idx1-ubyte");
  const std::string where = dir().string();
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "t10k-labels-idx1-ubyte", "not found", where.c_str(),
                    "versus data synth fashion-mnist");
}

TEST_F(IdxCorruption, MissingDirectorySaysHowToGetIt) {
  EXPECT_LOAD_FAILS("mnist", dir() / "nowhere", "nowhere", "versus data synth mnist");
}

TEST_F(IdxCorruption, BadMagicNumber) {
  spill(dir() / "train-images-idx3-ubyte", slurp(dir() / "train-labels-idx1-ubyte"));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte", "bad magic number 0x00000801",
                    "expected 0x00000803");
}

TEST_F(IdxCorruption, DimensionMismatch) {
  spill(dir() / "train-images-idx3-ubyte",
        data::encode_idx_ubyte({20, 32, 32}, std::string(20 * 32 * 32, '\0')));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte", "dimension mismatch", "32×32",
                    "28×28");
}

TEST_F(IdxCorruption, TruncatedData) {
  const std::string bytes = images();
  spill(dir() / "train-images-idx3-ubyte", bytes.substr(0, bytes.size() - 100));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte", "truncated", "20×28×28", "15680");
}

TEST_F(IdxCorruption, TruncatedHeader) {
  spill(dir() / "train-images-idx3-ubyte", images().substr(0, 9));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte", "truncated", "header");
}

TEST_F(IdxCorruption, ExtraBytes) {
  spill(dir() / "train-images-idx3-ubyte", images() + "junk");
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte", "size mismatch", "4 extra");
}

TEST_F(IdxCorruption, LabelOutOfRange) {
  std::string labels(10, '\3');
  labels[6] = 12;
  spill(dir() / "t10k-labels-idx1-ubyte", data::encode_idx_ubyte({10}, labels));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "t10k-labels-idx1-ubyte", "label 12", "sample 6",
                    "out of range 0..9");
}

TEST_F(IdxCorruption, ImageLabelCountMismatch) {
  spill(dir() / "t10k-labels-idx1-ubyte", data::encode_idx_ubyte({9}, std::string(9, '\1')));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "t10k-labels-idx1-ubyte", "count mismatch", "9 labels",
                    "10 images");
}

TEST_F(IdxCorruption, CorruptGzip) {
  std::string gz = data::gzip(images());
  for (size_t i = 20; i < 60; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  fs::remove(dir() / "train-images-idx3-ubyte");
  spill(dir() / "train-images-idx3-ubyte.gz", gz);
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte.gz", "corrupt gzip");
  spill(dir() / "train-images-idx3-ubyte.gz", "this is not gzip at all");
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte.gz", "corrupt gzip");
}

TEST_F(IdxCorruption, TruncatedGzip) {
  const std::string gz = data::gzip(images());
  fs::remove(dir() / "train-images-idx3-ubyte");
  spill(dir() / "train-images-idx3-ubyte.gz", gz.substr(0, gz.size() / 2));
  EXPECT_LOAD_FAILS("fashion-mnist", dir(), "train-images-idx3-ubyte.gz", "truncated gzip");
}

// ---- damaged CIFAR-10 batches ----

class CifarCorruption : public ::testing::Test {
 protected:
  void SetUp() override { write_synthetic_dataset("cifar10", tmp.path(), 5, 10, 4); }
  fs::path batch(const char* name) const { return tmp.path() / "cifar-10-batches-bin" / name; }
  TempDir tmp;
};

TEST_F(CifarCorruption, MissingBatch) {
  fs::remove(batch("test_batch.bin"));
  EXPECT_LOAD_FAILS("cifar10", tmp.path(), "test_batch.bin", "not found", "versus data synth cifar10",
                    "cifar-10-binary.tar.gz");
}

TEST_F(CifarCorruption, TruncatedRecord) {
  const std::string bytes = slurp(batch("data_batch_3.bin"));
  spill(batch("data_batch_3.bin"), bytes.substr(0, bytes.size() - 1000));
  EXPECT_LOAD_FAILS("cifar10", tmp.path(), "data_batch_3.bin", "truncated", "3073-byte records");
}

TEST_F(CifarCorruption, EmptyBatch) {
  spill(batch("data_batch_2.bin"), "");
  EXPECT_LOAD_FAILS("cifar10", tmp.path(), "data_batch_2.bin", "empty");
}

TEST_F(CifarCorruption, LabelOutOfRange) {
  std::string bytes = slurp(batch("test_batch.bin"));
  bytes[3073] = static_cast<char>(200);
  spill(batch("test_batch.bin"), bytes);
  EXPECT_LOAD_FAILS("cifar10", tmp.path(), "test_batch.bin", "label 200", "record 1", "out of range 0..9");
}

// ---- the real thing ----

TEST(RealData, DebianFashionMnistLoadsWhenInstalled) {
  const fs::path debian = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(debian / "train-images-idx3-ubyte.gz"))
    VERSUS_SKIP_UNLESS_REQUIRED("dataset-fashion-mnist is not installed (apt install dataset-fashion-mnist)");
  TempDir empty;
  ::setenv("VERSUS_DATA_DIR", empty.path().c_str(), 1);
  EXPECT_EQ(data_directory("fashion-mnist"), debian);
  EXPECT_EQ(local_data_directory("fashion-mnist"), empty.path() / "fashion-mnist");
  EXPECT_EQ(data_directory("mnist"), empty.path() / "mnist");
  const Dataset ds = load_dataset("fashion-mnist");
  ::unsetenv("VERSUS_DATA_DIR");
  EXPECT_FALSE(ds.synthetic);
  EXPECT_NE(ds.origin.find(debian.string()), std::string::npos) << ds.origin;
  expect_split(ds.train, 60000, {1, 28, 28}, 10);
  expect_split(ds.test, 10000, {1, 28, 28}, 10);
  expect_unit_range(ds.test);
}

}  // namespace
}  // namespace versus
