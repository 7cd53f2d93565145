// transpose and nchw_to_nhwc (core/ops/layout_copy.h) in the native backend: a materialised copy
// into the output buffer on every run(), in three libraries. Both ops are `batch` transposes of
// [rows, cols] matrices (nchw_to_nhwc: n transposes of [c, h·w]); the backward pass is the same
// copy of dY in the other direction.
//   openblas  cblas_somatcopy (an OpenBLAS extension, in Debian's cblas.h), one call per matrix.
//             OpenBLAS does not thread omatcopy: single-threaded whatever the case's threads.
//   onednn    a reorder primitive between two memory descriptors of the same logical dims, plain
//             (ab / nchw) and permuted (ba / nhwc): the conversion oneDNN-backed frameworks run.
//   eigen     Tensor shuffle of the [batch, rows, cols] view (rank 2 when batch is 1) on a
//             ThreadPoolDevice with the case's threads: what TensorFlow's CPU Transpose kernel
//             evaluates (after dropping size-1 axes and merging adjacent ones, as TF does, which
//             turns NCHW->NHWC into this batched transpose).
// Backward cases time forward + backward: one training step of the op, the same in every
// backend. run() copies X into Y (scratch) and then dY into dX, every time.
#define EIGEN_USE_THREADS  // before any Eigen header: ThreadPoolDevice; no other file uses Tensor
#include <cblas.h>

#include <algorithm>
#include <functional>
#include <memory>

#include <unsupported/Eigen/CXX11/Tensor>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/layout_copy.h"
#include "worker/op_table.h"

namespace versus {
namespace {

// dst = the `batch` [rows, cols] matrices of src, each transposed.
void omatcopy(const LayoutCopyParams& p, int64_t rows, int64_t cols, const float* src, float* dst) {
  for (int64_t b = 0; b < p.batch; ++b)
    cblas_somatcopy(CblasRowMajor, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(cols), 1.0f,
                    src + b * rows * cols, static_cast<blasint>(cols), dst + b * rows * cols,
                    static_cast<blasint>(rows));
}

std::unique_ptr<OpInstance> prepare_openblas(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const LayoutCopyParams& p) {
  auto inst = std::make_unique<HostInstance>();
  const float* x = inst->input(in[0]).data();
  const auto n = static_cast<size_t>(p.elements());
  if (!is_backward(c)) {
    float* y = inst->output(n).data();
    inst->set_body([=] { omatcopy(p, p.rows, p.cols, x, y); });
    return inst;
  }
  float* y = inst->scratch(n).data();
  const float* dy = inst->input(in[1]).data();
  float* dx = inst->output(n).data();
  inst->set_forward([=] { omatcopy(p, p.rows, p.cols, x, y); });
  inst->set_body([=] { omatcopy(p, p.cols, p.rows, dy, dx); });  // dY is [batch, cols, rows]
  return inst;
}

struct EigenThreads {
  explicit EigenThreads(int threads) : pool(threads), device(&pool, threads) {}
  Eigen::ThreadPool pool;
  Eigen::ThreadPoolDevice device;
};

// A run() step: dst [batch, cols, rows] = src [batch, rows, cols] with the last two axes swapped.
// A single matrix is shuffled as a rank-2 tensor: TF drops size-1 axes before its shuffle too,
// and Eigen's rank-3 shuffle of [1, r, c] is markedly slower than the rank-2 one.
template <int Rank>
std::function<void()> shuffle_step(std::shared_ptr<EigenThreads> threads, const float* src, float* dst,
                                   int64_t batch, int64_t rows, int64_t cols) {
  using Dims = Eigen::DSizes<Eigen::Index, Rank>;
  Dims in_dims, out_dims;
  Eigen::array<int, Rank> swap_last;
  if constexpr (Rank == 2) {
    in_dims = Dims(rows, cols);
    out_dims = Dims(cols, rows);
    swap_last = {1, 0};
  } else {
    in_dims = Dims(batch, rows, cols);
    out_dims = Dims(batch, cols, rows);
    swap_last = {0, 2, 1};
  }
  const Eigen::TensorMap<Eigen::Tensor<const float, Rank, Eigen::RowMajor>> in(src, in_dims);
  Eigen::TensorMap<Eigen::Tensor<float, Rank, Eigen::RowMajor>> out(dst, out_dims);
  return [=]() mutable { out.device(threads->device) = in.shuffle(swap_last); };
}

std::function<void()> shuffle_step(const std::shared_ptr<EigenThreads>& threads, const float* src, float* dst,
                                   int64_t batch, int64_t rows, int64_t cols) {
  if (batch == 1) return shuffle_step<2>(threads, src, dst, batch, rows, cols);
  return shuffle_step<3>(threads, src, dst, batch, rows, cols);
}

std::unique_ptr<OpInstance> prepare_eigen(const CaseSpec& c, const std::vector<HostTensor>& in,
                                          const LayoutCopyParams& p) {
  auto inst = std::make_unique<HostInstance>();
  auto threads = std::make_shared<EigenThreads>(std::max(1, c.threads));
  const auto n = static_cast<size_t>(p.elements());
  const float* x = inst->input(in[0]).data();
  if (!is_backward(c)) {
    inst->set_body(shuffle_step(threads, x, inst->output(n).data(), p.batch, p.rows, p.cols));
    return inst;
  }
  inst->set_forward(shuffle_step(threads, x, inst->scratch(n).data(), p.batch, p.rows, p.cols));
  // dY is [batch, cols, rows]; dX its transpose back.
  inst->set_body(shuffle_step(threads, inst->input(in[1]).data(), inst->output(n).data(), p.batch, p.cols, p.rows));
  return inst;
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const LayoutCopyParams& p) {
  using tag = dnnl::memory::format_tag;
  const bool four_d = p.x_shape.size() == 4;
  // The logical dims are X's throughout; the tags say how they lie in memory.
  const dnnl::memory::dims dims(p.x_shape.begin(), p.x_shape.end());
  const dnnl::memory::desc plain(dims, dnnl::memory::data_type::f32, four_d ? tag::nchw : tag::ab);
  const dnnl::memory::desc permuted(dims, dnnl::memory::data_type::f32, four_d ? tag::nhwc : tag::ba);
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], plain);
  const dnnl::reorder to_permuted(dnnl::reorder::primitive_desc(onednn().engine, plain, onednn().engine, permuted));
  if (!is_backward(c)) {
    const dnnl::memory y = inst->output(permuted);
    inst->step(to_permuted, {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, y}});
    return inst;
  }
  inst->forward_step(to_permuted, {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, OnednnInstance::scratch(permuted)}});
  const dnnl::memory dy = inst->input(in[1], permuted), dx = inst->output(plain);
  const dnnl::reorder to_plain(dnnl::reorder::primitive_desc(onednn().engine, permuted, onednn().engine, plain));
  inst->step(to_plain, {{DNNL_ARG_FROM, dy}, {DNNL_ARG_TO, dx}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_layout_copy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const NativeContext&) {
  const LayoutCopyParams p = parse_layout_copy_params(c.op, c.params);
  if (c.variant == "eigen") return prepare_eigen(c, in, p);
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in, p); });
  if (c.variant.empty() || c.variant == "openblas") return prepare_openblas(c, in, p);
  unsupported_variant(c, "unknown variant");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"transpose", "nchw_to_nhwc"}) OpTable<NativeContext>::get().add(op, prepare_layout_copy);
  return true;
}();

}  // namespace
}  // namespace versus
