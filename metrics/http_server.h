// The HTTP server behind metrics.address: civetweb, GET only, one handler per path. What it
// serves is added by its users (the metrics endpoint's /metrics, /healthz, /readyz; a status
// page adds its own paths the same way).
#pragma once

#include "common/error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

class CivetServer;
class CivetHandler;

namespace streamsubmit::metrics {

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

// Called on one of the server's threads for every GET of its path.
using HttpHandler = std::function<HttpResponse()>;

class HttpServer {
public:
    // Listens on HOST:PORT (a literal address; [v6]:PORT; PORT 0 takes a free port). An
    // error (exit 2) names the address when it is malformed or cannot be bound.
    static Result<std::unique_ptr<HttpServer>> start(const std::string &address);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Serves GET `path` (exact match) with `handler` from now on; register before clients need it.
    void handle(const std::string &path, HttpHandler handler);
    // The port it listens on (the one chosen for PORT 0).
    int port() const;

private:
    HttpServer() = default;
    std::string wake_host_; // where a connection reaches the server (loopback for a wildcard)
    std::unique_ptr<CivetServer> server_;
    std::vector<std::unique_ptr<CivetHandler>> handlers_;
};

// "HOST:PORT" -> civetweb's listening_ports form; an error names what is wrong.
Result<std::string> listening_port_spec(const std::string &address);

} // namespace streamsubmit::metrics
