// Parallel HTTP(S) transfers over one libcurl multi handle: connection reuse, HTTP/2
// multiplexing where offered, retries with exponential backoff on 5xx, 429 and
// connection errors, connect timeout, low-speed limit, maximum size, redirect limit.
// Proxies come from the environment (curl reads http_proxy, https_proxy, no_proxy).
// Credentials never appear in URLs handed back or in error texts.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct Credentials {
    std::string user, password, token;
    bool netrc = false;  // let curl look in ~/.netrc
    std::string source;  // "the URL's user info", "STREAMSUBMIT_REPO_TOKEN", ... — never the secret
    bool empty() const { return user.empty() && token.empty(); }
};

struct HttpOptions {
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds low_speed_time{30}; // abort when below 1 byte/s for this long
    long long max_size = 1LL << 30;
    long max_redirects = 5;
    int retries = 3;
    std::chrono::milliseconds backoff{250};
    int parallel = 6;
    std::optional<std::filesystem::path> ca_bundle;
    std::string user_agent = "streamsubmit-resolver/0.1";
    // Hosts whose plain http:// URLs a redirect may lead to besides loopback ones
    // (resolver.allowInsecureHttp); a redirect to any other http:// URL is refused before
    // its request is sent (transport_policy.h).
    std::vector<std::string> insecure_http_hosts;
};

struct HttpRequest {
    std::string url;                // no user info
    Credentials credentials;
    std::filesystem::path body_file; // GET: the body goes here (truncated first)
    std::string method = "GET";      // GET or PUT
    std::string upload;              // PUT body
};

struct HttpResult {
    long status = 0;           // 0 when the transfer failed before a response
    std::string error;         // transport error text; empty when a response arrived
    std::string content_type;
    long long bytes = 0;
    int attempts = 0;
    bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

// Numbers for a progress display, reported by perform() from its loop: body bytes at most
// every 100 ms, and at once when a request has finished for good (no retry to come).
struct HttpProgress {
    long long bytes = 0;               // body bytes received since the previous report (failed attempts too)
    long long announced = 0;           // sizes announced (Content-Length) since the previous report
    const HttpResult *finished = nullptr; // the request that has just finished for good, if any
    size_t index = 0;                  // its index in the requests
};
using HttpProgressFn = std::function<void(const HttpProgress &)>;

class HttpClient {
public:
    explicit HttpClient(HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Runs every request, `parallel` at a time; results in request order. `progress`, when
    // given, is called on this thread from inside perform().
    std::vector<HttpResult> perform(const std::vector<HttpRequest> &requests, const HttpProgressFn &progress = {});

    // Counts transfers started (including retries): tests check a warm cache makes none.
    long long transfers_started() const { return transfers_; }
    // Body bytes received by every transfer so far (retried attempts too).
    long long bytes_received() const { return bytes_received_; }

private:
    HttpOptions options_;
    void *multi_ = nullptr;
    long long transfers_ = 0;
    long long bytes_received_ = 0;
};

// "https://user:pw@host/p" -> "https://host/p" and the user info apart.
struct SplitUrl {
    std::string url, user, password;
};
SplitUrl split_userinfo(const std::string &url);

} // namespace streamsubmit::resolver
