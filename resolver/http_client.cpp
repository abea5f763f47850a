#include "resolver/http_client.h"

#include "resolver/transport_policy.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace streamsubmit::resolver {
namespace {

std::once_flag g_curl_init;

struct Transfer {
    const HttpRequest *request = nullptr;
    HttpResult *result = nullptr;
    CURL *easy = nullptr;
    FILE *out = nullptr;
    size_t upload_pos = 0;
    long long max_size = 0;
    bool too_big = false;
    char errbuf[CURL_ERROR_SIZE] = {};
    std::chrono::steady_clock::time_point not_before{};
    bool size_seen = false;         // Content-Length looked at in this attempt
    HttpProgress *progress = nullptr; // sums for the next report; null when nobody listens
    const std::vector<std::string> *insecure_http_hosts = nullptr;
    std::string refused; // why prereq_cb stopped the request
};

// Before each request goes out, also after a redirect: plain HTTP only where the
// repository itself may be plain HTTP (the URL was checked when the repository was named;
// a redirect could otherwise lead anywhere).
int prereq_cb(void *userdata, char *, char *, int, int) {
    auto *t = static_cast<Transfer *>(userdata);
    char *url = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (!url) return CURL_PREREQFUNC_OK;
    if (auto st = check_transport(url, *t->insecure_http_hosts, {}); !st) {
        t->refused = "refused the plain HTTP URL " + split_userinfo(url).url +
                     " (reached by a redirect or named directly: only loopback hosts and those in "
                     "resolver.allowInsecureHttp may be plain HTTP)";
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    auto *t = static_cast<Transfer *>(userdata);
    const size_t n = size * nmemb;
    t->result->bytes += static_cast<long long>(n);
    if (t->progress) {
        t->progress->bytes += static_cast<long long>(n);
        if (!t->size_seen) {
            t->size_seen = true;
            curl_off_t length = -1;
            if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0)
                t->progress->announced += static_cast<long long>(length);
        }
    }
    if (t->result->bytes > t->max_size) {
        t->too_big = true;
        return 0;
    }
    if (!t->out) return n;
    return std::fwrite(ptr, 1, n, t->out);
}

size_t read_cb(char *buffer, size_t size, size_t nitems, void *userdata) {
    auto *t = static_cast<Transfer *>(userdata);
    const auto &body = t->request->upload;
    const size_t n = std::min(size * nitems, body.size() - t->upload_pos);
    std::memcpy(buffer, body.data() + t->upload_pos, n);
    t->upload_pos += n;
    return n;
}

bool retryable(const HttpResult &r, CURLcode code) {
    if (code == CURLE_OK) return r.status >= 500 || r.status == 429 || r.status == 408;
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

} // namespace

SplitUrl split_userinfo(const std::string &url) {
    SplitUrl out{url, {}, {}};
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return out;
    const auto host_start = scheme + 3;
    const auto path_start = url.find('/', host_start);
    const auto at = url.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
    if (at == std::string::npos || at < host_start) return out;
    const std::string info = url.substr(host_start, at - host_start);
    const auto colon = info.find(':');
    auto unescape = [](const std::string &s) {
        int len = 0;
        char *raw = curl_easy_unescape(nullptr, s.c_str(), static_cast<int>(s.size()), &len);
        std::string v(raw ? std::string(raw, static_cast<size_t>(len)) : s);
        curl_free(raw);
        return v;
    };
    out.user = unescape(info.substr(0, colon));
    if (colon != std::string::npos) out.password = unescape(info.substr(colon + 1));
    out.url = url.substr(0, host_start) + url.substr(at + 1);
    return out;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.parallel));
    multi_ = m;
}

HttpClient::~HttpClient() { curl_multi_cleanup(static_cast<CURLM *>(multi_)); }

