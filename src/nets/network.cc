#include "nets/network.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/json_number.h"

namespace versus {

void to_json(nlohmann::json& j, const OptimizerSpec& o) {
  j = {{"kind", o.kind}, {"learning_rate", o.learning_rate}};
  if (o.kind == "momentum") j["momentum"] = o.momentum;
  if (o.kind == "adam") j.update({{"beta1", o.beta1}, {"beta2", o.beta2}, {"epsilon", o.epsilon}});
}

void from_json(const nlohmann::json& j, OptimizerSpec& o) {
  o.kind = j.value("kind", o.kind);
  if (o.kind != "sgd" && o.kind != "momentum" && o.kind != "adam")
    throw UserError("unknown optimizer '" + o.kind + "': use sgd, momentum or adam");
  o.learning_rate = j.value("learning_rate", o.learning_rate);
  o.momentum = j.value("momentum", o.momentum);
  o.beta1 = j.value("beta1", o.beta1);
  o.beta2 = j.value("beta2", o.beta2);
  o.epsilon = j.value("epsilon", o.epsilon);
  if (!(o.learning_rate > 0)) throw UserError("learning rate must be positive");
}

int64_t Network::parameter_count() const {
  int64_t n = 0;
  for (const ParamSpec& p : params) {
    int64_t e = 1;
    for (int64_t d : p.shape) e *= d;
    n += e;
  }
  return n;
}

namespace {

// Limits that keep shape arithmetic in int64_t (found by fuzz/network_fuzzer: a flatten of
// [2^62, 4, 1] overflowed): one size below 2^31, one tensor (per sample) or parameter below 2^40
// elements -- far beyond any network a machine can train.
constexpr int64_t kMaxSize = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxElements = int64_t{1} << 40;

// The elements of `shape`, or -1 when they exceed kMaxElements.
int64_t elements_or_too_many(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxElements / d)) return -1;
    n *= d;
  }
  return n;
}

// A whole-number setting below 2^31, or `fallback` when absent (core/json_number.h does the check
// nlohmann's cast lacks: 1e300 was undefined behaviour, found by fuzz/network_fuzzer).
int64_t integer_setting(const nlohmann::json& obj, const char* key, int64_t fallback, const std::string& where) {
  const int64_t v = whole_number(obj, key, fallback, where);
  if (v > kMaxSize) throw UserError(fmt::format("{}: \"{}\" must be a whole number below 2^31, got {}", where, key, v));
  return v;
}

// Builds layers in order, resolving shapes and appending parameters to the network.
class LayerParser {
 public:
  explicit LayerParser(Network& net) : net_(net) {}

  std::vector<Layer> parse_list(const nlohmann::json& list, Shape in, const std::string& where) {
    if (!list.is_array()) throw UserError(where + ": 'layers' must be a list");
    std::vector<Layer> layers;
    for (const auto& doc : list) {
      layers.push_back(parse_layer(doc, in));
      in = layers.back().out_shape;
    }
    return layers;
  }

 private:
  Network& net_;
  std::map<std::string, int> type_counts_;
  std::set<std::string> names_;

  static const std::set<std::string>& keys_for(const std::string& type) {
    static const std::map<std::string, std::set<std::string>> keys = {
        {"dense", {"units"}},
        {"conv2d", {"filters", "kernel", "stride", "padding"}},
        {"max_pool", {"kernel", "stride", "padding"}},
        {"avg_pool", {"kernel", "stride", "padding"}},
        {"relu", {}}, {"sigmoid", {}}, {"tanh", {}}, {"flatten", {}},
        {"batch_norm", {"epsilon", "momentum"}},
        {"embedding", {"dim", "vocab"}},
        {"lstm", {"hidden"}},
        {"residual", {"body", "shortcut"}},
        {"positional_embedding", {"positions"}},
        {"layer_norm", {"epsilon"}},
        {"gelu", {"approximate"}},
        {"multi_head_attention", {"heads"}},
        {"mean_pool", {}},
    };
    static const std::set<std::string> none;
    const auto it = keys.find(type);
    return it == keys.end() ? none : it->second;
  }

  [[noreturn]] void fail(const Layer& l, const std::string& what) const {
    throw UserError(fmt::format("network '{}', layer {} ({}): {}", net_.name, l.name, l.type, what));
  }

  int64_t positive(const nlohmann::json& doc, const Layer& l, const char* key, int64_t fallback = -1) const {
    if (!doc.contains(key)) {
      if (fallback >= 0) return fallback;
      fail(l, fmt::format("needs '{}'", key));
    }
    if (!doc[key].is_number_integer() || doc[key].get<int64_t>() < (std::string(key) == "padding" ? 0 : 1) ||
        doc[key].get<int64_t>() > kMaxSize)
      fail(l, fmt::format("'{}' must be a positive integer below 2^31, got {}", key, doc[key].dump()));
    return doc[key].get<int64_t>();
  }

