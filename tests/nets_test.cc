// The neutral network description: every shipped network parses with the expected parameter
// count, bad files are rejected by name, weights are seeded, layout conversions round-trip.
#include <cmath>

#include <gtest/gtest.h>

#include "core/errors.h"
#include "nets/layout.h"
#include "core/op_registry.h"
#include "nets/network.h"
#include "nets/network_ops.h"
#include "nets/weights.h"

namespace versus {
namespace {

nlohmann::json tiny(nlohmann::json layers, nlohmann::json input = {{"kind", "image"}, {"shape", {1, 8, 8}}}) {
  return {{"name", "tiny"}, {"input", input}, {"classes", 3}, {"layers", layers}};
}

std::string error_of(const nlohmann::json& doc) {
  try {
    parse_network(doc);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Networks, ShippedNetworksParseWithTheirKnownParameterCounts) {
  // Counted by hand from the definitions (convolutions keep their bias).
  EXPECT_EQ(load_network("mlp").parameter_count(), 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10);
  EXPECT_EQ(load_network("lenet").parameter_count(), 156 + 2416 + 48120 + 10164 + 850);
  EXPECT_EQ(load_network("paper_mlp").parameter_count(), 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
  // LSTM: 4H(F + H) weights and two 4H biases.
  EXPECT_EQ(load_network("imdb_lstm").parameter_count(), 20000 * 128 + 4 * 128 * (128 + 128) + 8 * 128 + 128 + 1);
  const Network lenet = load_network("lenet");
  EXPECT_EQ(lenet.layers[3].in_shape, (Shape{6, 14, 14}));
  EXPECT_EQ(lenet.layers[6].out_shape, (Shape{400}));
  const Network resnet = load_network("resnet20");
  EXPECT_EQ(resnet.layers.back().out_shape, (Shape{10}));
  EXPECT_NEAR(static_cast<double>(resnet.parameter_count()), 0.27e6, 0.01e6);  // He et al.: 0.27M
  // ResNet-50: torchvision's 25 557 032 parameters plus the 26 560 biases our convolutions keep.
  const Network resnet50 = load_network("resnet50");
  EXPECT_EQ(resnet50.parameter_count(), 25557032 + 26560);
  EXPECT_EQ(resnet50.layers[3].out_shape, (Shape{64, 56, 56}));  // stem: 7×7/2 conv, 3×3/2 max-pool
  EXPECT_EQ(resnet50.layers[resnet50.layers.size() - 3].out_shape, (Shape{2048, 1, 1}));  // 7×7 average pool
  // Transformer: embedding, positions, 2 blocks of (ln, 4 projections, ln, 128→512→128), ln, dense 1.
  const int64_t block = 256 + 4 * (128 * 128 + 128) + 256 + (128 * 512 + 512) + (512 * 128 + 128);
  EXPECT_EQ(load_network("transformer").parameter_count(), 20000 * 128 + 128 * 128 + 2 * block + 256 + 129);
  for (const auto& name : available_networks()) EXPECT_NO_THROW(load_network(name)) << name;
  EXPECT_GE(available_networks().size(), 10u);
}

TEST(Networks, BadDescriptionsAreRejectedNamingTheLayerAndTheProblem) {
  EXPECT_NE(error_of(tiny({{{"type", "dense"}, {"units", 3}}})).find("layer dense1 (dense): needs a flat input (add a flatten layer)"),
            std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "flatten"}}, {{"type", "dense"}, {"units", 4}}})).find("the last layer gives [4] but the loss needs [3]"),
            std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "convolution"}}})).find("unknown layer type"), std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "conv2d"}, {"filters", 2}, {"kernel", 9}}})).find("kernel 9 does not fit the 8x8 input"),
            std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "conv2d"}, {"filter", 2}, {"kernel", 3}}})).find("unknown setting 'filter'"), std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "residual"}, {"body", {{{"type", "conv2d"}, {"filters", 2}, {"kernel", 3}, {"padding", 1}}}}}})).find("they must match"),
            std::string::npos);
  EXPECT_NE(error_of(tiny({{{"type", "embedding"}, {"dim", 4}}})).find("needs token input"), std::string::npos);
  EXPECT_NE(error_of({{"name", "x"}}).find("needs an \"input\""), std::string::npos);
  try {
    load_network("nosuchnet");
    ADD_FAILURE();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown network 'nosuchnet'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lenet"), std::string::npos);  // lists what exists
  }
}