std::vector<HttpResult> HttpClient::perform(const std::vector<HttpRequest> &requests, const HttpProgressFn &progress) {
    std::vector<HttpResult> results(requests.size());
    if (requests.empty()) return results;
    CURLM *multi = static_cast<CURLM *>(multi_);
    std::vector<Transfer> transfers(requests.size());
    std::vector<size_t> queue; // waiting to start (or restart)
    HttpProgress pending;      // what the next progress report carries
    for (size_t i = 0; i < requests.size(); ++i) {
        transfers[i].request = &requests[i];
        transfers[i].result = &results[i];
        transfers[i].max_size = options_.max_size;
        if (progress) transfers[i].progress = &pending;
        queue.push_back(i);
    }
    size_t running = 0;
    constexpr auto kReportEvery = std::chrono::milliseconds(100);
    auto last_report = std::chrono::steady_clock::now();
    auto report = [&](const HttpResult *finished, size_t index) {
        if (!progress) return;
        pending.finished = finished;
        pending.index = index;
        progress(pending);
        pending = HttpProgress{};
        last_report = std::chrono::steady_clock::now();
    };

    auto start = [&](size_t i) {
        Transfer &t = transfers[i];
        const HttpRequest &rq = *t.request;
        t.result->attempts++;
        t.result->bytes = 0;
        t.result->status = 0;
        t.result->error.clear();
        t.too_big = false;
        t.upload_pos = 0;
        t.errbuf[0] = 0;
        t.size_seen = false;
        if (rq.method == "GET" && !rq.body_file.empty()) {
            t.out = std::fopen(rq.body_file.c_str(), "wb");
            if (!t.out) {
                t.result->error = std::string("cannot write ") + rq.body_file.string() + ": " + std::strerror(errno);
                return false;
            }
        }
        CURL *e = curl_easy_init();
        t.easy = e;
        curl_easy_setopt(e, CURLOPT_URL, rq.url.c_str());
        curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        t.insecure_http_hosts = &options_.insecure_http_hosts;
        t.refused.clear();
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, options_.max_redirects);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_size));
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); // gzip for POMs and metadata
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        if (options_.ca_bundle) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_bundle->c_str());
        const Credentials &c = rq.credentials;
        if (!c.token.empty()) {
            curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
            curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, c.token.c_str());
        } else if (!c.user.empty()) {
            curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(e, CURLOPT_USERNAME, c.user.c_str());
            curl_easy_setopt(e, CURLOPT_PASSWORD, c.password.c_str());
        } else if (c.netrc) {
            curl_easy_setopt(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
        }
        if (rq.method == "PUT") {
            curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
            curl_easy_setopt(e, CURLOPT_READDATA, &t);
            curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rq.upload.size()));
        }
        ++transfers_;
        curl_multi_add_handle(multi, e);
        ++running;
        return true;
    };

    auto finish = [&](Transfer &t, CURLcode code) {
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        char *ct = nullptr;
        curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &ct);
        t.result->content_type = ct ? ct : "";
        bytes_received_ += t.result->bytes;
        curl_multi_remove_handle(multi, t.easy);
        curl_easy_cleanup(t.easy);
        t.easy = nullptr;
        --running;
        if (t.out) {
            std::fclose(t.out);
            t.out = nullptr;
        }
        if (code == CURLE_OK) t.result->status = status;
        else {
            t.result->status = status;
            if (!t.refused.empty())
                t.result->error = t.refused;
            else if (t.too_big || code == CURLE_FILESIZE_EXCEEDED)
                t.result->error = "larger than the maximum size of " + std::to_string(options_.max_size) + " bytes";
            else if (code == CURLE_TOO_MANY_REDIRECTS)
                t.result->error = "more than " + std::to_string(options_.max_redirects) + " redirects (a redirect loop?)";
            else if (code == CURLE_OPERATION_TIMEDOUT)
                t.result->error = std::string("timed out (no data for ") +
                                  std::to_string(options_.low_speed_time.count()) + " s, or no connection within " +
                                  std::to_string(options_.connect_timeout.count()) + " s)";
            else
                t.result->error = std::string(curl_easy_strerror(code)) + (t.errbuf[0] ? std::string(": ") + t.errbuf : "");
            // Never echo a URL with credentials: curl's messages only name the host.
        }
        if (retryable(*t.result, code) && t.result->attempts <= options_.retries) {
            const auto delay = options_.backoff * (1 << (t.result->attempts - 1));
            t.not_before = std::chrono::steady_clock::now() + delay;
            return true; // retry
        }
        return false;
    };

    std::vector<size_t> waiting; // backoff before retry
    while (!queue.empty() || !waiting.empty() || running > 0) {
        const auto now = std::chrono::steady_clock::now();
        for (auto it = waiting.begin(); it != waiting.end();) {
            if (transfers[*it].not_before <= now) {
                queue.push_back(*it);
                it = waiting.erase(it);
            } else
                ++it;
        }
        while (!queue.empty() && running < static_cast<size_t>(options_.parallel)) {
            const size_t i = queue.front();
            queue.erase(queue.begin());
            if (!start(i)) report(&results[i], i);
        }
        if (running == 0) {
            if (!waiting.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        int still = 0;
        curl_multi_perform(multi, &still);
        int msgs = 0;
        while (CURLMsg *msg = curl_multi_info_read(multi, &msgs)) {
            if (msg->msg != CURLMSG_DONE) continue;
            Transfer *t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char **>(&t));
            const CURLcode code = msg->data.result;
            const auto index = static_cast<size_t>(t - transfers.data());
            if (finish(*t, code)) waiting.push_back(index);
            else report(t->result, index);
        }
        if (progress && pending.bytes > 0 && std::chrono::steady_clock::now() - last_report >= kReportEvery)
            report(nullptr, 0);
        if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
    return results;
}

} // namespace streamsubmit::resolver
