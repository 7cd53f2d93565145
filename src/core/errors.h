// Error types that cross module boundaries, each turned into a one-line message for the user.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace versus {

// Bad input from the user (flag, shape, file): the message names the problem and what to do.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A backend cannot do this case (op, dtype, device, variant). Reported as "unsupported", never faked.
struct UnsupportedCase : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The disk holding a results folder is full (ENOSPC or a quota): what was finished is intact, the
// write that failed left nothing behind; freeing space and resuming completes the run.
struct DiskFull : std::runtime_error {
  DiskFull(const std::string& what, std::string path) : std::runtime_error(what), path(std::move(path)) {}
  std::string path;  // the file that could not be written
};

}  // namespace versus
