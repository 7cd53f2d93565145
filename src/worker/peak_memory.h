// How much memory one call takes at its peak, beyond what the process held before it: the kernel's
// high-water mark of resident memory (VmHWM) reset first (writing 5 to /proc/self/clear_refs), read
// after. What a reader allocates while it reads a dataset, without the harness's own tensors.
#pragma once
#include <optional>

namespace versus {

class PeakMemory {
 public:
  // Resets the high-water mark to the current resident size; nothing is measured where the kernel
  // does not allow it (then increase_mib() is empty).
  PeakMemory();
  // The peak resident size since construction, less the resident size at construction, in MiB.
  std::optional<double> increase_mib() const;

 private:
  std::optional<double> start_mib_;
};

}  // namespace versus
