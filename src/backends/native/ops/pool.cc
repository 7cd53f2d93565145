// max_pool and avg_pool (core/ops/pool.h) in the native backend: the oneDNN pooling primitive,
// forward and backward.
// Conventions match the reference: symmetric padding pad_l = pad_r = pad with the output size
// rounded down; max ignores padding, and avg divides by the real elements of each window
// (pooling_avg_exclude_padding, as torch/MXNet count_include_pad=False).
// Layout: the primitives run on channel-blocked tensors (see blocked_desc), with the reorders
// from and to the NCHW contract timed in run(), as for conv2d.
// The forward case uses forward_inference (no workspace written: the op alone). The backward
// case's run() executes forward_training — for max_pool it records the argmax workspace the
// backward primitive needs, as a framework's forward pass does — then the backward primitive.
// Backward cases time forward + backward: one training step of the op, the same in every backend.
//   openblas, eigen  unsupported: neither library has pooling.
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/pool.h"
#include "worker/op_table.h"

namespace versus {
namespace {

// Channels blocked by the vector width (nChw16c with AVX-512, else nChw8c): the layout oneDNN
// 2.6's JIT pooling kernels are written for. On plain NCHW it falls back to its "simple_nchw"
// C++ kernel: at n8 c64 56x56 (1 thread, AVX2) that took 6-7x longer forward and 1.5-4x longer
// backward than the blocked kernel plus both reorders. With few channels most of a block is
// padding: at c3 112x112 the blocked forward still won (3x) but the backward lost (3x).
dnnl::memory::desc blocked_desc(const dnnl::memory::dims& d) {
  // The cpu_isa values are bit sets that include the lower ISAs; these bits mark AVX-512.
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const unsigned avx512_bits = (dnnl_cpu_isa_avx512_mic | dnnl_cpu_isa_avx512_core) & ~unsigned(dnnl_cpu_isa_avx2);
  return {d, dnnl::memory::data_type::f32,
          (isa & avx512_bits) != 0 ? dnnl::memory::format_tag::aBcd16b : dnnl::memory::format_tag::aBcd8b};
}

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::algorithm;
  using dnnl::prop_kind;
  using dims = dnnl::memory::dims;
  const dnnl::engine& eng = onednn().engine;
  const PoolParams p = parse_pool_params(c.op, c.params);
  const dims src_dims{p.n, p.c, p.h, p.w}, dst_dims{p.n, p.c, p.ho(), p.wo()};
  const dnnl::memory::desc src = plain_desc(src_dims), dst = plain_desc(dst_dims);
  const dnnl::memory::desc src_b = blocked_desc(src_dims), dst_b = blocked_desc(dst_dims);
  const dims strides{p.stride, p.stride}, kernel{p.window, p.window}, pad{p.pad, p.pad};
  const algorithm alg = c.op == "max_pool" ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], src);

  if (!is_backward(c)) {
    const dnnl::pooling_forward::primitive_desc pd(
        {prop_kind::forward_inference, alg, src_b, dst_b, strides, kernel, pad, pad}, eng);
    const dnnl::memory xb = inst->in_layout(x, src_b);
    inst->step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, xb}, {DNNL_ARG_DST, inst->output(dst, dst_b)}});
    return inst;
  }
  const dnnl::pooling_forward::primitive_desc fwd(
      {prop_kind::forward_training, alg, src_b, dst_b, strides, kernel, pad, pad}, eng);
  const dnnl::memory workspace = OnednnInstance::scratch(fwd.workspace_desc());
  const dnnl::memory xb = inst->in_layout(x, src_b);
  OnednnArgs fwd_args = {{DNNL_ARG_SRC, xb}, {DNNL_ARG_DST, OnednnInstance::scratch(dst_b)}};
  if (alg == algorithm::pooling_max) fwd_args[DNNL_ARG_WORKSPACE] = workspace;
  inst->forward_step(dnnl::pooling_forward(fwd), std::move(fwd_args));
  const dnnl::pooling_backward::primitive_desc pd({alg, src_b, dst_b, strides, kernel, pad, pad}, eng, fwd);
  const dnnl::memory dyb = inst->in_layout(inst->input(in[1], dst), dst_b);
  OnednnArgs args = {{DNNL_ARG_DIFF_DST, dyb}, {DNNL_ARG_DIFF_SRC, inst->output(src, src_b)}};
  if (alg == algorithm::pooling_max) args[DNNL_ARG_WORKSPACE] = workspace;
  inst->step(dnnl::pooling_backward(pd), std::move(args));
  return inst;
}

std::unique_ptr<OpInstance> prepare_pool(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no pooling (use the onednn variant)");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* op : {"max_pool", "avg_pool"}) OpTable<NativeContext>::get().add(op, prepare_pool, {"onednn"});
  return true;
}();

}  // namespace
}  // namespace versus
