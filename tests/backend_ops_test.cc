// Every op a worker says it implements (its --info "ops") is validated against the float64
// reference on a small case, forward and — where the op has one — backward, plus a case per
// parameter that changes how backends compute (conv2d's nhwc layout, weight_grad_only). Sizes are odd so no vector
// width divides them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/case_spec.h"
#include "core/op_registry.h"
#include "runner/spawn.h"
#include "test_util.h"

namespace versus {
namespace {

// A small, valid parameter set for each op of the catalogue.
const std::map<std::string, nlohmann::json>& small_params() {
  static const std::map<std::string, nlohmann::json> params = {
      {"gemm", {{"m", 37}, {"n", 19}, {"k", 53}}},
      {"add", {{"n", 1001}}}, {"mul", {{"n", 1001}}}, {"relu", {{"n", 1001}}},
      {"sigmoid", {{"n", 1001}}}, {"tanh", {{"n", 1001}}}, {"gelu", {{"n", 1001}}},
      {"softmax", {{"rows", 13}, {"cols", 101}}},
      {"softmax_cross_entropy", {{"batch", 13}, {"classes", 11}}},
      {"binary_cross_entropy", {{"n", 1001}}}, {"mse", {{"n", 1001}}},
      {"reduce_sum", {{"rows", 13}, {"cols", 101}}}, {"reduce_mean", {{"rows", 13}, {"cols", 101}}},
      {"dot", {{"n", 1001}}}, {"gemv", {{"m", 37}, {"n", 53}}},
      {"batched_gemm", {{"batch", 3}, {"m", 17}, {"n", 9}, {"k", 23}}},
      {"conv2d", {{"n", 2}, {"c", 3}, {"h", 13}, {"w", 11}, {"k", 5}, {"r", 3}, {"s", 3}, {"stride", 1}, {"pad", 1}}},
      {"max_pool", {{"n", 2}, {"c", 3}, {"h", 12}, {"w", 10}, {"window", 2}, {"stride", 2}, {"pad", 0}}},
      {"avg_pool", {{"n", 2}, {"c", 3}, {"h", 12}, {"w", 10}, {"window", 2}, {"stride", 2}, {"pad", 0}}},
      {"batch_norm", {{"n", 4}, {"c", 3}, {"h", 5}, {"w", 7}}},
      {"layer_norm", {{"rows", 13}, {"cols", 101}}},
      {"embedding", {{"vocab", 50}, {"dim", 8}, {"batch", 3}, {"seq", 7}}},
      {"lstm", {{"seq", 5}, {"batch", 3}, {"input", 7}, {"hidden", 6}}},
      {"attention", {{"batch", 2}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}}},
      {"transpose", {{"rows", 37}, {"cols", 53}}},
      {"nchw_to_nhwc", {{"n", 2}, {"c", 3}, {"h", 5}, {"w", 7}}},
      {"dispatch", {{"mode", "call"}}},
      {"sgd_update", {{"n", 1001}}},
      // 10000: libtorch's MNIST reader takes MNIST's own sizes only (the other formats: load_op_test).
      {"load", {{"format", "idx"}, {"samples", 10000}}},
  };
  return params;
}

// Further cases for ops where a parameter changes how the backends compute, not only the sizes.
const std::multimap<std::string, nlohmann::json>& extra_params() {
  static const std::multimap<std::string, nlohmann::json> params = {
      // Each transposed operand, forward and backward: its gradient must come back in its
      // stored layout.
      {"gemm", {{"m", 37}, {"n", 19}, {"k", 53}, {"trans_a", true}}},
      {"gemm", {{"m", 37}, {"n", 19}, {"k", 53}, {"trans_b", true}}},
      // A network's first dense layer: backward gives dB (the weight's gradient) alone.
      {"gemm", {{"m", 37}, {"n", 19}, {"k", 53}, {"trans_b", true}, {"b_grad_only", true}}},
      {"conv2d", {{"n", 2}, {"c", 3}, {"h", 13}, {"w", 11}, {"k", 5}, {"r", 3}, {"s", 3}, {"stride", 1}, {"pad", 1},
                  {"layout", "nhwc"}}},
      // A network's first layer: backward gives dW alone.
      {"conv2d", {{"n", 2}, {"c", 3}, {"h", 13}, {"w", 11}, {"k", 5}, {"r", 3}, {"s", 3}, {"stride", 1}, {"pad", 1},
                  {"weight_grad_only", true}}},
      {"sgd_update", {{"n", 1001}, {"momentum", true}}},
      // The tanh form, and each built from elementary ops beside the framework's own kernel.
      {"gelu", {{"n", 1001}, {"approximate", "tanh"}}},
      {"gelu", {{"n", 1001}, {"impl", "composed"}}},
      {"gelu", {{"n", 1001}, {"approximate", "tanh"}, {"impl", "composed"}}},
      {"layer_norm", {{"rows", 13}, {"cols", 101}, {"impl", "composed"}}},
      // Each mask, fused and composed.
      {"attention", {{"batch", 2}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}, {"mask", "causal"}}},
      {"attention", {{"batch", 5}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}, {"mask", "padding"}}},
      {"attention", {{"batch", 2}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}, {"impl", "composed"}}},
      {"attention", {{"batch", 2}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}, {"mask", "causal"}, {"impl", "composed"}}},
      {"attention", {{"batch", 5}, {"heads", 3}, {"seq", 13}, {"head_dim", 5}, {"mask", "padding"}, {"impl", "composed"}}},
      // Every dispatch mode, in every backend: each runs the modes it has and refuses the others.
      {"dispatch", {{"mode", "graph"}}}, {"dispatch", {{"mode", "eager"}}},
      {"dispatch", {{"mode", "imperative"}}}, {"dispatch", {{"mode", "cachedop"}}},
  };
  return params;
}

