// The transformer's layer types as data (#21): an encoder classifier parses with every shape and
// parameter worked out, its training step's op cases come from the file, and the bad inputs the
// issue names are refused before any framework starts, naming the layer and the numbers.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "nets/network.h"
#include "nets/network_ops.h"

namespace versus {
namespace {

using json = nlohmann::json;

// A pre-norm encoder block of width 128: attention and the feed-forward, each around a residual.
json block(int heads = 4) {
  return json::array({{{"type", "residual"}, {"body", {{{"type", "layer_norm"}}, {{"type", "multi_head_attention"}, {"heads", heads}}}}},
                      {{"type", "residual"},
                       {"body", {{{"type", "layer_norm"}}, {{"type", "dense"}, {"units", 512}}, {{"type", "gelu"}}, {{"type", "dense"}, {"units", 128}}}}}});
}

json encoder(json blocks, int64_t seq = 128, int64_t positions = 128) {
  json layers = {{{"type", "embedding"}, {"dim", 128}}, {{"type", "positional_embedding"}, {"positions", positions}}};
  for (const auto& l : blocks) layers.push_back(l);
  for (const json& l : json::array({{{"type", "layer_norm"}}, {{"type", "mean_pool"}}, {{"type", "dense"}, {"units", 1}}}))
    layers.push_back(l);
  return {{"name", "encoder"},
          {"input", {{"kind", "tokens"}, {"shape", {seq}}, {"vocab", 20000}}},
          {"loss", "sigmoid_cross_entropy"},
          {"layers", layers}};
}

json two_blocks(int heads = 4) {
  json b = block(heads);
  for (const auto& l : block(heads)) b.push_back(l);
  return b;
}

std::string error_of(const json& doc) {
  try {
    parse_network(doc);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TransformerNetwork, ParsesWithEveryShapeAndParameter) {
  const Network net = parse_network(encoder(two_blocks()));
  // embedding, positions, 2 × (ln + attention 4·(128² + 128) + ln + 128·512 + 512 + 512·128 + 128), ln, dense 1.
  const int64_t block = 256 + 4 * (128 * 128 + 128) + 256 + (128 * 512 + 512) + (512 * 128 + 128);
  EXPECT_EQ(net.parameter_count(), 20000 * 128 + 128 * 128 + 2 * block + 256 + 129);
  EXPECT_EQ(net.layers[1].type, "positional_embedding");
  EXPECT_EQ(net.layers[1].out_shape, (Shape{128, 128}));
  const Layer& attention = net.layers[2].body[1];
  EXPECT_EQ(attention.type, "multi_head_attention");
  EXPECT_EQ(attention.units, 4);
  ASSERT_EQ(attention.params.size(), 8u);
  EXPECT_EQ(net.params[attention.params[0]].name, attention.name + ".wq");
  EXPECT_EQ(net.params[attention.params[7]].name, attention.name + ".bo");
  const Layer& feed_forward = net.layers[3].body[1];
  EXPECT_EQ(feed_forward.out_shape, (Shape{128, 512}));  // dense on a sequence: per position
  EXPECT_EQ(net.params[feed_forward.params[0]].shape, (Shape{512, 128}));
  EXPECT_EQ(net.layers[net.layers.size() - 2].out_shape, (Shape{128}));  // mean_pool over time
}

// Only networks with a layer that reads the padding mask have their embedding compute it (found
// inside residual bodies too); the LSTMs' timed steps do without that op.
TEST(TransformerNetwork, OnlyAttentionAndMeanPoolingNeedTheTokenMask) {
  EXPECT_TRUE(needs_token_mask(parse_network(encoder(two_blocks())).layers));
  json attention_in_a_residual_only = encoder(block());
  auto& layers = attention_in_a_residual_only["layers"];
  layers[layers.size() - 2] = {{"type", "flatten"}};  // in place of the mean_pool
  EXPECT_TRUE(needs_token_mask(parse_network(attention_in_a_residual_only).layers));
  const json tokens = {{"kind", "tokens"}, {"shape", {20}}, {"vocab", 50}};
  const json bag = {{"name", "bag"}, {"input", tokens}, {"loss", "sigmoid_cross_entropy"},
                    {"layers", {{{"type", "embedding"}, {"dim", 8}}, {{"type", "mean_pool"}}, {{"type", "dense"}, {"units", 1}}}}};
  EXPECT_TRUE(needs_token_mask(parse_network(bag).layers));
  const json lstm = {{"name", "lstm"}, {"input", tokens}, {"loss", "sigmoid_cross_entropy"},
                     {"layers", {{{"type", "embedding"}, {"dim", 8}}, {{"type", "lstm"}, {"hidden", 4}}, {{"type", "dense"}, {"units", 1}}}}};
  EXPECT_FALSE(needs_token_mask(parse_network(lstm).layers));
}

TEST(TransformerNetwork, TrainingStepOpCasesComeFromTheFile) {
  const json ops = network_op_cases(parse_network(encoder(two_blocks())), 32);
  auto find = [&](const std::string& op) {
    for (const auto& c : ops["cases"])
      if (c["op"] == op) return c;
    return json();
  };
  const json attention = find("attention");
  ASSERT_FALSE(attention.is_null()) << ops.dump(1);
  EXPECT_EQ(attention["params"], (json{{"batch", 32}, {"heads", 4}, {"seq", 128}, {"head_dim", 32}, {"mask", "padding"}}));
  EXPECT_EQ(attention["count"], 2);  // one per block
  EXPECT_EQ(find("layer_norm")["params"], (json{{"rows", 32 * 128}, {"cols", 128}}));
  EXPECT_EQ(find("layer_norm")["count"], 5);  // two per block and the final one
  EXPECT_EQ(find("gelu")["params"], (json{{"n", 32 * 128 * 512}}));
  bool projection = false;
  for (const auto& c : ops["cases"])
    projection = projection || (c["op"] == "gemm" && c["params"]["m"] == 32 * 128 && c["params"]["n"] == 128 &&
                                c["params"]["k"] == 128 && c["count"] == 8);  // q, k, v, o in both blocks
  EXPECT_TRUE(projection) << ops.dump(1);
  for (const auto& c : ops["cases"]) EXPECT_NO_THROW(find_op(c["op"]).validate_params(c["params"])) << c.dump();
}

TEST(TransformerNetwork, BadInputIsNamedWithTheLayerAndTheNumbers) {
  EXPECT_NE(error_of(encoder(two_blocks(3))).find("multi_head_attention1 (multi_head_attention): 3 heads do not divide the width 128"),
            std::string::npos) << error_of(encoder(two_blocks(3)));
  EXPECT_NE(error_of(encoder(two_blocks(), 256, 128))
                .find("positional_embedding1 (positional_embedding): the sequence of 256 tokens is longer than the positions table (128 positions)"),
            std::string::npos) << error_of(encoder(two_blocks(), 256, 128));
  json gelu = encoder(two_blocks());
  gelu["layers"][2]["body"][1] = {{"type", "gelu"}, {"approximate", "sigmoid"}};
  EXPECT_NE(error_of(gelu).find("'approximate' must be \"none\" or \"tanh\""), std::string::npos) << error_of(gelu);
  // Attention needs a token sequence: not an image, and not before the embedding.
  const json image = {{"name", "img"}, {"input", {{"kind", "image"}, {"shape", {1, 8, 8}}}}, {"classes", 2},
                      {"layers", {{{"type", "multi_head_attention"}, {"heads", 2}}}}};
  EXPECT_NE(error_of(image).find("needs a [time, features] sequence of a token input, got [1, 8, 8]"), std::string::npos)
      << error_of(image);
  json pool_first = encoder(json::array());
  pool_first["layers"].insert(pool_first["layers"].begin(), json::object({{"type", "mean_pool"}}));
  EXPECT_NE(error_of(pool_first).find("mean_pool1 (mean_pool): needs a [time, features] input, got [128]"), std::string::npos)
      << error_of(pool_first);
}

}  // namespace
}  // namespace versus
