// What machine produced a number: CPU, cores, ISA, memory, load, governor, GPU, OS.
#pragma once
#include <nlohmann/json.hpp>

namespace versus {

// Cheap facts read from /proc and /sys; no measurement.
nlohmann::json describe_machine();

}  // namespace versus
