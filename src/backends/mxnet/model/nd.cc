// NDArray creation and operator calls for the training path (model/nd.h).
#include "backends/mxnet/model/nd.h"

#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace versus::mx {
namespace {

// Looked up once per operator name, as the Python frontend does at import.
OpHandle cached_op(const std::string& name) {
  static std::unordered_map<std::string, OpHandle> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, op_handle(name.c_str())).first;
  return it->second;
}

thread_local CallTracer* g_tracer = nullptr;

// Runs the call; `outputs` is either MXNet's own buffer (num_outputs 0 on entry) or ours.
void imperative(const std::string& op, const std::vector<NDArrayHandle>& inputs, const Kwargs& kwargs,
                int* num_outputs, NDArrayHandle** outputs) {
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : kwargs) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  // The C API takes non-const input handles; it does not write through them.
  std::vector<NDArrayHandle> in(inputs);
  const int rc = MXImperativeInvoke(cached_op(op), static_cast<int>(in.size()), in.data(), num_outputs,
                                    outputs, static_cast<int>(keys.size()), keys.data(), vals.data());
  if (rc != 0) throw std::runtime_error(fmt::format("mxnet {} failed: {}", op, MXGetLastError()));
}

}  // namespace

Array Array::from_host(const std::vector<int64_t>& shape, const float* data, size_t count) {
  // MXNDArrayCreateEx takes 32-bit dimensions (the wheel has no large-tensor support).
  std::vector<uint32_t> dims;
  size_t elements = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > std::numeric_limits<uint32_t>::max())
      throw UnsupportedCase("mxnet: dimension exceeds 2^32-1 (MXNDArrayCreateEx is 32-bit)");
    dims.push_back(static_cast<uint32_t>(d));
    elements *= static_cast<size_t>(d);
  }
  if (count != elements)
    throw std::runtime_error(fmt::format("mxnet: {} values for an array of {} elements", count, elements));
  NDArrayHandle h = nullptr;
  check(MXNDArrayCreateEx(dims.data(), static_cast<uint32_t>(dims.size()), kDevTypeCpu, 0, /*delay_alloc=*/0,
                          kFloat32, &h),
        "MXNDArrayCreateEx");
  Array a(h);
  check(MXNDArraySyncCopyFromCPU(h, data, count), "MXNDArraySyncCopyFromCPU");
  return a;
}

Array Array::filled(const std::vector<int64_t>& shape, float value) {
  size_t elements = 1;
  for (int64_t d : shape) elements *= static_cast<size_t>(d);
  const std::vector<float> host(elements, value);
  return from_host(shape, host);
}

std::vector<Array> invoke(const std::string& op, const std::vector<NDArrayHandle>& inputs,
                          const Kwargs& kwargs) {
  int n = 0;
  NDArrayHandle* outs = nullptr;
  imperative(op, inputs, kwargs, &n, &outs);
  std::vector<Array> result;
  result.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) result.emplace_back(outs[i]);
  if (g_tracer) g_tracer->record(op, inputs, kwargs, std::vector<NDArrayHandle>(outs, outs + n));
  return result;
}

CallTracer* set_call_tracer(CallTracer* tracer) { return std::exchange(g_tracer, tracer); }

Array call(const std::string& op, const std::vector<NDArrayHandle>& inputs, const Kwargs& kwargs) {
  std::vector<Array> outs = invoke(op, inputs, kwargs);
  if (outs.empty()) throw std::runtime_error(fmt::format("mxnet {} returned no output", op));
  return std::move(outs.front());
}

void call_into(const std::string& op, const std::vector<NDArrayHandle>& inputs, NDArrayHandle out,
               const Kwargs& kwargs) {
  // In-place writes belong to the optimizer, never to a forward pass that is being traced.
  if (g_tracer) throw std::logic_error("mxnet: " + op + " with out= cannot be traced into a symbol");
  int n = 1;
  NDArrayHandle* outs = &out;
  imperative(op, inputs, kwargs, &n, &outs);
}

std::string num(double v) { return fmt::format("{}", v); }

std::string tuple(const std::vector<int64_t>& v) {
  if (v.size() == 1) return fmt::format("({},)", v[0]);
  return fmt::format("({})", fmt::join(v, ", "));
}

}  // namespace versus::mx
