#include "metrics/status_page.h"

namespace streamsubmit::metrics {

void serve_status_page(HttpServer &server) {
    // The page is a constant: its data comes from /api/*, so a page left open costs one small
    // request per path every few seconds and nothing else.
    server.handle("/", [] { return HttpResponse{200, "text/html; charset=utf-8", std::string(status_page_html())}; });
}

} // namespace streamsubmit::metrics
