// The schema names of every document a results folder holds. A reader checks them before it
// trusts a file; a writer stamps them. Bump the number when a document changes incompatibly.
#pragma once

namespace versus {

inline constexpr const char* kResultSchema = "versus.result/1";            // runs/<case id>.json of a suite
inline constexpr const char* kTrainSchema = "versus.train/1";              // runs/<run id>.json of a training
inline constexpr const char* kParitySchema = "versus.parity/1";            // parity.json of a training
inline constexpr const char* kDistributedSchema = "versus.distributed/1";  // distributed.json of a job

}  // namespace versus
