// Shared by the training tests: tiny networks written to a temporary folder, the frameworks
// built here, and reading a training results folder back.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace versus::testing {

inline const std::vector<std::string> kFrameworks = {"tensorflow", "mxnet", "torch"};

inline std::vector<std::string> built_frameworks() {
  std::vector<std::string> out;
  for (const auto& b : kFrameworks) {
    if (worker_built(b)) out.push_back(b);
    else if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) ADD_FAILURE() << "worker " << b << " was not built";
  }
  return out;
}

inline std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

inline std::filesystem::path write_network(const TempDir& tmp, const std::string& name, const nlohmann::json& layers,
                                    const nlohmann::json& input = {{"kind", "image"}, {"shape", {1, 8, 8}}}) {
  const nlohmann::json doc = {{"name", name}, {"input", input}, {"classes", 4}, {"loss", "softmax_cross_entropy"},
                              {"dataset", "generated"},
                              {"training", {{"optimizer", {{"kind", "sgd"}, {"learning_rate", 0.1}}}, {"batch", 32}, {"epochs", 2}}},
                              {"layers", layers}};
  const auto path = tmp.path() / (name + ".json");
  std::ofstream(path) << doc.dump(1);
  return path;
}

inline const nlohmann::json kTinyMlp = {{{"type", "flatten"}}, {{"type", "dense"}, {"units", 16}}, {{"type", "relu"}},
                                 {{"type", "dense"}, {"units", 4}}};
inline const nlohmann::json kTinyConv = {{{"type", "conv2d"}, {"filters", 3}, {"kernel", 3}, {"padding", 1}},
                                  {{"type", "relu"}},
                                  {{"type", "max_pool"}, {"kernel", 2}},
                                  {{"type", "flatten"}},
                                  {{"type", "dense"}, {"units", 4}}};

inline std::filesystem::path only_subfolder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_directory()) found.push_back(e.path());
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? dir : found.front();
}

inline nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

}  // namespace versus::testing