  // Fails unless `shape` (an output or a parameter of `l`) has at most kMaxElements elements.
  int64_t elements(const Layer& l, const Shape& shape) const {
    const int64_t n = elements_or_too_many(shape);
    if (n < 0) fail(l, fmt::format("[{}] has more than 2^40 elements", fmt::join(shape, ", ")));
    return n;
  }

  void add_param(Layer& l, const std::string& role, Shape shape, Init init, int64_t fan_in = 0, int64_t fan_out = 0) {
    elements(l, shape);
    l.params.push_back(static_cast<int>(net_.params.size()));
    net_.params.push_back({l.name + "." + role, std::move(shape), init, fan_in, fan_out});
  }

  void windowed_output(Layer& l) const {
    const Shape& in = l.in_shape;
    if (in.size() != 3) fail(l, fmt::format("needs a [C, H, W] input, got [{}]", fmt::join(in, ", ")));
    const int64_t h = (in[1] + 2 * l.padding - l.kernel) / l.stride + 1;
    const int64_t w = (in[2] + 2 * l.padding - l.kernel) / l.stride + 1;
    if (h < 1 || w < 1 || l.kernel > in[1] + 2 * l.padding)
      fail(l, fmt::format("kernel {} does not fit the {}x{} input", l.kernel, in[1], in[2]));
    l.out_shape = {l.type == "conv2d" ? l.units : in[0], h, w};
  }

