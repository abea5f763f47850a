// GET /: the job's status page, one self-contained HTML document (status_page.html, embedded at
// build time) whose script draws what /api/* answers. See status_api.h.
#pragma once

#include "metrics/http_server.h"

#include <string_view>

namespace streamsubmit::metrics {

// The page as served (the text of status_page.html).
std::string_view status_page_html();

void serve_status_page(HttpServer &server);

} // namespace streamsubmit::metrics
