// --memory-limit: the memory each worker may take. One setting per versus process, handed to
// every worker (C++ or Python) as VERSUS_MEMORY_LIMIT_BYTES; the worker applies it to itself
// before its framework starts, as RLIMIT_DATA — the private writable memory it maps (heap,
// tensors, thread stacks), not the address space frameworks reserve without using (TensorFlow
// and a CUDA build of torch map gigabytes they never touch, which RLIMIT_AS would count). A
// cgroup would count the page cache too, and needs a writable hierarchy, which a container or a
// user's session often lacks; RLIMIT_DATA works everywhere. An allocation over the limit fails
// inside the framework, which reports it in its own words: the runner recognises them.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

inline constexpr const char* kMemoryLimitVariable = "VERSUS_MEMORY_LIMIT_BYTES";

// "512M", "2G", "1.5GiB", "300000000": bytes (K, M, G, T are powers of 1024). Throws UserError
// naming the text.
int64_t parse_memory_size(const std::string& text);
std::string format_memory_size(int64_t bytes);  // "512 MiB", "1.5 GiB"

void set_worker_memory_limit(int64_t bytes);  // 0: none
int64_t worker_memory_limit();

// A failed reply of a worker that ran under the limit and failed to allocate, in any framework's
// words (std::bad_alloc, "can't allocate memory", "OOM when allocating", MemoryError, a thread
// that could not get its stack...), becomes {"status": "out_of_memory"} naming the limit. Other
// replies are returned unchanged.
nlohmann::json classify_out_of_memory(nlohmann::json reply, int64_t limit_bytes);

// In a worker: applies VERSUS_MEMORY_LIMIT_BYTES from the environment, if set.
void apply_memory_limit_from_environment();

}  // namespace versus
