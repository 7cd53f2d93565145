#include "data/imdb_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/errors.h"
#include "data/common.h"
#include "data/file_io.h"

namespace versus::data {
namespace {

constexpr int32_t kPadding = 0, kUnknown = 1, kFirstWord = 2;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The length of a <br>, <br/> or <br /> tag at text[i], or 0.
size_t br_tag_length(std::string_view text, size_t i) {
  if (text.size() - i < 4 || text[i] != '<' || lower(text[i + 1]) != 'b' || lower(text[i + 2]) != 'r')
    return 0;
  for (size_t j = i + 3; j < text.size() && j < i + 6; ++j) {
    if (text[j] == '>') return j - i + 1;
    if (text[j] != ' ' && text[j] != '/') return 0;
  }
  return 0;
}

// The review files of one class folder, ordered by the number before the '_' (aclImdb names
// them <id>_<rating>.txt), then by name.
std::vector<std::filesystem::path> review_files(const std::filesystem::path& folder,
                                                const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    throw UserError(
        fmt::format("imdb: {} not found (the aclImdb layout: train/pos, train/neg, test/pos, "
                    "test/neg); {}",
                    folder.string(), how_to_get("imdb", dir)));
  std::vector<std::pair<long long, std::filesystem::path>> found;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".txt") continue;
    const std::string stem = entry.path().stem().string();
    long long number = -1;
    try {
      number = std::stoll(stem.substr(0, stem.find('_')));
    } catch (const std::exception&) {
    }
    found.emplace_back(number, entry.path());
  }
  if (found.empty()) throw UserError(fmt::format("imdb: {} holds no reviews (*.txt files)", folder.string()));
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

struct Reviews {
  std::vector<std::vector<int32_t>> words;  // word indices into the interned list
  std::vector<float> labels;
  int64_t negative = 0, positive = 0;
};

class Interner {
 public:
  int32_t index(const std::string& word) {
    auto [it, added] = index_.try_emplace(word, static_cast<int32_t>(words_.size()));
    if (added) words_.push_back(word);
    return it->second;
  }
  int32_t find(const std::string& word) const {
    auto it = index_.find(word);
    return it == index_.end() ? -1 : it->second;
  }
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::string> words_;
};

Reviews read_split(const std::filesystem::path& root, const std::filesystem::path& dir, const char* split,
                   Interner& interner, bool add_words) {
  Reviews r;
  for (int label : {0, 1}) {
    const auto files = review_files(root / split / (label ? "pos" : "neg"), dir);
    (label ? r.positive : r.negative) = static_cast<int64_t>(files.size());
    for (const auto& file : files) {
      std::vector<int32_t> words;
      for (const std::string& w : tokenize_review(read_file_bytes(file)))
        words.push_back(add_words ? interner.index(w) : interner.find(w));
      r.words.push_back(std::move(words));
      r.labels.push_back(static_cast<float>(label));
    }
  }
  return r;
}

Split encode(const Reviews& reviews, const std::vector<int32_t>& id_of, int64_t length) {
  Split s;
  s.sample_shape = {length};
  s.count = static_cast<int64_t>(reviews.words.size());
  s.labels = reviews.labels;
  s.samples.assign(static_cast<size_t>(s.count * length), static_cast<float>(kPadding));
  for (size_t i = 0; i < reviews.words.size(); ++i) {
    const auto& words = reviews.words[i];
    const size_t keep = std::min(words.size(), static_cast<size_t>(length));
    float* row = s.samples.data() + i * static_cast<size_t>(length) + (static_cast<size_t>(length) - keep);
    for (size_t k = 0; k < keep; ++k) {
      const int32_t w = words[words.size() - keep + k];
      row[k] = static_cast<float>(w < 0 || w >= static_cast<int32_t>(id_of.size()) ? kUnknown : id_of[w]);
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> tokenize_review(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (size_t i = 0; i < text.size();) {
    if (const size_t tag = br_tag_length(text, i)) {
      if (!word.empty()) out.push_back(std::move(word)), word.clear();
      i += tag;
      continue;
    }
    const char c = text[i++];
    if (is_word_char(c)) {
      word.push_back(lower(c));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

Dataset read_imdb(const std::filesystem::path& dir, const DatasetOptions& options) {
  if (options.sequence_length < 1)
    throw UserError(fmt::format("imdb: sequence length {} must be at least 1", options.sequence_length));
  if (options.vocabulary < kFirstWord + 1)
    throw UserError(
        fmt::format("imdb: vocabulary {} must be at least {} (ids 0 and 1 are padding and unknown)",
                    options.vocabulary, kFirstWord + 1));
  std::error_code ec;
  const std::filesystem::path root =
      std::filesystem::is_directory(dir / kImdbSubdirectory, ec) ? dir / kImdbSubdirectory : dir;
  Interner interner;
  const Reviews train = read_split(root, dir, "train", interner, true);
  // The vocabulary: the most frequent training words, ties alphabetical, so it is the same
  // everywhere whatever the hash map's order.
  std::vector<int64_t> counts(interner.words().size(), 0);
  for (const auto& review : train.words)
    for (int32_t w : review) ++counts[static_cast<size_t>(w)];
  std::vector<int32_t> order(counts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  const auto& words = interner.words();
  const size_t kept = std::min(order.size(), static_cast<size_t>(options.vocabulary - kFirstWord));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(),
                    [&](int32_t a, int32_t b) {
                      return counts[a] != counts[b] ? counts[a] > counts[b] : words[a] < words[b];
                    });
  std::vector<int32_t> id_of(words.size(), kUnknown);
  for (size_t rank = 0; rank < kept; ++rank) id_of[order[rank]] = static_cast<int32_t>(kFirstWord + rank);
  const Reviews test = read_split(root, dir, "test", interner, false);

  Dataset ds;
  ds.name = "imdb";
  ds.classes = 2;
  ds.train = encode(train, id_of, options.sequence_length);
  ds.test = encode(test, id_of, options.sequence_length);
  ds.origin = fmt::format(
      "{}: train {} reviews ({} neg, {} pos), test {} ({} neg, {} pos); {} distinct training words, ids < {} "
      "(0 padding, 1 unknown), {} tokens per review",
      root.string(), ds.train.count, train.negative, train.positive, ds.test.count, test.negative,
      test.positive, words.size(), options.vocabulary, options.sequence_length);
  return ds;
}

}  // namespace versus::data
