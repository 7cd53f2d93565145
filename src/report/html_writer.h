// Renders the report Document as one self-contained HTML page: embedded stylesheet, charts
// inlined as SVG, nothing fetched from anywhere.
#pragma once
#include <string>

#include "report/report_document.h"

namespace versus {

std::string render_html(const Document& doc);

}  // namespace versus
