#include "registry_client.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace streamsubmit::schema {
namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect(char *data, size_t size, size_t n, void *out) {
    static_cast<std::string *>(out)->append(data, size * n);
    return size * n;
}

struct Response {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
    std::string curl_error;
};

Response http_get(const std::string &url, const RegistrySettings &s, std::chrono::milliseconds timeout) {
    Response r;
    CURL *curl = curl_easy_init();
    if (!curl) {
        r.code = CURLE_FAILED_INIT;
        r.curl_error = "curl_easy_init failed";
        return r;
    }
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); // reader threads: no SIGALRM for DNS timeouts
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout.count(), 1)));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!s.user_info.empty()) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, s.user_info.c_str());
    }
    if (!s.ca_location.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, s.ca_location.c_str());
    curl_slist *headers =
        curl_slist_append(nullptr, "Accept: application/vnd.schemaregistry.v1+json, application/json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    r.code = curl_easy_perform(curl);
    if (r.code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    else
        r.curl_error = error[0] ? error : curl_easy_strerror(r.code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return r;
}

// A TLS failure will not pass by retrying.
bool tls_failure(CURLcode code) {
    return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
           code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CONNECT_ERROR;
}

std::variant<RegisteredSchema, DecodeError> parse_schema(const std::string &body, const std::string &url) {
    RegisteredSchema out;
    try {
        const auto json = nlohmann::json::parse(body);
        out.text = json.at("schema").get<std::string>();
        if (json.contains("schemaType") && json["schemaType"].is_string())
            out.type = json["schemaType"].get<std::string>();
        if (json.contains("references") && json["references"].is_array())
            for (const auto &ref : json["references"])
                out.references.push_back(SchemaReference{ref.at("name").get<std::string>(),
                                                         ref.at("subject").get<std::string>(),
                                                         ref.at("version").get<int32_t>()});
    } catch (const std::exception &e) {
        return DecodeError{DecodeErrorKind::RegistryRefused,
                           "the schema registry at " + url + " answered with an unexpected body (" + e.what() + ")",
                           "check that schema.registry.url names the Confluent-compatible API (for Apicurio: "
                           "http://HOST:PORT/apis/ccompat/v7)"};
    }
    return out;
}

std::string escape_path(const std::string &segment) {
    std::string out;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : segment) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out.push_back(static_cast<char>(c));
        else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

// Whether a 404's body is the Confluent API's own "no such schema" (40403; 40401/40402 for a
// reference's subject or version) rather than a path the server does not serve: only the
// first is the record's fault (a dead letter under stream.errors.tolerance=all); a wrong
// schema.registry.url must stop the job instead of routing every record away.
bool names_missing_schema(const std::string &body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains("error_code") || !json["error_code"].is_number_integer()) return false;
    const int code = json["error_code"].get<int>();
    return code == 40401 || code == 40402 || code == 40403;
}

} // namespace

std::vector<std::string> RegistrySettings::split_urls(const std::string &list) {
    std::vector<std::string> urls;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        std::string url = list.substr(start, comma - start);
        url.erase(0, url.find_first_not_of(" \t"));
        url.erase(url.find_last_not_of(" \t") + 1);
        while (!url.empty() && url.back() == '/') url.pop_back();
        if (!url.empty()) urls.push_back(std::move(url));
        start = comma + 1;
    }
    return urls;
}

RegistryClient::RegistryClient(RegistrySettings settings) : settings_(std::move(settings)) { init_curl_once(); }

std::variant<RegisteredSchema, DecodeError> RegistryClient::get(const std::string &path, const std::string &what,
                                                                Clock::time_point deadline) const {
    std::string last_failure;
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
        for (const auto &base : settings_.urls) {
            const std::string url = base + path;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) break;
            const Response r = http_get(url, settings_, left);
            if (r.code == CURLE_OK && r.status == 200) return parse_schema(r.body, url);
            if (r.code == CURLE_OK && r.status == 404 && names_missing_schema(r.body))
                return DecodeError{DecodeErrorKind::UnknownSchema, "the schema registry at " + base + " has no " + what,
                                   "check that the producer registered its schemas in this registry "
                                   "(schema.registry.url)"};
            if (r.code == CURLE_OK && (r.status == 401 || r.status == 403))
                return DecodeError{DecodeErrorKind::RegistryRefused,
                                   "the schema registry at " + base + " refused the credentials (HTTP " +
                                       std::to_string(r.status) + ") for " + what,
                                   "check schema.registry.basic.auth.user.info (user:password, or its env:/file: "
                                   "source)"};
            if (r.code == CURLE_OK && r.status < 500)
                return DecodeError{DecodeErrorKind::RegistryRefused,
                                   "the schema registry at " + base + " answered HTTP " + std::to_string(r.status) +
                                       " for " + what,
                                   "check that schema.registry.url names the Confluent-compatible API"};
            if (tls_failure(r.code))
                return DecodeError{DecodeErrorKind::RegistryRefused,
                                   "TLS with the schema registry at " + base + " failed: " + r.curl_error,
                                   "give the CA that signed the registry's certificate with "
                                   "schema.registry.ssl.ca.location=FILE"};
            last_failure = base + ": " + (r.code == CURLE_OK ? "HTTP " + std::to_string(r.status) : r.curl_error);
        }
        const auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) break;
        std::this_thread::sleep_for(std::min<Clock::duration>(backoff, left));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    std::string urls;
    for (const auto &u : settings_.urls) urls += (urls.empty() ? "" : ", ") + u;
    return DecodeError{DecodeErrorKind::RegistryUnreachable,
                       "no schema registry answered for " + what + " within schema.registry.request.timeout (" +
                           std::to_string(settings_.timeout.count()) + " ms) at " + urls +
                           (last_failure.empty() ? "" : "; last: " + last_failure),
                       "start the registry or correct schema.registry.url; a registry that is slow to answer needs "
                       "a longer schema.registry.request.timeout"};
}

std::variant<ResolvedSchema, DecodeError> RegistryClient::fetch(int32_t id) const {
    const auto deadline = Clock::now() + settings_.timeout;
    auto root = get("/schemas/ids/" + std::to_string(id), "schema id " + std::to_string(id), deadline);
    if (auto *e = std::get_if<DecodeError>(&root)) return *e;
    ResolvedSchema out{std::get<RegisteredSchema>(std::move(root)), {}};
    // Depth first, so a reference's own references come before it (what a parser needs first).
    std::set<std::pair<std::string, int32_t>> seen;
    std::vector<std::pair<SchemaReference, RegisteredSchema>> resolved;
    std::function<std::optional<DecodeError>(const std::vector<SchemaReference> &)> resolve =
        [&](const std::vector<SchemaReference> &refs) -> std::optional<DecodeError> {
        for (const auto &ref : refs) {
            if (!seen.insert({ref.subject, ref.version}).second) continue;
            auto got = get("/subjects/" + escape_path(ref.subject) + "/versions/" + std::to_string(ref.version),
                           "subject " + ref.subject + " version " + std::to_string(ref.version) +
                               " (referenced by schema id " + std::to_string(id) + ")",
                           deadline);
            if (auto *e = std::get_if<DecodeError>(&got)) return *e;
            auto schema = std::get<RegisteredSchema>(std::move(got));
            if (auto e = resolve(schema.references)) return e;
            resolved.emplace_back(ref, std::move(schema));
        }
        return std::nullopt;
    };
    if (auto e = resolve(out.schema.references)) return *e;
    out.references = std::move(resolved);
    return out;
}

} // namespace streamsubmit::schema
