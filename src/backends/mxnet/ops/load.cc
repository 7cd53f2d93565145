// load (core/ops/load.h) in MXNet: its C data iterators through MXDataIter* — MNISTIter for the
// raw IDX pair, CSVIter for CSV — as mx.io.MNISTIter and mx.io.CSVIter run them for Python. One
// run creates the iterator (MNISTIter reads the whole file then), walks every batch of 100 and
// copies each into one host tensor (the loaded dataset). What the iterators do that a user must
// know, found here: MNISTIter scales pixels by 1/256 (not 1/255) and silently drops a last
// partial batch, and fails on a .gz file with std::bad_alloc; CSVIter reads no header, pads the
// last batch with rows from the start (its pad count says how many to drop).
#include <memory>
#include <string>
#include <vector>

#include "backends/mxnet/mx_api.h"
#include "core/ops/load.h"
#include "data/load_files.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

constexpr int64_t kBatch = 100;

DataIterCreator find_iterator(const std::string& name) {
  uint32_t count = 0;
  DataIterCreator* creators = nullptr;
  check(MXListDataIters(&count, &creators), "MXListDataIters");
  for (uint32_t i = 0; i < count; ++i) {
    const char *found = nullptr, *description = nullptr;
    uint32_t args = 0;
    const char **names = nullptr, **types = nullptr, **descriptions = nullptr;
    check(MXDataIterGetIterInfo(creators[i], &found, &description, &args, &names, &types, &descriptions),
          "MXDataIterGetIterInfo");
    if (name == found) return creators[i];
  }
  throw UnsupportedCase("this MXNet build has no data iterator " + name);
}

// The iterator's current data or label: MXDataIterGet* hand out a new NDArray handle each call.
std::vector<float> take(DataIterHandle it, bool label) {
  NDArrayHandle h = nullptr;
  check(label ? MXDataIterGetLabel(it, &h) : MXDataIterGetData(it, &h), label ? "MXDataIterGetLabel" : "MXDataIterGetData");
  std::vector<float> host;
  try {
    host = copy_to_host(h);
  } catch (...) {
    MXNDArrayFree(h);
    throw;
  }
  MXNDArrayFree(h);
  return host;
}

class IteratorLoad final : public OpInstance {
 public:
  IteratorLoad(const CaseSpec& c, const std::vector<HostTensor>& in)
      : files_(c, in), creator_(find_iterator(csv() ? "CSVIter" : "MNISTIter")) {}

  void run() override {
    const LoadParams& p = files_.params();
    const std::string batch = std::to_string(kBatch);
    std::vector<std::string> keys, values;
    if (csv()) {
      keys = {"data_csv", "data_shape", "batch_size", "round_batch"};
      values = {files_.file().string(), "(" + std::to_string(p.pixels() + 1) + ",)", batch, "0"};
    } else {
      keys = {"image", "label", "batch_size", "shuffle", "flat", "silent"};
      values = {files_.images().string(), files_.labels().string(), batch, "0", "1", "1"};
    }
    std::vector<const char*> k, v;
    for (size_t i = 0; i < keys.size(); ++i) k.push_back(keys[i].c_str()), v.push_back(values[i].c_str());
    DataIterHandle it = nullptr;
    check(MXDataIterCreateIter(creator_, static_cast<uint32_t>(k.size()), k.data(), v.data(), &it), "MXDataIterCreateIter");
    images_.clear();
    labels_.clear();
    try {
      int more = 0;
      while (check(MXDataIterNext(it, &more), "MXDataIterNext"), more) {
        int pad = 0;
        check(MXDataIterGetPadNum(it, &pad), "MXDataIterGetPadNum");
        const std::vector<float> data = take(it, false);
        const size_t rows = static_cast<size_t>(kBatch - pad), width = data.size() / static_cast<size_t>(kBatch);
        if (csv()) {  // label, then the pixels
          for (size_t r = 0; r < rows; ++r) {
            labels_.push_back(data[r * width]);
            images_.insert(images_.end(), data.begin() + static_cast<std::ptrdiff_t>(r * width + 1),
                           data.begin() + static_cast<std::ptrdiff_t>((r + 1) * width));
          }
        } else {
          const std::vector<float> label = take(it, true);
          images_.insert(images_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(rows * width));
          labels_.insert(labels_.end(), label.begin(), label.begin() + static_cast<std::ptrdiff_t>(rows));
        }
      }
    } catch (...) {
      MXDataIterFree(it);
      throw;
    }
    check(MXDataIterFree(it), "MXDataIterFree");
  }

  std::vector<std::vector<float>> outputs() override {
    return load_outputs(images_, csv() ? 1.0f : 256.0f, labels_);
  }

 private:
  bool csv() const { return files_.params().format == "csv"; }
  LoadFiles files_;
  DataIterCreator creator_;
  std::vector<float> images_, labels_;
};

std::unique_ptr<OpInstance> prepare_load(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const LoadParams p = parse_load_params(c.params);
  if (c.device != "cpu") throw UnsupportedCase("MXNet's data iterators read into host memory: load is a cpu case");
  if (p.format == "idx-gz")
    throw UnsupportedCase("MXNet's MNISTIter reads uncompressed IDX files only (a .gz file fails with std::bad_alloc)");
  if (p.format == "cifar")
    throw UnsupportedCase("MXNet has no CIFAR-10 binary reader (its ImageRecordIter reads RecordIO files made by im2rec)");
  if (p.format == "idx" && p.samples % kBatch != 0)
    throw UnsupportedCase("MXNet's MNISTIter drops a last partial batch without a word: " + std::to_string(p.samples) +
                          " samples are not a whole number of batches of " + std::to_string(kBatch));
  return std::make_unique<IteratorLoad>(c, in);
}
VERSUS_REGISTER_OP(MxContext, "load", prepare_load);

}  // namespace
}  // namespace versus::mx
