// A rank of a data-parallel training job (`versus run dist`): which rank, how many, where to
// meet. Each framework does its own rendezvous with its own engine (torch: c10d Gloo with a
// TCPStore; MXNet: KVStore dist_sync on ps-lite; TensorFlow: gRPC servers and collective
// all-reduce); versus only hands every rank the same facts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

struct DistributedSpec {
  int rank = 0;
  int world_size = 1;
  std::string host = "127.0.0.1";  // rank 0's host: the rendezvous point
  int port = 0;                    // the engine's first port; it may use port .. port + world_size + 2
  // Every rank's host, by rank (TensorFlow's cluster spec names each task); empty: all on `host`.
  std::vector<std::string> hosts;
  double timeout_seconds = 120;    // how long an engine waits for a peer before it gives up

  std::string host_of(int r) const { return hosts.empty() ? host : hosts.at(static_cast<size_t>(r)); }
};

void to_json(nlohmann::json& j, const DistributedSpec& s);
void from_json(const nlohmann::json& j, DistributedSpec& s);

// Bytes received on the loopback interface so far (/proc/net/dev), or -1 where unreadable: the
// traffic of every rank on this machine, since the kernel counts per interface.
int64_t loopback_bytes();

}  // namespace versus
