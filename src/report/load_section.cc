#include "report/load_section.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {
namespace {

// The C++ tier's readers (src/backends/*/ops/load.cc); the Python tier names its own (mode_report.api).
std::string reader_of(const RunRow& r) {
  if (!r.api.empty()) return r.api;
  if (r.tier == "python") return "—";
  const std::string format = r.params.is_object() ? r.params.value("format", std::string()) : std::string();
  if (r.backend == "native") return "versus's own reader (src/data)";
  if (r.backend == "tensorflow")
    return format == "csv" ? "C API graph: ReadFile, StringSplitV2, DecodeCSV" : "C API graph: ReadFile, DecodeRaw";
  if (r.backend == "mxnet") return format == "csv" ? "C API: CSVIter (MXDataIter*)" : "C API: MNISTIter (MXDataIter*)";
  if (r.backend == "torch") return "libtorch: torch::data::datasets::MNIST";
  return "";
}

}  // namespace

std::optional<Section> load_section(const ReportData& data) {
  std::map<std::string, std::vector<const RunRow*>> by_file;  // shape label -> its runs
  for (const RunRow& r : data.rows)
    if (r.op == "load" && r.status != "not run") by_file[r.shape].push_back(&r);
  if (by_file.empty()) return std::nullopt;
  Section s{"load", "Input pipeline: load time", 2, {}};
  s.blocks.push_back(Paragraph{
      "How long each reader takes to turn a dataset file into the float32 images and labels training starts "
      "from, every read checked byte for byte against what was written before it was timed. The file was just "
      "written, so it comes from the page cache: this is the reader's parse and decode cost, not the disk's. "
      "MB/s counts the decoded bytes (one per pixel and label), the same for every format, so formats compare "
      "directly. `memory` is what the first (validated) read added to the process's resident memory at its peak "
      "(the kernel's high-water mark, reset before the read): the reader's buffers and the tensors it makes, the "
      "median over the worker processes. `vs versus` is the reader's time over versus's own reader's (native) on "
      "the same file."});
  for (auto& [shape, runs] : by_file) {
    std::stable_sort(runs.begin(), runs.end(), [](const RunRow* a, const RunRow* b) {
      return a->ok() && b->ok() ? *a->median < *b->median : a->ok() > b->ok();
    });
    std::optional<double> baseline;
    for (const RunRow* r : runs)
      if (r->backend == "native" && r->ok()) baseline = r->median;
    Table t{{"reader", "API", "time [95 % CI]", "MB/s", "vs versus", "memory", "status"},
            {false, false, true, true, true, true, false},
            {}};
    for (const RunRow* r : runs) {
      std::vector<Cell> row = {{r->label(), Tone::plain, true}, {reader_of(*r)}};
      if (r->ok()) {
        row.push_back({fmt::format("{} [{}, {}]", format_time(*r->median), format_time(r->ci_low.value_or(*r->median)),
                                   format_time(r->ci_high.value_or(*r->median))),
                       r->imprecise() ? Tone::warn : Tone::plain});
        row.push_back({r->gbps ? format_sig(*r->gbps * 1e3) : "—"});
        row.push_back({baseline ? fmt::format("{:.2f}×", *r->median / *baseline) : "—"});
        row.push_back({r->first_run_memory_mib ? fmt::format("{:.0f} MiB", *r->first_run_memory_mib) : "—"});
        row.push_back({"ok", Tone::good});
      } else {
        for (int i = 0; i < 4; ++i) row.push_back({"—", Tone::muted});
        row.push_back({r->status + (r->reason.empty() ? "" : ": " + r->reason),
                       r->status == "unsupported" ? Tone::muted : Tone::bad});
      }
      t.rows.push_back(std::move(row));
    }
    s.blocks.push_back(Paragraph{fmt::format("File `{}`:", shape)});
    s.blocks.push_back(std::move(t));
  }
  return s;
}

}  // namespace versus
