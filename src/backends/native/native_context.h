// What every native op gets from the backend (the variant travels in the case itself).
#pragma once

namespace versus {

struct NativeContext {};

}  // namespace versus