  Layer parse_layer(const nlohmann::json& doc, const Shape& in) {
    Layer l;
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
      throw UserError(fmt::format("network '{}': every layer needs a \"type\", got {}", net_.name, doc.dump()));
    l.type = doc["type"];
    const int n = ++type_counts_[l.type];
    l.name = doc.value("name", l.type + std::to_string(n));
    if (!names_.insert(l.name).second) fail(l, "the layer name is used twice");
    l.in_shape = in;
    const auto& allowed = keys_for(l.type);
    if (allowed.empty() && !(l.type == "relu" || l.type == "sigmoid" || l.type == "tanh" || l.type == "flatten" ||
                             l.type == "mean_pool"))
      fail(l, "unknown layer type: use dense, conv2d, max_pool, avg_pool, relu, sigmoid, tanh, gelu, flatten, "
              "batch_norm, layer_norm, embedding, positional_embedding, lstm, multi_head_attention, mean_pool or residual");
    for (const auto& [key, value] : doc.items())
      if (key != "type" && key != "name" && !allowed.count(key)) fail(l, fmt::format("unknown setting '{}'", key));

    if (l.type == "dense") {
      // A flat input, or a sequence [time, features] transformed position by position.
      if (in.size() != 1 && !(in.size() == 2 && net_.input_kind == "tokens"))
        fail(l, fmt::format("needs a flat input (add a flatten layer) or a [time, features] sequence, got [{}]",
                            fmt::join(in, ", ")));
      l.units = positive(doc, l, "units");
      l.out_shape = in;
      l.out_shape.back() = l.units;
      add_param(l, "weight", {l.units, in.back()}, Init::kGlorotUniform, in.back(), l.units);
      add_param(l, "bias", {l.units}, Init::kZeros);
    } else if (l.type == "conv2d") {
      l.units = positive(doc, l, "filters");
      l.kernel = positive(doc, l, "kernel");
      l.stride = positive(doc, l, "stride", 1);
      l.padding = positive(doc, l, "padding", 0);
      windowed_output(l);
      elements(l, {l.units, in[0], l.kernel, l.kernel});  // before the fan-ins multiply them
      const int64_t k2 = l.kernel * l.kernel;
      add_param(l, "weight", {l.units, in[0], l.kernel, l.kernel}, Init::kGlorotUniform, in[0] * k2, l.units * k2);
      add_param(l, "bias", {l.units}, Init::kZeros);
    } else if (l.type == "max_pool" || l.type == "avg_pool") {
      l.kernel = positive(doc, l, "kernel");
      l.stride = positive(doc, l, "stride", l.kernel);
      l.padding = positive(doc, l, "padding", 0);
      if (2 * l.padding > l.kernel) fail(l, "padding must be at most half the kernel");
      windowed_output(l);
    } else if (l.type == "relu" || l.type == "sigmoid" || l.type == "tanh") {
      l.out_shape = in;
    } else if (l.type == "gelu") {
      const std::string form = doc.value("approximate", std::string("none"));
      if (form != "none" && form != "tanh") fail(l, fmt::format("'approximate' must be \"none\" or \"tanh\", got \"{}\"", form));
      l.approximate_tanh = form == "tanh";
      l.out_shape = in;
    } else if (l.type == "layer_norm") {
      l.epsilon = doc.value("epsilon", l.epsilon);
      if (!(l.epsilon > 0)) fail(l, "needs epsilon > 0");
      l.out_shape = in;
      add_param(l, "gamma", {in.back()}, Init::kOnes);
      add_param(l, "beta", {in.back()}, Init::kZeros);
    } else if (l.type == "positional_embedding") {
      if (in.size() != 2) fail(l, fmt::format("needs a [time, features] input (after an embedding), got [{}]", fmt::join(in, ", ")));
      l.vocab = positive(doc, l, "positions", in[0]);
      if (in[0] > l.vocab)
        fail(l, fmt::format("the sequence of {} tokens is longer than the positions table ({} positions): raise "
                            "\"positions\" or shorten the input", in[0], l.vocab));
      l.out_shape = in;
      add_param(l, "weight", {l.vocab, in[1]}, Init::kUniform005);
    } else if (l.type == "multi_head_attention") {
      if (in.size() != 2 || net_.input_kind != "tokens")
        fail(l, fmt::format("needs a [time, features] sequence of a token input, got [{}]", fmt::join(in, ", ")));
      l.units = positive(doc, l, "heads");
      const int64_t width = in[1];
      if (width % l.units != 0)
        fail(l, fmt::format("{} heads do not divide the width {}: each head takes width / heads features", l.units, width));
      l.out_shape = in;
      for (const char* p : {"q", "k", "v", "o"}) {
        add_param(l, fmt::format("w{}", p), {width, width}, Init::kGlorotUniform, width, width);
        add_param(l, fmt::format("b{}", p), {width}, Init::kZeros);
      }
    } else if (l.type == "mean_pool") {
      if (in.size() != 2) fail(l, fmt::format("needs a [time, features] input, got [{}]", fmt::join(in, ", ")));
      l.out_shape = {in[1]};
    } else if (l.type == "flatten") {
      l.out_shape = {elements(l, in)};
    } else if (l.type == "batch_norm") {
      if (in.size() != 3 && in.size() != 1) fail(l, "needs a [C, H, W] or [features] input");
      l.epsilon = doc.value("epsilon", l.epsilon);
      l.momentum = doc.value("momentum", l.momentum);
      if (!(l.epsilon > 0) || !(l.momentum >= 0 && l.momentum < 1)) fail(l, "needs epsilon > 0 and 0 <= momentum < 1");
      l.out_shape = in;
      add_param(l, "gamma", {in[0]}, Init::kOnes);
      add_param(l, "beta", {in[0]}, Init::kZeros);
    } else if (l.type == "embedding") {
      if (net_.input_kind != "tokens" || in.size() != 1)
        fail(l, "needs token input ({\"kind\": \"tokens\"}) as its input");
      l.vocab = positive(doc, l, "vocab", net_.vocab);
      if (l.vocab < net_.vocab) fail(l, fmt::format("vocab {} is smaller than the input's {}", l.vocab, net_.vocab));
      l.units = positive(doc, l, "dim");
      l.out_shape = {in[0], l.units};
      add_param(l, "weight", {l.vocab, l.units}, Init::kUniform005);
    } else if (l.type == "lstm") {
      if (in.size() != 2) fail(l, "needs a [time, features] input (e.g. after an embedding)");
      l.units = positive(doc, l, "hidden");
      const int64_t h = l.units, f = in[1];
      l.out_shape = {h};
      add_param(l, "w_ih", {4 * h, f}, Init::kGlorotUniform, f, 4 * h);
      add_param(l, "w_hh", {4 * h, h}, Init::kGlorotUniform, h, 4 * h);
      add_param(l, "b_ih", {4 * h}, Init::kForgetBiasOne);
      add_param(l, "b_hh", {4 * h}, Init::kZeros);
    } else if (l.type == "residual") {
      if (!doc.contains("body")) fail(l, "needs a 'body' list of layers");
      l.body = parse_list(doc["body"], in, l.name + ".body");
      l.shortcut = parse_list(doc.value("shortcut", nlohmann::json::array()), in, l.name + ".shortcut");
      const Shape body_out = l.body.empty() ? in : l.body.back().out_shape;
      const Shape short_out = l.shortcut.empty() ? in : l.shortcut.back().out_shape;
      if (body_out != short_out)
        fail(l, fmt::format("body gives [{}] but the shortcut gives [{}]: they are added, so they must match",
                            fmt::join(body_out, ", "), fmt::join(short_out, ", ")));
      l.out_shape = body_out;
    }
    elements(l, l.out_shape);
    return l;
  }
};

