#include "backends/mxnet/model/kvstore_exchange.h"

#include <mxnet/c_api.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/mxnet/mx_api.h"
#include "core/errors.h"

namespace versus::mx {
namespace {

using Clock = std::chrono::steady_clock;

// ps-lite's settings (what DMLC_* variables say to a Python job), set before the KVStore starts.
// Each node listens on a fixed port (the scheduler on spec.port, the server next, then the
// workers by rank). ps-lite's scheduler numbers the workers by address string, descending, then
// by port (its sort: `(a.hostname.compare(b.hostname) | (a.port < b.port)) > 0`): on one host
// its ranks are the launcher's, across hosts they are not, so versus keeps the launcher's rank
// and reports ps-lite's as "engine_rank". DMLC_NODE_HOST: the rank's own address (ps-lite
// would otherwise pick the first non-loopback interface).
void set_ps_environment(const std::string& role, const DistributedSpec& spec, int rank) {
  const int port = role == "scheduler" ? spec.port : role == "server" ? spec.port + 1 : spec.port + 2 + rank;
  const std::string host = ipv4_address_of(role == "worker" ? spec.host_of(rank) : spec.host);
  const std::vector<std::pair<std::string, std::string>> vars = {
      {"DMLC_ROLE", role},
      {"DMLC_PS_ROOT_URI", ipv4_address_of(spec.host)},
      {"DMLC_PS_ROOT_PORT", std::to_string(spec.port)},
      {"DMLC_NUM_SERVER", "1"},
      {"DMLC_NUM_WORKER", std::to_string(spec.world_size)},
      {"DMLC_NODE_HOST", host},
      {"PORT", std::to_string(port)}};
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : vars) {
    ::setenv(k.c_str(), v.c_str(), 1);
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  check(MXInitPSEnv(static_cast<uint32_t>(keys.size()), keys.data(), values.data()), "MXInitPSEnv");
}

// The server's controller receives the commands a Python frontend sends (e.g. an optimizer to
// run on the server); versus sends none.
void ignore_command(int, const char*, void*) {}

}  // namespace

KVStoreExchange::KVStoreExchange(const DistributedSpec& spec) {
  set_ps_environment("worker", spec, spec.rank);
  check(MXKVStoreCreate("dist_sync", &store_), "MXKVStoreCreate(dist_sync)");
  check(MXKVStoreGetRank(store_, &rank_), "MXKVStoreGetRank");
  check(MXKVStoreGetGroupSize(store_, &world_), "MXKVStoreGetGroupSize");
  if (world_ != spec.world_size)
    throw std::runtime_error(fmt::format("mxnet: the KVStore has {} workers, the job {}", world_, spec.world_size));
}

KVStoreExchange::~KVStoreExchange() {
  if (store_) {
    MXKVStoreBarrier(store_);
    MXKVStoreFree(store_);
  }
}

void KVStoreExchange::broadcast_parameters(const ParamStore& params) {
  std::vector<int> keys;
  std::vector<NDArrayHandle> values;
  for (size_t i = 0; i < params.size(); ++i) {
    keys.push_back(static_cast<int>(i));
    values.push_back(params.array(i));
  }
  // Init stores rank 0's values (the others' are ignored) and ends in a barrier.
  check(MXKVStoreInit(store_, static_cast<uint32_t>(keys.size()), keys.data(), values.data()), "MXKVStoreInit");
  check(MXKVStorePull(store_, static_cast<uint32_t>(keys.size()), keys.data(), values.data(), 0), "MXKVStorePull");
  check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
}

void KVStoreExchange::sum_gradients(const ParamStore& params) {
  // The backward pass is queued on the engine: finish it first, so the time below is the exchange's.
  check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
  const auto t0 = Clock::now();
  std::vector<int> keys;
  std::vector<NDArrayHandle> grads;
  int64_t bytes = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    keys.push_back(static_cast<int>(i));
    grads.push_back(params.grad(i));
    int64_t n = 1;
    for (const int64_t d : shape_of(params.grad(i))) n *= d;
    bytes += n * static_cast<int64_t>(sizeof(float));
  }
  // One push and one pull of every key: ps-lite sends them together, and the pull of a key
  // waits for the server to have every worker's push of it.
  check(MXKVStorePush(store_, static_cast<uint32_t>(keys.size()), keys.data(), grads.data(), 0), "MXKVStorePush");
  check(MXKVStorePull(store_, static_cast<uint32_t>(keys.size()), keys.data(), grads.data(), 0), "MXKVStorePull");
  check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
  payload_bytes_ = bytes;
  seconds_.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
}

nlohmann::json KVStoreExchange::report() const {
  return {{"engine", "MXNet KVStore dist_sync (ps-lite: 1 scheduler, 1 server)"},
          {"collective", "push gradients, server sums, pull the sum; update with rescale_grad = 1 / workers"},
          {"engine_rank", rank_},
          {"communication_seconds", seconds_},
          {"payload_bytes", payload_bytes_}};
}

void serve_kvstore_role(const std::string& role, const DistributedSpec& spec) {
  if (role != "scheduler" && role != "server")
    throw UnsupportedCase("mxnet: no distributed role '" + role + "' (scheduler or server)");
  set_ps_environment(role, spec, 0);
  KVStoreHandle store = nullptr;
  check(MXKVStoreCreate("dist_sync", &store), "MXKVStoreCreate(dist_sync)");
  check(MXKVStoreRunServer(store, ignore_command, nullptr), "MXKVStoreRunServer");
  check(MXKVStoreFree(store), "MXKVStoreFree");
}

}  // namespace versus::mx
