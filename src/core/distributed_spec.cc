#include "core/distributed_spec.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace versus {

void to_json(nlohmann::json& j, const DistributedSpec& s) {
  j = {{"rank", s.rank}, {"world_size", s.world_size}, {"host", s.host}, {"port", s.port}, {"hosts", s.hosts},
       {"timeout_seconds", s.timeout_seconds}};
}

void from_json(const nlohmann::json& j, DistributedSpec& s) {
  s.rank = j.at("rank").get<int>();
  s.world_size = j.at("world_size").get<int>();
  s.host = j.value("host", std::string("127.0.0.1"));
  s.port = j.at("port").get<int>();
  s.hosts = j.value("hosts", std::vector<std::string>{});
  s.timeout_seconds = j.value("timeout_seconds", 120.0);
  if (s.world_size < 1 || s.rank < 0 || s.rank >= s.world_size)
    throw std::invalid_argument("distributed: rank " + std::to_string(s.rank) + " outside world size " +
                                std::to_string(s.world_size));
  if (s.port <= 0 || s.port > 65535 - s.world_size - 2)
    throw std::invalid_argument("distributed: port " + std::to_string(s.port) + " out of range");
  if (!s.hosts.empty() && static_cast<int>(s.hosts.size()) != s.world_size)
    throw std::invalid_argument("distributed: hosts lists " + std::to_string(s.hosts.size()) + " hosts for " +
                                std::to_string(s.world_size) + " ranks");
}

int64_t loopback_bytes() {
  std::ifstream f("/proc/net/dev");
  std::string line;
  while (std::getline(f, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name != "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    int64_t rx = -1;
    fields >> rx;
    return rx;
  }
  return -1;
}

}  // namespace versus
