// A copy of one of fuzz/fixtures/results/<kind> (a small valid results folder) in the scratch
// folder, one of whose files each run replaces with the fuzzer's bytes: what the results and
// training-report targets feed `versus report` and `versus compare`.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_util.h"

namespace versus::fuzz {

class FixtureFolder {
 public:
  // VERSUS_FUZZ_FIXTURES is fuzz/fixtures/results, set by fuzz/CMakeLists.txt.
  FixtureFolder(const std::string& name, const std::string& kind) : root_(scratch_dir() / name) {
    const std::filesystem::path from = std::filesystem::path(VERSUS_FUZZ_FIXTURES) / kind;
    for (const auto& e : std::filesystem::recursive_directory_iterator(from)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      files_[std::filesystem::relative(e.path(), from).string()] = bytes.str();
    }
    if (files_.empty()) std::abort();
    for (const auto& [rel, bytes] : files_) write_bytes(root_ / rel, bytes);
  }
  const std::filesystem::path& root() const { return root_; }

  // Puts back the file the last run replaced, then gives `rel` the input's bytes.
  void replace(const std::string& rel, std::string_view bytes) {
    if (!last_.empty() && last_ != rel) {
      const auto it = files_.find(last_);
      if (it == files_.end()) std::filesystem::remove(root_ / last_);
      else write_bytes(root_ / last_, it->second);
    }
    last_ = rel;
    write_bytes(root_ / rel, bytes);
  }

 private:
  std::filesystem::path root_;
  std::map<std::string, std::string> files_;
  std::string last_;
};

}  // namespace versus::fuzz
