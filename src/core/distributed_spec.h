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

// `host` (a name or address) as a numeric IPv4 address; throws UserError naming it. Engines
// bind and list addresses (ZeroMQ binds addresses, not host names).
std::string ipv4_address_of(const std::string& host);

// The network interface that holds `address` in this process's network namespace: "lo" for a
// loopback address, or one this host does not hold (then the traffic stays on this machine).
std::string interface_of(const std::string& address);

// Bytes `interface` has received so far (/proc/net/dev of this process's namespace), or -1 where
// unreadable. The kernel counts per interface: on lo, every process's traffic on this machine;
// on a rank's own interface, what reached its host from the others.
int64_t received_bytes(const std::string& interface);

}  // namespace versus
