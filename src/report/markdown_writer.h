// Renders the report Document as GitHub-flavoured Markdown (charts linked as SVG files).
#pragma once
#include <string>

#include "report/report_document.h"

namespace versus {

std::string render_markdown(const Document& doc);

}  // namespace versus
