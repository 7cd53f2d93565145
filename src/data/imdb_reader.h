// IMDB movie reviews from the raw aclImdb text tree (train/{pos,neg}, test/{pos,neg}, one review
// per .txt file), turned into fixed-length token-id sequences. Keras' imdb.npz is not read: it
// holds pickled Python object arrays, which C++ cannot decode without a Python interpreter.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace versus::data {

inline constexpr const char* kImdbSubdirectory = "aclImdb";  // what the tarball unpacks to

// Lower-case words: runs of ASCII letters and digits; "<br />" tags and everything else
// (punctuation, apostrophes, non-ASCII bytes) separate words.
std::vector<std::string> tokenize_review(std::string_view text);

// Reads `dir`/aclImdb, or `dir` itself when it holds train/ and test/. Labels: 0 neg, 1 pos;
// each split lists neg reviews then pos, each by file number.
Dataset read_imdb(const std::filesystem::path& dir, const DatasetOptions& options);

}  // namespace versus::data
