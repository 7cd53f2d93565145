#include "results/recorded_environment.h"

namespace versus {

const std::vector<std::string>& environment_that_matters() {
  static const std::vector<std::string> names = {
      "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES",
      "KMP_AFFINITY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TF_ENABLE_ONEDNN_OPTS",
      "TF_XLA_FLAGS", "TF_CPP_MIN_LOG_LEVEL", "MXNET_ENGINE_TYPE", "MXNET_MKLDNN_ENABLED",
      "MXNET_CPU_WORKER_NTHREADS", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "CUDA_VISIBLE_DEVICES"};
  return names;
}

}  // namespace versus
