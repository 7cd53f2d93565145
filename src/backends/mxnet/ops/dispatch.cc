// dispatch (core/ops/dispatch.h) in MXNet, two modes:
//   imperative  `nd.elemwise_add(a, b, out=y)` then waiting for the result: MXImperativeInvoke,
//               the engine's queue and its worker thread, and the wait (mx_program.h).
//   cachedop    the same addition as a one-node symbol in a CachedOp with static_alloc and
//               static_shape, what `HybridBlock.hybridize(static_alloc=True, static_shape=True)`
//               runs: MXInvokeCachedOpEx then waiting for the output. Each call returns a new
//               output handle, freed at the next call, as Python's NDArray wrapper frees it.
#include "backends/mxnet/mx_program.h"
#include "core/ops/dispatch.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

// Owns a SymbolHandle.
class Symbol {
 public:
  explicit Symbol(SymbolHandle h) : h_(h) {}
  Symbol(const Symbol&) = delete;
  Symbol& operator=(const Symbol&) = delete;
  ~Symbol() { MXSymbolFree(h_); }
  SymbolHandle get() const { return h_; }

 private:
  SymbolHandle h_;
};

Symbol variable(const char* name) {
  SymbolHandle h = nullptr;
  check(MXSymbolCreateVariable(name, &h), "MXSymbolCreateVariable");
  return Symbol(h);
}

class CachedOpAdd final : public OpInstance {
 public:
  explicit CachedOpAdd(const std::vector<HostTensor>& in) : a_(in.at(0).shape), b_(in.at(1).shape) {
    a_.copy_from(in[0].data);
    b_.copy_from(in[1].data);
    const Symbol x = variable("a"), y = variable("b");
    SymbolHandle add = nullptr;
    check(MXSymbolCreateAtomicSymbol(op_handle("elemwise_add"), 0, nullptr, nullptr, &add),
          "MXSymbolCreateAtomicSymbol");
    const Symbol sum(add);
    SymbolHandle args[] = {x.get(), y.get()};
    check(MXSymbolCompose(sum.get(), "sum", 2, nullptr, args), "MXSymbolCompose");
    const char* keys[] = {"static_alloc", "static_shape"};
    const char* vals[] = {"true", "true"};
    check(MXCreateCachedOpEx(sum.get(), 2, keys, vals, &op_), "MXCreateCachedOpEx");
  }
  CachedOpAdd(const CachedOpAdd&) = delete;
  CachedOpAdd& operator=(const CachedOpAdd&) = delete;
  ~CachedOpAdd() override {
    free_output();
    MXFreeCachedOp(op_);
  }

  void run() override {
    free_output();
    NDArrayHandle inputs[] = {a_.get(), b_.get()};
    int num_outputs = 0;
    NDArrayHandle* outputs = nullptr;
    const int* stypes = nullptr;
    check(MXInvokeCachedOpEx(op_, 2, inputs, &num_outputs, &outputs, &stypes), "MXInvokeCachedOpEx");
    if (num_outputs != 1) throw std::runtime_error("mxnet: the cached addition returned no single output");
    out_ = outputs[0];
    check(MXNDArrayWaitToRead(out_), "MXNDArrayWaitToRead");
  }

  std::vector<std::vector<float>> outputs() override {
    if (!out_) throw std::runtime_error("outputs() called before run()");
    return {copy_to_host(out_)};
  }

 private:
  void free_output() {
    if (out_) MXNDArrayFree(out_);
    out_ = nullptr;
  }

  NDArray a_, b_;
  CachedOpHandle op_ = nullptr;
  NDArrayHandle out_ = nullptr;
};

std::unique_ptr<OpInstance> prepare_dispatch(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const std::string mode = parse_dispatch_mode(c.params);
  if (mode == "cachedop") return std::make_unique<CachedOpAdd>(in);
  if (mode != "imperative")
    throw UnsupportedCase("mxnet has no dispatch mode '" + mode + "'; its modes: imperative, cachedop");
  return make_instance(c, in, {.forward = [](Program& p, const std::vector<Program::Value>& x) {
                                 return p.call("elemwise_add", {x[0], x[1]});
                               }});
}
VERSUS_REGISTER_OP(MxContext, "dispatch", prepare_dispatch);

}  // namespace
}  // namespace versus::mx