TEST(Weights, SeededGlorotInTheNeutralLayoutAndZeroBiases) {
  const Network net = load_network("lenet");
  const auto a = initial_parameters(net, 7), b = initial_parameters(net, 7), c = initial_parameters(net, 8);
  ASSERT_EQ(a.size(), net.params.size());
  EXPECT_EQ(checksum(a), checksum(b));
  EXPECT_NE(checksum(a), checksum(c));
  EXPECT_EQ(a[0].name, "conv2d1.weight");
  EXPECT_EQ(a[0].shape, (Shape{6, 1, 5, 5}));
  const double limit = std::sqrt(6.0 / (25 + 150));
  double max_abs = 0;
  for (float v : a[0].data) max_abs = std::max(max_abs, std::abs(static_cast<double>(v)));
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.8 * limit);
  for (float v : a[1].data) EXPECT_EQ(v, 0.0f);  // conv2d1.bias
  const Network lstm = load_network("imdb_lstm");
  const auto p = initial_parameters(lstm, 1);
  EXPECT_EQ(p[3].name, "lstm1.b_ih");
  EXPECT_EQ(p[3].data[0], 0.0f);     // input gate
  EXPECT_EQ(p[3].data[128], 1.0f);   // forget gate starts open
}

TEST(NetworkOps, EveryNetworkBringsValidOpCasesAtItsOwnShapes) {
  const nlohmann::json lenet = network_op_cases(load_network("lenet"), 64);
  // The first layer reads the network's input, whose gradient a step never computes: dW alone.
  const nlohmann::json conv1 = {{"n", 64}, {"c", 1},      {"h", 28},     {"w", 28},   {"k", 6}, {"r", 5},
                                {"s", 5},  {"stride", 1}, {"pad", 2}, {"weight_grad_only", true}};
  const nlohmann::json fc1 = {{"m", 64}, {"n", 120}, {"k", 400}, {"trans_b", true}};
  int found = 0;
  for (const auto& c : lenet["cases"]) {
    found += (c["op"] == "conv2d" && c["params"] == conv1) + (c["op"] == "gemm" && c["params"] == fc1);
    if (c["op"] == "conv2d") {
      EXPECT_EQ(c["directions"], nlohmann::json({"forward", "backward"}));
      if (c["params"]["c"] != 1) {
        EXPECT_FALSE(c["params"].contains("weight_grad_only")) << c.dump();  // conv2 needs dX
      }
    }
  }
  EXPECT_EQ(found, 2) << lenet.dump();
  EXPECT_EQ(lenet["cases"].back()["op"], "softmax_cross_entropy");
  // ReLUs of equal size are one case naming both layers.
  const nlohmann::json mlp = network_op_cases(load_network("mlp"), 64);
  int relus = 0;
  for (const auto& c : mlp["cases"]) {
    if (c["op"] != "relu") continue;
    ++relus;
    EXPECT_EQ(c["count"], 2) << c.dump();  // ...and count both uses
  }
  EXPECT_EQ(relus, 1);
  // The first dense layer reads the network's input: its backward case computes dW alone.
  int first_layer_gemms = 0;
  for (const auto& c : mlp["cases"])
    if (c["op"] == "gemm" && c["params"].value("b_grad_only", false)) {
      ++first_layer_gemms;
      EXPECT_EQ(c["params"]["k"], 784) << c.dump();
    }
  EXPECT_EQ(first_layer_gemms, 1);
  // A dense layer's GEMM is timed forward and backward (its dX and dW products), as training runs it.
  for (const auto& c : mlp["cases"])
    if (c["op"] == "gemm") {
      EXPECT_EQ(c["directions"], nlohmann::json({"forward", "backward"})) << c.dump();
    }
  for (const auto& name : available_networks()) {
    const nlohmann::json ops = network_op_cases(load_network(name), 8);
    EXPECT_GE(ops["cases"].size(), 2u) << name;
    for (const auto& c : ops["cases"]) EXPECT_NO_THROW(find_op(c["op"]).validate_params(c["params"])) << name << " " << c.dump();
  }
  // With the optimizer, every parameter tensor's update follows, at its size; adam has no op yet.
  const Network mlp_net = load_network("mlp");
  OptimizerSpec momentum;
  momentum.kind = "momentum";
  const nlohmann::json with_updates = network_op_cases(mlp_net, 64, &momentum);
  int64_t updated = 0, updates = 0;
  for (const auto& c : with_updates["cases"])
    if (c["op"] == "sgd_update") {
      EXPECT_TRUE(c["params"]["momentum"].get<bool>());
      EXPECT_FALSE(c.contains("directions"));  // an update has no backward pass
      updated += c["params"]["n"].get<int64_t>() * c["count"].get<int64_t>();
      updates += c["count"].get<int64_t>();
    }
  EXPECT_EQ(updates, static_cast<int64_t>(mlp_net.params.size()));
  EXPECT_EQ(updated, 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10);  // every parameter, once
  OptimizerSpec adam;
  adam.kind = "adam";
  EXPECT_NE(network_op_cases(mlp_net, 64, &adam)["skipped"].dump().find("adam"), std::string::npos);
  // The LSTM layer becomes one time-major lstm case: seq = T, input = the embedding width.
  const nlohmann::json lstm = network_op_cases(load_network("imdb_lstm"), 32);
  int lstms = 0;
  for (const auto& c : lstm["cases"])
    if (c["op"] == "lstm") {
      ++lstms;
      EXPECT_EQ(c["params"], nlohmann::json({{"seq", 80}, {"batch", 32}, {"input", 128}, {"hidden", 128}}));
    }
  EXPECT_EQ(lstms, 1) << lstm.dump();
  EXPECT_EQ(lstm["skipped"].dump().find("lstm1"), std::string::npos);
}

