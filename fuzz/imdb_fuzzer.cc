// Feeds the IMDB reader (data/imdb_reader.h): tokenize_review on the whole input, then read_imdb
// on an aclImdb tree made from it. Byte 0 is the sequence length, byte 1 the vocabulary (small
// values reach the option checks); the rest, split at NUL bytes, is a file name and four reviews
// (train/neg, train/pos, test/neg, test/pos). train/pos also holds a review under the fuzzed name
// (its first 64 bytes' letters, digits, '_' and '-'), which is how aclImdb's <id>_<rating>.txt numbering is read.
// Bad input must be a UserError; every token id must lie in [0, vocabulary).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/errors.h"
#include "data/imdb_reader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string& word : data::tokenize_review(text)) {
    if (word.empty()) std::abort();
    for (char c : word)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) std::abort();
  }
  if (size < 2) return 0;

  DatasetOptions options;
  options.sequence_length = data[0];
  options.vocabulary = data[1];
  std::vector<std::string_view> parts;
  for (std::string_view rest = text.substr(2); parts.size() < 5;) {
    auto [part, after] = fuzz::split_once(rest, std::string_view("\0", 1));
    parts.push_back(part);
    rest = after;
  }
  std::string name;
  for (char c : parts[0].substr(0, 64))  // a file name has at most 255 bytes
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') name += c;

  static const auto root = fuzz::scratch_dir() / "aclImdb";
  static std::filesystem::path named;  // the last run's fuzz-named review, removed before the next
  if (!named.empty()) std::filesystem::remove(named);
  named.clear();
  fuzz::write_bytes(root / "train" / "neg" / "0_1.txt", parts[1]);
  fuzz::write_bytes(root / "train" / "pos" / "0_9.txt", parts[2]);
  fuzz::write_bytes(root / "test" / "neg" / "0_2.txt", parts[3]);
  fuzz::write_bytes(root / "test" / "pos" / "0_8.txt", parts[4]);
  if (!name.empty() && name + ".txt" != "0_9.txt") {
    named = root / "train" / "pos" / (name + ".txt");
    fuzz::write_bytes(named, parts[4]);
  }
  try {
    const Dataset ds = data::read_imdb(fuzz::scratch_dir(), options);
    for (const Split* s : {&ds.train, &ds.test}) {
      if (s->samples.size() != static_cast<size_t>(s->count * options.sequence_length)) std::abort();
      for (float id : s->samples)
        if (!(id >= 0 && id < options.vocabulary)) std::abort();
    }
    if (ds.train.count != (named.empty() ? 2 : 3) || ds.test.count != 2) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
