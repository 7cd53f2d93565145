// load (core/ops/load.h) in TensorFlow: a graph of TF's own file and decode ops, as a TF user
// reads a dataset without tf.data — ReadFile, DecodeCompressed (GZIP) for idx-gz, DecodeRaw for
// the IDX and CIFAR-10 bytes; for CSV, StringSplitV2 into lines and DecodeCSV (the parser behind
// tf.data's CSV readers) with every column required. The file name is a fed string Placeholder,
// so grappler cannot fold the read into a constant at session setup. The graph casts the bytes
// to float32 (what training consumes) and fetches images and labels.
#include <filesystem>
#include <memory>

#include "backends/tensorflow/graph_builder.h"
#include "core/ops/load.h"
#include "data/load_files.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

// The case's files live as long as the graph that reads them.
class WithFiles final : public OpInstance {
 public:
  WithFiles(std::unique_ptr<LoadFiles> files, std::unique_ptr<OpInstance> graph)
      : files_(std::move(files)), graph_(std::move(graph)) {}
  void run() override { graph_->run(); }
  std::vector<std::vector<float>> outputs() override { return graph_->outputs(); }

 private:
  std::unique_ptr<LoadFiles> files_;
  std::unique_ptr<OpInstance> graph_;
};

TF_Output to_float(GraphBuilder& g, TF_Output x) {
  return g.op("Cast", {x}, [](Desc d) { TF_SetAttrType(d, "DstT", TF_FLOAT); });
}

std::unique_ptr<OpInstance> prepare_load(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx) {
  if (c.device != "cpu") throw UnsupportedCase("ReadFile and the decode ops run on the host: load is a cpu case");
  auto files = std::make_unique<LoadFiles>(c, in);
  const LoadParams& p = files->params();
  const auto n = static_cast<int32_t>(p.samples), px = static_cast<int32_t>(p.pixels());
  GraphBuilder g(c, ctx);
  int feeds = 0;
  const auto read = [&](const std::filesystem::path& f) {
    TF_Output contents = g.op("ReadFile", {g.feed_string(fmt::format("file_{}", ++feeds), f.string())});
    if (p.format == "idx-gz")
      contents = g.op("DecodeCompressed", {contents}, [](Desc d) { attr_string(d, "compression_type", "GZIP"); });
    return contents;
  };
  const auto bytes = [&](TF_Output contents) {
    return g.op("DecodeRaw", {contents}, [](Desc d) { TF_SetAttrType(d, "out_type", TF_UINT8); });
  };
  const auto slice = [&](TF_Output x, const std::vector<int32_t>& begin, const std::vector<int32_t>& size) {
    return g.op("Slice", {x, g.const_int32(begin), g.const_int32(size)});
  };
  TF_Output images{}, labels{};
  if (p.format == "idx" || p.format == "idx-gz") {
    images = g.op("Reshape", {to_float(g, slice(bytes(read(files->images())), {16}, {n * px})), g.const_int32({n, px})});
    labels = to_float(g, slice(bytes(read(files->labels())), {8}, {n}));
  } else if (p.format == "cifar") {
    const TF_Output records = g.op("Reshape", {bytes(read(files->file())), g.const_int32({n, px + 1})});
    labels = g.op("Reshape", {to_float(g, slice(records, {0, 0}, {n, 1})), g.const_int32({n})});
    images = to_float(g, slice(records, {0, 1}, {n, px}));
  } else {
    const TF_Output text = g.op("StringStrip", {g.op("ReadFile", {g.feed_string("file", files->file().string())})});
    TF_Operation* split = g.node("StringSplitV2", {g.op("Reshape", {text, g.const_int32({1})}), g.const_string("\n")});
    const TF_Output required = g.const_float({}, {0});  // an empty default: the column must be there
    TF_Operation* csv = g.node_with_list("DecodeCSV", {{split, 1}}, std::vector<TF_Output>(size_t(px + 1), required));
    std::vector<TF_Output> columns;
    for (int i = 0; i <= px; ++i) columns.push_back({csv, i});
    const TF_Output table = {g.node_with_list("Pack", {}, columns, [](Desc d) { TF_SetAttrInt(d, "axis", 1); }), 0};
    labels = g.op("Reshape", {slice(table, {0, 0}, {-1, 1}), g.const_int32({-1})});
    images = slice(table, {0, 1}, {-1, px});
  }
  return std::make_unique<WithFiles>(std::move(files), g.finish({images, labels}));
}
VERSUS_REGISTER_OP(TfContext, "load", prepare_load);

}  // namespace
}  // namespace versus::tf
