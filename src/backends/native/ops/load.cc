// load (core/ops/load.h) in the native backend: versus's own readers (src/data) — the baseline the
// frameworks' readers are compared with. Each run reads the file(s) and converts the bytes to the
// float32 tensors training starts from. Registered for the default variant only: the BLAS
// libraries that name the others read no files.
#include "core/ops/load.h"

#include <memory>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "data/cifar_reader.h"
#include "data/csv_table.h"
#include "data/idx_reader.h"
#include "data/load_files.h"
#include "worker/op_table.h"

namespace versus {
namespace {

std::vector<float> to_floats(const std::string& bytes) {
  std::vector<float> out(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<float>(static_cast<unsigned char>(bytes[i]));
  return out;
}

class NativeLoad final : public OpInstance {
 public:
  NativeLoad(const CaseSpec& c, const std::vector<HostTensor>& in) : files_(c, in) {}

  void run() override {
    const LoadParams& p = files_.params();
    if (p.format == "idx" || p.format == "idx-gz") {
      images_ = to_floats(data::read_idx_ubyte(files_.images(), 3).data);
      labels_ = to_floats(data::read_idx_ubyte(files_.labels(), 1).data);
      scale_ = 1;
    } else if (p.format == "csv") {
      const data::CsvNumbers t = data::read_csv_numbers(files_.file(), p.pixels() + 1);
      images_.resize(static_cast<size_t>(t.rows * p.pixels()));
      labels_.resize(static_cast<size_t>(t.rows));
      for (int64_t r = 0; r < t.rows; ++r) {
        const float* row = &t.values[static_cast<size_t>(r * t.columns)];
        labels_[static_cast<size_t>(r)] = row[0];
        std::copy_n(row + 1, p.pixels(), &images_[static_cast<size_t>(r * p.pixels())]);
      }
      scale_ = 1;
    } else {
      Split s = data::read_cifar_batch(files_.file());
      images_ = std::move(s.samples);
      labels_ = std::move(s.labels);
      scale_ = 255;
    }
  }
  std::vector<std::vector<float>> outputs() override { return load_outputs(images_, scale_, labels_); }

 private:
  LoadFiles files_;
  std::vector<float> images_, labels_;
  float scale_ = 1;
};

std::unique_ptr<OpInstance> prepare_load(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (!c.variant.empty() && c.variant != "openblas")
    unsupported_variant(c, "files are read by versus's own readers, timed once, under the default variant (openblas)");
  return std::make_unique<NativeLoad>(c, in);
}
VERSUS_REGISTER_OP(NativeContext, "load", prepare_load, "openblas");

}  // namespace
}  // namespace versus