Shape shape_from(const nlohmann::json& j, const std::string& what) {
  if (!j.is_array() || j.empty()) throw UserError(what + " must be a non-empty list of sizes");
  Shape s;
  for (const auto& d : j) {
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > kMaxSize)
      throw UserError(what + " must hold positive integers below 2^31");
    s.push_back(d.get<int64_t>());
  }
  return s;
}

}  // namespace

bool needs_token_mask(const std::vector<Layer>& layers) {
  return std::any_of(layers.begin(), layers.end(), [](const Layer& l) {
    return l.type == "multi_head_attention" || l.type == "mean_pool" || needs_token_mask(l.body) ||
           needs_token_mask(l.shortcut);
  });
}

Network parse_network(const nlohmann::json& doc) {
  if (!doc.is_object()) throw UserError("a network file must hold one JSON object");
  Network net;
  net.name = doc.value("name", "");
  if (net.name.empty()) throw UserError("a network needs a \"name\"");
  net.description = doc.value("description", "");
  net.source = doc.value("source", "");
  if (!doc.contains("input") || !doc["input"].is_object())
    throw UserError("network '" + net.name + "': needs an \"input\" object ({\"kind\": \"image\", \"shape\": [C, H, W]})");
  const auto& input = doc["input"];
  net.input_kind = input.value("kind", "");
  net.input_shape = shape_from(input.value("shape", nlohmann::json()), "network '" + net.name + "': input.shape");
  if (net.input_kind == "image") {
    if (net.input_shape.size() != 3) throw UserError("network '" + net.name + "': image input.shape is [C, H, W]");
  } else if (net.input_kind == "tokens") {
    if (net.input_shape.size() != 1) throw UserError("network '" + net.name + "': tokens input.shape is [T]");
    net.vocab = integer_setting(input, "vocab", 0, "network '" + net.name + "': input");
    if (net.vocab < 2) throw UserError("network '" + net.name + "': tokens input needs \"vocab\" (at least 2)");
  } else {
    throw UserError("network '" + net.name + "': input.kind must be \"image\" or \"tokens\"");
  }
  net.classes = integer_setting(doc, "classes", 0, "network '" + net.name + "'");
  net.loss = doc.value("loss", "softmax_cross_entropy");
  if (net.loss != "softmax_cross_entropy" && net.loss != "sigmoid_cross_entropy")
    throw UserError("network '" + net.name + "': loss must be softmax_cross_entropy or sigmoid_cross_entropy");
  if (net.loss == "softmax_cross_entropy" && net.classes < 2)
    throw UserError("network '" + net.name + "': needs \"classes\" (at least 2)");
  if (net.loss == "sigmoid_cross_entropy") net.classes = 2;
  net.dataset = doc.value("dataset", "");
  const auto training = doc.value("training", nlohmann::json::object());
  net.optimizer = training.value("optimizer", nlohmann::json::object()).get<OptimizerSpec>();
  net.batch = integer_setting(training, "batch", net.batch, "network '" + net.name + "': training");
  net.epochs = integer_setting(training, "epochs", net.epochs, "network '" + net.name + "': training");
  if (net.batch < 1 || net.epochs < 1) throw UserError("network '" + net.name + "': batch and epochs must be positive");

  LayerParser parser(net);
  net.layers = parser.parse_list(doc.value("layers", nlohmann::json()), net.input_shape, "network '" + net.name + "'");
  if (net.layers.empty()) throw UserError("network '" + net.name + "': has no layers");
  const Shape out = net.layers.back().out_shape;
  const Shape expected = net.loss == "sigmoid_cross_entropy" ? Shape{1} : Shape{net.classes};
  if (out != expected)
    throw UserError(fmt::format("network '{}': the last layer gives [{}] but the loss needs [{}] (one logit per class)",
                                net.name, fmt::join(out, ", "), fmt::join(expected, ", ")));
  net.source_json = doc;
  return net;
}

std::filesystem::path networks_directory() {
  if (const char* dir = std::getenv("VERSUS_NETWORKS_DIR"); dir && *dir) return dir;
  return VERSUS_SOURCE_DIR "/networks";
}

std::vector<std::string> available_networks() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(networks_directory(), ec))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Network load_network(const std::string& name_or_path) {
  std::filesystem::path path = name_or_path;
  if (path.extension() != ".json") path = networks_directory() / (name_or_path + ".json");
  std::ifstream in(path);
  if (!in) {
    std::string known;
    for (const auto& n : available_networks()) known += (known.empty() ? "" : ", ") + n;
    throw UserError(fmt::format("unknown network '{}' (no {}): known networks are {}", name_or_path, path.string(),
                                known.empty() ? "none" : known));
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{} is not valid JSON: {}", path.string(), e.what()));
  }
  try {
    return parse_network(doc);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{}: a setting has the wrong type: {}", path.string(), e.what()));
  }
}

}  // namespace versus
