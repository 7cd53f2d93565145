// Helpers shared by the tests: temporary folders and running the versus binary.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "runner/spawn.h"

namespace versus::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path bin_dir();
// Runs bin/versus with `args` (and extra env), 300 s limit.
ProcessResult run_versus(const std::vector<std::string>& args, const std::vector<std::string>& env = {});
bool worker_built(const std::string& backend);
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir);

}  // namespace versus::testing
