#include "runner/host_exchange.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "runner/execute.h"
#include "runner/spawn.h"

namespace versus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kGreeting = "versus-hosts/1";

// A socket closed on every path out.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Socket(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in endpoint(const std::string& ipv4, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ipv4.c_str(), &a.sin_addr);
  return a;
}

Clock::time_point deadline_in(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int milliseconds_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left, 200)));  // short waits: interrupts are seen
}

// Waits for `events` on `fd` until the deadline; false when it passed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (interrupt_requested()) throw Interrupted();
    pollfd p{fd, events, 0};
    if (::poll(&p, 1, milliseconds_left(deadline)) > 0) return true;
  }
  return false;
}

// One line from `fd` (without its newline), or "" when the peer closed or the deadline passed.
std::string read_line(int fd, Clock::time_point deadline) {
  std::string line;
  char c = 0;
  while (line.size() < 4096 && wait_for(fd, POLLIN, deadline)) {
    if (::read(fd, &c, 1) != 1) return "";
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

void write_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the peer is gone: it learns nothing more, and its own deadline names it
    done += static_cast<size_t>(n);
  }
}

std::vector<std::string> serve(const std::string& master, int port, int world, const std::string& mine, double timeout) {
  Socket listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  ::setsockopt(listener.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in at = endpoint(master, port);
  if (::bind(listener.fd(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 || ::listen(listener.fd(), world) != 0) {
    const int err = errno;
    throw UserError(fmt::format("rank 0 cannot listen at {}:{} for the other ranks: {}{}", master, port, std::strerror(err),
                                err == EADDRINUSE      ? " — give --port a free port"
                                : err == EADDRNOTAVAIL ? " — this host does not hold that address: MASTER_ADDR must be rank 0's host"
                                                       : ""));
  }
  const Clock::time_point deadline = deadline_in(timeout);
  std::vector<std::string> hosts(static_cast<size_t>(world));
  hosts[0] = mine;
  std::map<int, Socket> peers;  // by rank
  while (static_cast<int>(peers.size()) < world - 1) {
    if (!wait_for(listener.fd(), POLLIN, deadline)) {
      std::vector<int> missing;
      for (int r = 1; r < world; ++r)
        if (!peers.count(r)) missing.push_back(r);
      throw UserError(fmt::format("rank 0 ({}:{}) waited {:.0f} s for rank{} {} of {}: are they started, with the same "
                                  "MASTER_ADDR and --port, and can their hosts reach this one?",
                                  master, port, timeout, missing.size() > 1 ? "s" : "", fmt::join(missing, ", "), world));
    }
    sockaddr_in from{};
    socklen_t len = sizeof from;
    Socket peer(::accept4(listener.fd(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC));
    if (peer.fd() < 0) continue;
    char seen[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &from.sin_addr, seen, sizeof seen);
    std::istringstream words(read_line(peer.fd(), std::min(deadline, deadline_in(10))));
    std::string greeting, address;
    int rank = -1;
    if (!(words >> greeting >> rank >> address) || greeting != kGreeting) continue;  // not a rank of ours: ignored
    if (rank < 1 || rank >= world)
      throw UserError(fmt::format("a process at {} says it is rank {} of a job of {}: are two jobs using port {}?", seen, rank,
                                  world, port));
    if (peers.count(rank))
      throw UserError(fmt::format("two processes say they are rank {} ({} and {}): check the launcher's RANK variables", rank,
                                  hosts[static_cast<size_t>(rank)], address));
    hosts[static_cast<size_t>(rank)] = address;
    peers.emplace(rank, std::move(peer));
  }
  const std::string list = fmt::format("ok {}", fmt::join(hosts, " "));
  for (const auto& [rank, peer] : peers) write_line(peer.fd(), list);
  return hosts;
}

std::vector<std::string> join(const std::string& master, int port, int rank, int world, const std::string& mine, double timeout) {
  const Clock::time_point deadline = deadline_in(timeout);
  const sockaddr_in at = endpoint(master, port);
  std::string last_error = "no answer";
  while (Clock::now() < deadline) {
    if (interrupt_requested()) throw Interrupted();
    Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int err = 0;
    if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        // An unreachable host can hold a SYN for minutes: bounded by the deadline.
        if (!wait_for(s.fd(), POLLOUT, std::min(deadline, deadline_in(5)))) {
          last_error = "connection timed out";
          continue;
        }
        socklen_t len = sizeof err;
        ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      last_error = std::strerror(err);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // rank 0 may not listen yet
      continue;
    }
    ::fcntl(s.fd(), F_SETFL, 0);
    write_line(s.fd(), fmt::format("{} {} {}", kGreeting, rank, mine));
    std::istringstream words(read_line(s.fd(), deadline));
    std::string ok;
    std::vector<std::string> hosts;
    if (words >> ok && ok == "ok")
      for (std::string h; words >> h;) hosts.push_back(h);
    if (static_cast<int>(hosts.size()) != world)
      throw UserError(fmt::format("rank {} ({}) reached rank 0 at {}:{}, which ended the rendezvous without the hosts of the "
                                  "{} ranks: see rank 0's error",
                                  rank, mine, master, port, world));
    return hosts;
  }
  throw UserError(fmt::format("rank {} ({}) cannot reach rank 0's rendezvous at {}:{} within {:.0f} s: {} — is rank 0 "
                              "started, is MASTER_ADDR its address, and is the port open?",
                              rank, mine, master, port, timeout, last_error));
}

}  // namespace

int free_port_block(int count) {
  int ephemeral_low = 32768;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &ephemeral_low) != 1) ephemeral_low = 32768;
    std::fclose(f);
  }
  const int low = 10000, high = std::max(low + 4 * count, ephemeral_low) - count;  // [low, high): block starts
  const int span = high - low;
  const auto bindable = [](int port) {
    Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in at = endpoint("0.0.0.0", port);
    return ::bind(s.fd(), reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0;
  };
  const int start = static_cast<int>((static_cast<unsigned>(::getpid()) * 7919u) % static_cast<unsigned>(span));
  for (int tried = 0; tried < span; tried += count) {
    const int base = low + (start + tried) % span;
    bool free = true;
    for (int p = base; p < base + count && free; ++p) free = bindable(p);
    if (free) return base;
  }
  throw UserError(fmt::format("no {} consecutive free ports between {} and {}: is this machine out of ports?", count, low, high));
}

std::string own_address_toward(const std::string& master) {
  // A datagram socket's connect only asks the kernel for the route: nothing is sent.
  Socket s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const sockaddr_in at = endpoint(master, 9);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
      ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&local), &len) != 0)
    throw UserError(fmt::format("this host has no route to the rendezvous host {}: {}", master, std::strerror(errno)));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  return text;
}

std::vector<std::string> exchange_hosts(const std::string& master, int port, int rank, int world_size, const std::string& mine,
                                        double timeout_seconds) {
  if (world_size == 1) return {mine};
  return rank == 0 ? serve(master, port, world_size, mine, timeout_seconds)
                   : join(master, port, rank, world_size, mine, timeout_seconds);
}

}  // namespace versus
