// load (core/ops/load.h) in libtorch: torch::data::datasets::MNIST, the C++ frontend's only
// dataset reader. It reads the uncompressed IDX pair of MNIST's own sizes (60000 train or 10000
// test images: it checks the counts) into float32 images / 255 and int64 targets. Everything
// else is unsupported, with the reason: libtorch has no gzip, CSV or CIFAR-10 reader.
#include <memory>

#include "backends/torch/ops/instances.h"
#include "core/ops/load.h"
#include "data/load_files.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

class MnistLoad final : public OpInstance {
 public:
  MnistLoad(const CaseSpec& c, const std::vector<HostTensor>& in) : files_(c, in) {}
  void run() override {
    const auto mode = files_.params().samples == 10000 ? torch::data::datasets::MNIST::Mode::kTest
                                                       : torch::data::datasets::MNIST::Mode::kTrain;
    const torch::data::datasets::MNIST mnist(files_.dir().string(), mode);
    images_ = mnist.images();
    targets_ = mnist.targets();
  }
  std::vector<std::vector<float>> outputs() override {
    return load_outputs(to_host(images_), 255.0f, to_host(targets_.to(torch::kFloat32)));
  }

 private:
  LoadFiles files_;
  torch::Tensor images_, targets_;
};

std::unique_ptr<OpInstance> prepare_load(const CaseSpec& c, const std::vector<HostTensor>& in, const TorchContext& ctx) {
  const LoadParams p = parse_load_params(c.params);
  if (!ctx.device.is_cpu()) throw UnsupportedCase("torch::data reads files into host memory: load is a cpu case");
  if (p.format == "idx-gz")
    throw UnsupportedCase("libtorch's MNIST reader reads uncompressed IDX files only (gunzip them first)");
  if (p.format == "csv") throw UnsupportedCase("libtorch has no CSV reader (torch::data::datasets has MNIST only)");
  if (p.format == "cifar") throw UnsupportedCase("libtorch has no CIFAR-10 reader (torch::data::datasets has MNIST only)");
  if (p.samples != 10000 && p.samples != 60000)
    throw UnsupportedCase("libtorch's MNIST reader checks MNIST's own sizes: 60000 (train) or 10000 (test) images, not " +
                          std::to_string(p.samples));
  return std::make_unique<MnistLoad>(c, in);
}
VERSUS_REGISTER_OP(TorchContext, "load", prepare_load);

}  // namespace
}  // namespace versus::th
