// The catalogue of operations: for each, how to parse its shape, make its inputs from a seed,
// compute the reference result, count its work, and judge a backend's result.
#pragma once
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_spec.h"
#include "core/tensor.h"
#include "core/validation.h"

namespace versus {

class OpDef {
 public:
  virtual ~OpDef() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // Throws UserError naming the bad parameter and what is allowed.
  virtual void validate_params(const nlohmann::json& params) const = 0;
  // Canonical, file-name-safe shape label, e.g. "m1024-n1024-k1024-nn".
  virtual std::string shape_label(const nlohmann::json& params) const = 0;
  virtual std::vector<HostTensor> make_inputs(const CaseSpec& c) const = 0;
  // Reference results, computed in double precision without any BLAS library: the forward
  // output, or for c.direction == "backward" the gradients (inputs then include dY).
  virtual std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& inputs) const = 0;
  // Compares every result with its reference; the worst output decides.
  virtual Validation check(const CaseSpec& c, const std::vector<HostTensor>& inputs,
                           const std::vector<HostTensor>& references,
                           const std::vector<std::vector<float>>& results) const = 0;
  virtual bool has_backward() const { return false; }
  virtual double flops(const nlohmann::json& params) const = 0;
  // Compulsory memory traffic: every input read once and the output written once.
  virtual double bytes(const nlohmann::json& params) const = 0;
  // The backward pass's work. Nominally twice the forward (gradients for inputs and weights, as
  // for matrix products and convolutions); ops whose backward differs override these.
  virtual double backward_flops(const nlohmann::json& params) const { return 2.0 * flops(params); }
  virtual double backward_bytes(const nlohmann::json& params) const { return 2.0 * bytes(params); }
  double work_flops(const CaseSpec& c) const {
    return c.direction == "backward" ? backward_flops(c.params) : flops(c.params);
  }
  double work_bytes(const CaseSpec& c) const {
    return c.direction == "backward" ? backward_bytes(c.params) : bytes(c.params);
  }
};

// Throws UserError listing the known operations when `name` is not one of them.
const OpDef& find_op(const std::string& name);
std::vector<const OpDef*> all_ops();

}  // namespace versus
