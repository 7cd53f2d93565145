// The files a load case reads (core/ops/load.h): its inputs written in the case's format into a
// folder of their own, removed with the object. Written before prepare, so never timed.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/case_spec.h"
#include "core/ops/load.h"
#include "core/tensor.h"

namespace versus {

class LoadFiles {
 public:
  LoadFiles(const CaseSpec& c, const std::vector<HostTensor>& inputs);
  ~LoadFiles();
  LoadFiles(const LoadFiles&) = delete;
  LoadFiles& operator=(const LoadFiles&) = delete;

  const LoadParams& params() const { return params_; }
  const std::filesystem::path& dir() const { return dir_; }
  // idx, idx-gz: the IDX pair, named as MNIST names them (t10k-… for 10000 samples, train-… for
  // 60000 and any other count), ".gz" for idx-gz; csv: data.csv; cifar: data_batch_1.bin.
  const std::filesystem::path& images() const { return images_; }
  const std::filesystem::path& labels() const { return labels_; }  // idx formats only
  const std::filesystem::path& file() const { return images_; }   // csv and cifar: the one file

 private:
  LoadParams params_;
  std::filesystem::path dir_, images_, labels_;
};

// Byte values held as float32 (the load op's inputs) as the bytes themselves.
std::string as_bytes(const std::vector<float>& values);

// The images and labels a reader produced, back as byte values (`scale` is what the reader
// divided the pixels by, 1 or 255; rounded, so the check sees exactly what was read).
std::vector<std::vector<float>> load_outputs(std::vector<float> images, float scale, std::vector<float> labels);

}  // namespace versus
