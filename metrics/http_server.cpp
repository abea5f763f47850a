#include "metrics/http_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <fmt/format.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <thread>

namespace streamsubmit::metrics {
namespace {

Error bad_address(const std::string &address, std::string why) {
    return Error(ErrorKind::Usage, fmt::format("metrics.address {}: {}", address, why), "",
                 "give HOST:PORT with a literal address, e.g. --metrics-address 127.0.0.1:9464 "
                 "([::1]:9464 for IPv6, 0.0.0.0:9464 for every interface)");
}

class Handler final : public CivetHandler {
public:
    Handler(std::string path, HttpHandler handler) : path_(std::move(path)), handler_(std::move(handler)) {}
    bool handleGet(CivetServer *, mg_connection *conn) override {
        // civetweb also hands a handler the paths below its own ("/" matches every path): only
        // the exact path is this handler's, the others are 404.
        const mg_request_info *request = mg_get_request_info(conn);
        if (!request || !request->local_uri || path_ != request->local_uri) {
            static constexpr char kNotFound[] = "not found\n";
            mg_printf(conn,
                      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n%s",
                      sizeof kNotFound - 1, kNotFound);
            return true;
        }
        HttpResponse r;
        try {
            r = handler_();
        } catch (const std::exception &e) {
            r = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n"};
        }
        mg_printf(conn,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
                  "Connection: close\r\n\r\n",
                  r.status, mg_get_response_code_text(conn, r.status), r.content_type.c_str(), r.body.size());
        mg_write(conn, r.body.data(), r.body.size());
        return true;
    }

private:
    std::string path_;
    HttpHandler handler_;
};

// Connects to host:port and hangs up at once (a listening socket that is gone refuses: fine).
void poke(const std::string &host, int port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo *found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        (void)::connect(fd, found->ai_addr, found->ai_addrlen);
        ::close(fd);
    }
    freeaddrinfo(found);
}

// Where this host reaches a server listening on `host` (a wildcard address: loopback).
std::string reachable_host(const std::string &host) {
    if (host == "0.0.0.0") return "127.0.0.1";
    if (host == "[::]") return "::1";
    if (host.size() > 2 && host.front() == '[') return host.substr(1, host.size() - 2);
    return host;
}

} // namespace

Result<std::string> listening_port_spec(const std::string &address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad_address(address, "expected HOST:PORT");
    std::string host = address.substr(0, colon);
    const std::string port = address.substr(colon + 1);
    int number = -1;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 0 || number > 65535)
        return bad_address(address, "the port must be a number from 0 to 65535");
    const bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
    unsigned char buf[16];
    if (v6 ? inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) != 1
           : inet_pton(AF_INET, host.c_str(), buf) != 1) {
        if (host != "localhost") return bad_address(address, "the host must be a literal IPv4 or [IPv6] address");
        host = "127.0.0.1";
    }
    return fmt::format("{}:{}", host, port); // civetweb takes [v6]:PORT as written
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string &address) {
    auto spec = listening_port_spec(address);
    if (!spec) return spec.error();
    std::vector<std::string> options = {"listening_ports", *spec, "num_threads", "2", "enable_keep_alive", "no",
                                        "request_timeout_ms", "10000"};
    std::unique_ptr<HttpServer> server(new HttpServer());
    server->wake_host_ = reachable_host(spec->substr(0, spec->rfind(':')));
    try {
        server->server_ = std::make_unique<CivetServer>(options);
    } catch (const CivetException &e) {
        return Error(ErrorKind::Usage, fmt::format("cannot listen on metrics.address {}", address), e.what(),
                     "the port is taken or the address is not one of this host's: pick another HOST:PORT, or leave "
                     "metrics.address unset");
    }
    return server;
}

HttpServer::~HttpServer() {
    if (!server_) return;
    // civetweb's listening thread sees the stop request only when its poll() returns, which
    // without a connection takes its 2 s quantum: every job's exit would wait that long. Poke
    // it with connections until it has stopped.
    std::atomic<bool> closed{false};
    std::thread waker([this, &closed, port = port()] {
        while (!closed.load()) {
            poke(wake_host_, port);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    server_->close(); // stop serving before the handlers go
    closed = true;
    waker.join();
}

void HttpServer::handle(const std::string &path, HttpHandler handler) {
    handlers_.push_back(std::make_unique<Handler>(path, std::move(handler)));
    server_->addHandler(path, handlers_.back().get());
}

int HttpServer::port() const {
    const auto ports = server_->getListeningPorts();
    return ports.empty() ? 0 : ports.front();
}

} // namespace streamsubmit::metrics