// The parameter sets each backend runs `op` with: small_params(), then any extra_params().
std::vector<nlohmann::json> cases_of(const std::string& op) {
  std::vector<nlohmann::json> out = {small_params().at(op)};
  const auto [first, last] = extra_params().equal_range(op);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

nlohmann::json run_worker(const std::filesystem::path& exe, const CaseSpec& c) {
  const ProcessResult p = run_process({exe.string(), "--run"}, {"TF_CPP_MIN_LOG_LEVEL=2", "OMP_NUM_THREADS=2"},
                                      nlohmann::json(c).dump() + "\n", 120, 5);
  const auto line = p.stdout_text.substr(0, p.stdout_text.find('\n'));
  if (line.empty()) return {{"status", "no reply"}, {"stderr", p.stderr_tail}};
  return nlohmann::json::parse(line);
}

class BackendOps : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(BackendOpsTable, EveryCatalogueOpHasASmallCase) {
  for (const OpDef* op : all_ops()) {
    ASSERT_TRUE(small_params().count(op->name())) << op->name() << " needs an entry in small_params()";
    for (const nlohmann::json& p : cases_of(op->name())) EXPECT_NO_THROW(op->validate_params(p)) << p.dump();
  }
}

TEST_P(BackendOps, EveryImplementedOpMatchesTheReference) {
  const std::string backend = GetParam();
  const auto exe = testing::bin_dir() / ("versus-worker-" + backend);
  if (!testing::worker_built(backend)) {
    if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) FAIL() << "worker " << backend << " was not built";
    GTEST_SKIP() << "worker " << backend << " not built here";
  }
  const ProcessResult info = run_process({exe.string(), "--info"}, {"TF_CPP_MIN_LOG_LEVEL=2"}, "", 60, 5);
  const nlohmann::json described = nlohmann::json::parse(info.stdout_text);
  ASSERT_TRUE(described.contains("ops")) << info.stdout_text;
  std::map<std::string, bool> forward_ok;   // op -> some variant ran its forward pass
  std::map<std::string, bool> variant_ran;  // "variant op" -> it ran forward
  const nlohmann::json declared = described.value("variant_ops", nlohmann::json::object());
  auto declares = [&](const std::string& variant, const std::string& op = "") {
    if (!declared.contains(variant)) return false;
    return op.empty() || std::find(declared[variant].begin(), declared[variant].end(), op) != declared[variant].end();
  };
  // Every variant, and every execution mode that needs no environment from the runner (TF eager,
  // MXNet hybridized, torch no-mkldnn): chosen like a variant, validated the same way.
  nlohmann::json variants = described["variants"];
  for (const auto& m : described.value("modes", nlohmann::json::array()))
    if (m["environment"].empty() && std::find(variants.begin(), variants.end(), m["name"]) == variants.end())
      variants.push_back(m["name"]);
  for (const auto& variant : variants)
    for (const auto& op_name : described["ops"]) {
      const OpDef& op = find_op(op_name.get<std::string>());
      for (const nlohmann::json& params : cases_of(op.name())) {
        for (const std::string direction : {"forward", "backward"}) {
          if (direction == "backward" && !op.has_backward()) continue;
          CaseSpec c;
          c.op = op.name();
          c.params = params;
          c.backend = backend;
          c.variant = variant.get<std::string>();
          c.direction = direction;
          c.threads = 2;
          c.timing = {1, 0.0, 2, 0.0};
          const nlohmann::json r = run_worker(exe, c);
          SCOPED_TRACE(backend + ":" + c.variant + " " + c.op + " " + direction + " " + params.dump());
          const std::string status = r.value("status", "");
          // Where the worker declares which variants have which ops (native), the declaration is
          // what the plan trusts: an undeclared op is unsupported, a declared one runs (checked below).
          if (declares(c.variant) && !declares(c.variant, c.op)) {
            EXPECT_EQ(status, "unsupported") << "declared without " << c.op << ": " << r.dump().substr(0, 300);
          }
          if (status == "ok" && direction == "forward") variant_ran[c.variant + " " + c.op] = true;
          // A backend may lack an op's backward pass, or a variant may lack the op (native's
          // openblas has no convolution); it must then say so, never fake it.
          if (status == "unsupported") {
            EXPECT_FALSE(r.value("reason", "").empty());
            continue;
          }
          ASSERT_EQ(status, "ok") << r.dump();
          if (direction == "forward") forward_ok[c.op] = true;
          EXPECT_TRUE(r["validation"]["passed"].get<bool>());
          EXPECT_EQ(r["samples_seconds"].size(), 2u);
        }
      }
    }
  for (const auto& [variant, ops] : declared.items())
    for (const auto& op : ops) EXPECT_TRUE(variant_ran[variant + " " + op.get<std::string>()]) << backend << ":" << variant << " declares " << op << " but did not run it";
  // An op a worker lists must run forward in at least one of its variants.
  for (const auto& op_name : described["ops"])
    EXPECT_TRUE(forward_ok[op_name.get<std::string>()]) << backend << " lists " << op_name << " but no variant ran it";
}

