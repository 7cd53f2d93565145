// What the fuzz targets share: a scratch folder in memory for the readers that take paths, and
// a whole-buffer file write without fsync (libFuzzer runs a target millions of times).
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

namespace versus::fuzz {

// One folder per process under /dev/shm (tmpfs: no disk I/O), made on the first call and removed
// at exit. Every run writes the same file names in it, so nothing piles up however long it runs.
// Its name holds the pid: after a crash (no exit handlers run) scripts/fuzz removes it by that.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = std::string(base) + "/versus-fuzz-" + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(pattern.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Replaces the file's bytes (creating it and its parent folders as needed).
inline void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::filesystem::create_directories(path.parent_path());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) std::abort();
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Splits `text` at the first `separator`: {before, after}; after is empty when there is none.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view text, std::string_view separator) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + separator.size())};
}

// Called with every expected error (the input was rejected as designed): silent, unless
// VERSUS_FUZZ_VERBOSE is set, e.g. to see why a seed or a regression input is refused.
inline void rejected(const std::exception& e) {
  static const bool verbose = std::getenv("VERSUS_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "rejected: %s\n", e.what());
}

}  // namespace versus::fuzz
