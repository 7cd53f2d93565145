// load: reading a dataset file into the tensors a training run starts from — the load time of a
// format through a framework's own reader (MXNet's data iterators, libtorch's MNIST dataset,
// TensorFlow's ReadFile/Decode* ops) and through versus's own readers (native), the baseline.
//   params   format  idx (raw IDX files, images and labels), idx-gz (the same, gzip-compressed, as
//                    Fashion-MNIST ships), csv (one line per sample: label, then the pixels, no
//                    header), cifar (one CIFAR-10 binary batch: 3073-byte records)
//            samples the number of images (default 10000: a Fashion-MNIST test set)
//   inputs   images [samples, pixels] (784 = 28×28, or 3072 = 3×32×32 for cifar) and labels
//            [samples], byte values 0..255 and 0..9 as float32, made from the seed with about half
//            the pixels 0 (as in Fashion-MNIST, which makes CSV lines as long as the real ones).
//            The worker writes them in the format (data/load_files.h) before prepare.
//   output   the images and labels read back, as the byte values: checked exactly.
// The file was just written, so it is read from the page cache: load time here is the reader's
// parse and decode cost, not the disk's.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

struct LoadParams {
  std::string format;  // idx, idx-gz, csv, cifar
  int64_t samples = 0;
  int64_t pixels() const { return format == "cifar" ? 3 * 32 * 32 : 28 * 28; }
};

// Throws UserError for an unknown format or a sample count out of range.
LoadParams parse_load_params(const nlohmann::json& params);

}  // namespace versus
