#include "core/distributed_spec.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/errors.h"

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

std::string ipv4_address_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || !found)
    throw UserError(fmt::format("cannot resolve the host '{}' to an IPv4 address: {}", host, ::gai_strerror(rc)));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof text);
  ::freeaddrinfo(found);
  return text;
}

std::string interface_of(const std::string& address) {
  in_addr wanted{};
  if (::inet_pton(AF_INET, address.c_str(), &wanted) != 1) return "lo";
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "lo";
  std::string found = "lo";
  for (const ifaddrs* a = list; a; a = a->ifa_next)
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET &&
        reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr == wanted.s_addr) {
      found = a->ifa_name;
      break;
    }
  ::freeifaddrs(list);
  return found;
}

int64_t received_bytes(const std::string& interface) {
  std::ifstream f("/proc/net/dev");
  std::string line;
  while (std::getline(f, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name != interface) continue;
    std::istringstream fields(line.substr(colon + 1));
    int64_t rx = -1;
    fields >> rx;
    return rx;
  }
  return -1;
}

}  // namespace versus
