#include "test_util.h"

#include <unistd.h>

#include <random>

namespace versus::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("versus-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path bin_dir() { return VERSUS_BIN_DIR; }

ProcessResult run_versus(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {(bin_dir() / "versus").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env, "", 300);
}

bool worker_built(const std::string& backend) {
  return std::filesystem::exists(bin_dir() / ("versus-worker-" + backend));
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

}  // namespace versus::testing
