// Datasets in memory, as every backend receives them: float32 samples in the neutral layout
// and float labels. Readers reject truncated, corrupt or mislabeled files with a UserError
// naming the file and what is wrong.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nets/network.h"  // Shape

namespace versus {

struct Split {
  Shape sample_shape;  // e.g. {1, 28, 28}, {3, 32, 32}, {80}
  int64_t count = 0;
  std::vector<float> samples;  // count × product(sample_shape), row-major
  std::vector<float> labels;   // count
};

struct Dataset {
  std::string name;    // fashion-mnist, mnist, cifar10, imdb
  std::string origin;  // the files read, or "synthetic (versus data synth ...)"
  bool synthetic = false;
  int64_t classes = 0;
  Split train, test;
};

// How text datasets (imdb) become fixed-length token sequences; images ignore it.
struct DatasetOptions {
  // Tokens per review. Longer reviews keep their last tokens, shorter ones are padded in front
  // with 0 (Keras' pad_sequences defaults, so an LSTM's last step sees text, not padding).
  int64_t sequence_length = 80;
  // Token ids are in [0, vocabulary): 0 padding, 1 unknown, 2.. the (vocabulary - 2) most
  // frequent training words, ties broken alphabetically (Keras' num_words convention, so an
  // embedding of `vocabulary` rows covers every id).
  int64_t vocabulary = 20000;
};

// Loads a dataset by name from its directory (data_directory(name)), or from `dir` if given.
// Images are scaled to [0, 1] (pixel / 255). Throws UserError when absent or malformed, saying
// how to get it (`versus data synth NAME` writes a stand-in in the real formats).
// imdb is read from the raw aclImdb text tree: Keras' imdb.npz holds pickled Python object
// arrays, which cannot be read without Python.
Dataset load_dataset(const std::string& name, const std::filesystem::path& dir = {});
Dataset load_dataset(const std::string& name, const std::filesystem::path& dir,
                     const DatasetOptions& options);

// Where a dataset lives: $VERSUS_DATA_DIR/<name>, else data/<name> under the source tree; for
// fashion-mnist, Debian's /usr/share/datasets/fashion-mnist when that is where it is.
std::filesystem::path data_directory(const std::string& name);
// The same without the read-only system fallback: where `versus data synth` should write.
std::filesystem::path local_data_directory(const std::string& name);
const std::vector<std::string>& known_datasets();

// The options a network's input asks for: its sequence length and vocabulary (token inputs).
inline DatasetOptions dataset_options_for(const Network& net) {
  DatasetOptions o;
  if (net.input_kind == "tokens") o.sequence_length = net.input_shape.at(0), o.vocabulary = net.vocab;
  return o;
}

// Writes a synthetic dataset in the real file formats (IDX .gz; CIFAR-10 binary batches in
// cifar-10-batches-bin/; the aclImdb/ text tree) under `dir`, with a learnable signal so training
// on it converges, the same bytes for the same seed. Marks the directory (a VERSUS-SYNTHETIC
// file) so loads report synthetic = true. Refuses to write over a real (unmarked) dataset.
void write_synthetic_dataset(const std::string& name, const std::filesystem::path& dir, uint64_t seed,
                             int64_t train_count, int64_t test_count);

}  // namespace versus
