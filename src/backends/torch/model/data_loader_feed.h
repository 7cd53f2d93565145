// The libtorch C++ frontend's input pipeline as a training feed (Backend::make_feed): torch::data's
// DataLoader over a dataset of the split in the epoch's order, Stack<> collating the samples into a
// batch. Its workers are threads in C++ (in Python they are processes): "dataloader" runs it in
// the training thread (workers 0), "dataloader-workers" with one worker thread.
#pragma once
#include <memory>
#include <string>

#include "worker/backend.h"

namespace versus::th {

std::unique_ptr<EpochFeed> make_data_loader_feed(const std::string& pipeline, const Split& split, int64_t batch);

}  // namespace versus::th
