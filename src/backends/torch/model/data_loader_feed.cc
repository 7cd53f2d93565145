#include "backends/torch/model/data_loader_feed.h"

#include <optional>

#include "backends/torch/torch_api.h"
#include "data/dataset.h"

namespace versus::th {
namespace {

// The split's samples in one epoch's order: get(i) is the i-th sample of the order.
class OrderedSplit : public torch::data::datasets::Dataset<OrderedSplit> {
 public:
  OrderedSplit(const Split& split, std::vector<int64_t> order) : split_(&split), order_(std::move(order)) {
    for (int64_t d : split.sample_shape) shape_.push_back(d);
    per_sample_ = 1;
    for (int64_t d : shape_) per_sample_ *= d;
  }
  torch::data::Example<> get(size_t i) override {
    const int64_t index = order_.at(i);
    const float* sample = split_->samples.data() + index * per_sample_;
    // from_blob borrows; clone owns, as a dataset's get() of a real file would.
    return {torch::from_blob(const_cast<float*>(sample), shape_).clone(),
            torch::tensor(split_->labels[static_cast<size_t>(index)])};
  }
  std::optional<size_t> size() const override { return order_.size(); }

 private:
  const Split* split_;
  std::vector<int64_t> order_;
  std::vector<int64_t> shape_;
  int64_t per_sample_ = 1;
};

using Loader = decltype(torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
    std::declval<OrderedSplit>().map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions()));

class DataLoaderFeed final : public EpochFeed {
 public:
  DataLoaderFeed(const Split& split, int64_t batch, size_t workers) : split_(split), batch_(batch), workers_(workers) {}

  void start_epoch(const std::vector<int64_t>& order) override {
    it_.reset();
    loader_ = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        OrderedSplit(split_, order).map(torch::data::transforms::Stack<>()),
        torch::data::DataLoaderOptions().batch_size(static_cast<size_t>(batch_)).workers(workers_).drop_last(true));
    it_ = loader_->begin();
  }

  bool next(HostTensor& x, std::vector<float>& labels) override {
    if (!loader_ || !it_ || *it_ == loader_->end()) return false;
    const torch::data::Example<>& b = **it_;
    const torch::Tensor data = b.data.contiguous();
    x.name = "x";
    x.shape = data.sizes().vec();
    x.data.assign(data.data_ptr<float>(), data.data_ptr<float>() + data.numel());
    const torch::Tensor target = b.target.to(torch::kFloat32).contiguous();
    labels.assign(target.data_ptr<float>(), target.data_ptr<float>() + target.numel());
    ++*it_;
    return true;
  }

 private:
  const Split& split_;
  int64_t batch_;
  size_t workers_;
  Loader loader_;
  std::optional<decltype(std::declval<Loader&>()->begin())> it_;
};

}  // namespace

std::unique_ptr<EpochFeed> make_data_loader_feed(const std::string& pipeline, const Split& split, int64_t batch) {
  if (pipeline != "dataloader" && pipeline != "dataloader-workers")
    throw UnsupportedCase("libtorch has no input pipeline '" + pipeline +
                          "' in versus (it has memory, dataloader, dataloader-workers)");
  return std::make_unique<DataLoaderFeed>(split, batch, pipeline == "dataloader-workers" ? 1 : 0);
}

}  // namespace versus::th