HostTensor iota(Shape shape) {
  HostTensor t{"t", shape, {}};
  t.data.resize(static_cast<size_t>(t.elements()));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i);
  return t;
}

TEST(Layout, ConversionsPutEveryElementWhereTheTargetLayoutExpectsIt) {
  const HostTensor w = iota({2, 3, 4, 5});  // OIHW
  const HostTensor hwio = layout::oihw_to_hwio(w);
  EXPECT_EQ(hwio.shape, (Shape{4, 5, 3, 2}));
  // element (o=1, i=2, h=3, w=4) sits at [h][w][i][o]
  EXPECT_EQ(hwio.data[((3 * 5 + 4) * 3 + 2) * 2 + 1], w.data[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
  EXPECT_EQ(layout::hwio_to_oihw(hwio).data, w.data);
  const HostTensor nhwc = layout::nchw_to_nhwc(w);
  EXPECT_EQ(nhwc.shape, (Shape{2, 4, 5, 3}));
  EXPECT_EQ(nhwc.data[((1 * 4 + 3) * 5 + 4) * 3 + 2], w.data[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
  EXPECT_EQ(layout::nhwc_to_nchw(nhwc).data, w.data);
  const HostTensor m = iota({3, 7});
  const HostTensor mt = layout::transpose2d(m);
  EXPECT_EQ(mt.shape, (Shape{7, 3}));
  EXPECT_EQ(mt.data[5 * 3 + 2], m.data[2 * 7 + 5]);
  EXPECT_EQ(layout::transpose2d(mt).data, m.data);
}

TEST(Layout, AttentionProjectionsFuseAsTorchAndInterleaveAsMxnetAndSplitBack) {
  HostTensor q = iota({4, 2}), k = iota({4, 2}), v = iota({4, 2});
  for (float& x : k.data) x += 100;
  for (float& x : v.data) x += 200;
  // torch's in_proj_weight: all of q's rows, then k's, then v's.
  const HostTensor stacked = layout::fuse_qkv(q, k, v);
  EXPECT_EQ(stacked.shape, (Shape{12, 2}));
  EXPECT_EQ(stacked.data[4 * 2], 100);  // k's row 0 after q's 4 rows
  EXPECT_EQ(stacked.data[8 * 2 + 1], 201);
  // Two heads of width 2: head 0's q rows 0-1, k rows 0-1, v rows 0-1, then head 1's.
  const HostTensor interleaved = layout::fuse_qkv(q, k, v, 2);
  EXPECT_EQ(interleaved.data[2 * 2], 100);     // head 0, k row 0
  EXPECT_EQ(interleaved.data[6 * 2], 4);       // head 1, q row 2
  EXPECT_EQ(interleaved.data[11 * 2 + 1], 207);  // head 1, v row 3 (rows 6-11: q2 q3 k2 k3 v2 v3)
  for (int64_t heads : {1, 2, 4}) {
    const std::vector<HostTensor> back = layout::split_qkv(layout::fuse_qkv(q, k, v, heads), heads);
    EXPECT_EQ(back[0].data, q.data) << heads;
    EXPECT_EQ(back[1].data, k.data) << heads;
    EXPECT_EQ(back[2].data, v.data) << heads;
    EXPECT_EQ(back[2].shape, v.shape);
  }
  const HostTensor bias = iota({4});
  EXPECT_EQ(layout::split_qkv(layout::fuse_qkv(bias, bias, bias, 2), 2)[1].data, bias.data);
  EXPECT_THROW(layout::fuse_qkv(q, k, v, 3), std::invalid_argument);
}

TEST(Layout, LstmGateBlocksReorderAndRestore) {
  const HostTensor b = iota({8});  // H = 2: i i f f g g o o
  const std::vector<int> icfo = {0, 2, 1, 3};
  const HostTensor r = layout::reorder_gates(b, icfo);
  EXPECT_EQ(r.data, (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7}));
  EXPECT_EQ(layout::restore_gates(r, icfo).data, b.data);
  const std::vector<int> rotate = {3, 0, 1, 2};
  EXPECT_EQ(layout::restore_gates(layout::reorder_gates(iota({8, 3}), rotate), rotate).data, iota({8, 3}).data);
  EXPECT_THROW(layout::reorder_gates(iota({6}), icfo), std::invalid_argument);
}

}  // namespace
}  // namespace versus
