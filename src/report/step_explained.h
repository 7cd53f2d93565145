// Issue #7's question, answered from the op catalogue: can a framework's training step time be
// explained by the times of the ops it runs? `versus run train --explain` times the ops of one
// step (nets/network_ops.h, with how often the step runs each) in every framework; here their
// sum, by op family, is set against the measured step, and the gap between two
// frameworks is split into what each family and the unexplained remainder contribute.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/gnuplot_chart.h"
#include "report/report_document.h"

namespace versus {

// "conv", "dense (gemm)", "pool", "activation", "loss", "batch norm", "embedding", "lstm",
// "residual add", or "other".
std::string op_family(const std::string& op);

struct StepExplanation {
  std::string backend;
  double measured = 0;   // median step time of the training run (first step excluded), seconds
  double predicted = 0;  // Σ count × median op time over the step's op rows, seconds
  std::map<std::string, double> parts;  // "conv" -> seconds, forward + backward, count included
  std::vector<std::string> missing;     // op rows with no successful result in this backend
  nlohmann::json profile;               // the run's "profile" (worker/model.h profile_step), or null
  double remainder() const { return measured - predicted; }
};

// The family of an operation name a framework's profiler reports ("autograd::engine::
// evaluate_function: ConvolutionBackward0" -> "conv", TF "Conv2DBackpropFilter" -> "conv"): the op
// families plus "optimizer update", "gradient accumulation", "bias add", "copies/layout" and "other".
std::string profiled_family(const std::string& name);

// One explanation per backend whose default-mode training run at `threads` (the ops' thread
// count; 0: any) finished. `cases`: the explain cases of training.json (op, params, directions,
// count); `op_runs`: the results of timing them.
std::vector<StepExplanation> explain_steps(const std::vector<nlohmann::json>& train_runs,
                                           const std::vector<nlohmann::json>& op_runs, const nlohmann::json& cases,
                                           int threads = 0);

// The report section with the table, the pairwise gap decomposition and a stacked-bar chart.
Section step_explained_section(const std::vector<StepExplanation>& steps, const nlohmann::json& explain, const Chart& chart);
Chart step_explained_chart(const std::vector<StepExplanation>& steps);

}  // namespace versus
