// The torch worker runs the PyPI wheel's libtorch (docs/frameworks.md): the libraries the
// running worker mapped come from the package folder the build linked, never from another
// libtorch on the system, and the build is the one that wheel ships (torch 2.x, MKL, oneDNN).
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runner/spawn.h"
#include "test_util.h"

namespace versus {
namespace {

nlohmann::json torch_info() {
  const auto r = run_process({(testing::bin_dir() / "versus-worker-torch").string(), "--info"}, {}, "", 120);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_tail;
  return nlohmann::json::parse(r.stdout_text.substr(0, r.stdout_text.find('\n')));
}

TEST(TorchWheel, TheWorkerLoadsTheWheelsLibrariesAndNothingElse) {
  if (!testing::worker_built("torch")) GTEST_SKIP() << "no torch worker built here";
  const nlohmann::json info = torch_info();
  const std::filesystem::path package = std::filesystem::canonical(VERSUS_TORCH_PACKAGE);
  const auto& build = info["build"];
  EXPECT_EQ(std::filesystem::path(build["library"].get<std::string>()), package / "lib" / "libtorch_cpu.so") << build.dump();
  ASSERT_GE(build["libraries_loaded"].size(), 2u) << build.dump();  // libtorch_cpu and libc10 at least
  for (const auto& lib : build["libraries_loaded"]) {
    const std::string path = lib;
    EXPECT_EQ(path.rfind((package / "lib").string() + "/", 0), 0u) << path << " is not the wheel's";
  }
}

TEST(TorchWheel, TheBuildIsTheOnePipInstallGives) {
  if (!testing::worker_built("torch")) GTEST_SKIP() << "no torch worker built here";
  const nlohmann::json info = torch_info();
  const std::string version = info["version"];
  EXPECT_GE(std::stoi(version.substr(0, version.find('.'))), 2) << version;
  const auto& build = info["build"];
  EXPECT_EQ(build["blas"], "mkl") << build.dump();
  EXPECT_NE(build["blas_library"].get<std::string>().find("Math Kernel Library"), std::string::npos);
  EXPECT_TRUE(build["onednn"].get<bool>());
  EXPECT_TRUE(build["onednn_version"].is_string()) << build.dump();
  EXPECT_TRUE(build["openmp"].get<bool>());
  EXPECT_EQ(build["commit"].get<std::string>().size(), 40u) << build.dump();
}

}  // namespace
}  // namespace versus
