// "Who wins where": for every case shape, each backend against the fastest one, as a time
// ratio with its Welch interval and test between worker processes and a verdict, plus a headline.
#pragma once
#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

Section verdict_section(const ReportData& data);

}  // namespace versus
