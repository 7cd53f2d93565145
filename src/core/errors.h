// Error types that cross module boundaries, each turned into a one-line message for the user.
#pragma once
#include <stdexcept>
#include <string>

namespace versus {

// Bad input from the user (flag, shape, file): the message names the problem and what to do.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A backend cannot do this case (op, dtype, device, variant). Reported as "unsupported", never faked.
struct UnsupportedCase : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace versus