// Equal work: TensorFlow's NCHW conv takes its filter in the layout a TF model stores (HWIO),
// converted before timing like torch's and MXNet's; the graph it times holds no Transpose of the
// filter, and of X and Y only where the build's CPU kernel takes NHWC alone (then noted).
TEST(TensorflowConv, TheTimedGraphHoldsNoFilterTranspose) {
  if (!testing::worker_built("tensorflow")) {
    if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) FAIL() << "worker tensorflow was not built";
    GTEST_SKIP() << "worker tensorflow not built here";
  }
  for (const std::string direction : {"forward", "backward"}) {
    CaseSpec c;
    c.op = "conv2d";
    c.params = small_params().at("conv2d");
    c.backend = "tensorflow";
    c.direction = direction;
    c.threads = 2;
    c.timing = {1, 0.0, 2, 0.0};
    const nlohmann::json r = run_worker(testing::bin_dir() / "versus-worker-tensorflow", c);
    SCOPED_TRACE(direction);
    ASSERT_EQ(r.value("status", ""), "ok") << r.dump();
    EXPECT_TRUE(r["validation"]["passed"].get<bool>());  // dW converted back to OIHW outside the run
    const nlohmann::json notes = r["framework"]["graph_notes"];
    ASSERT_TRUE(notes.contains("graph_ops")) << notes.dump();
    EXPECT_EQ(notes["graph_ops"].value("Conv2D", 0), 1) << notes.dump();
    const bool bridged = notes.contains("bridge");
    // Without the bridge there is no Transpose at all; with it, only X's and Y's (and their gradients').
    EXPECT_EQ(notes["graph_ops"].value("Transpose", 0), bridged ? (direction == "forward" ? 2 : 4) : 0) << notes.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(AllFrameworks, BackendOps, ::testing::Values("native", "tensorflow", "mxnet", "torch"));

}  // namespace versus
