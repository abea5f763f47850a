#include "resolver/transport_policy.h"

#include <algorithm>
#include <cctype>

namespace streamsubmit::resolver {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// 127.x.y.z written as four decimal parts of 0..255 (inet_aton's other spellings such as
// "127.1" or hex parts are not loopback here: refusing them errs on the safe side).
bool is_ipv4_loopback(std::string_view host) {
    int parts = 0;
    size_t i = 0;
    while (i <= host.size()) {
        const size_t dot = std::min(host.find('.', i), host.size());
        const std::string_view part = host.substr(i, dot - i);
        if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        const int value = std::stoi(std::string(part));
        if (value > 255 || (parts == 0 && value != 127)) return false;
        ++parts;
        i = dot + 1;
    }
    return parts == 4;
}

} // namespace

std::string url_host(std::string_view url) {
    const auto scheme = url.find("://");
    std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    rest = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (rest.starts_with('[')) return lower(rest.substr(1, std::min(rest.find(']'), rest.size()) - 1));
    return lower(rest.substr(0, std::min(rest.find(':'), rest.size())));
}

bool is_loopback_host(std::string_view raw) {
    std::string host = lower(raw);
    if (host.ends_with('.')) host.pop_back(); // "localhost." is localhost
    if (host == "localhost" || host.ends_with(".localhost")) return true;
    if (host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
    return is_ipv4_loopback(host);
}

Status check_transport(std::string_view url, const std::vector<std::string> &allowed_hosts,
                       const std::function<void(std::string_view)> &log) {
    if (!lower(url.substr(0, 7)).starts_with("http://")) return ok_status();
    const std::string host = url_host(url);
    if (is_loopback_host(host)) return ok_status();
    const bool allowed = std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                                     [&](const std::string &a) { return lower(a) == host; });
    if (!allowed)
        return Error(ErrorKind::Resolution,
                     "refusing the plain HTTP repository " + std::string(url) +
                         ": anyone on the network path could replace what it serves, and native plugins run in this "
                         "process; nothing was downloaded",
                     std::string(url),
                     "use https:// for this repository; if it cannot serve https and you accept the risk, opt in "
                     "for its host with --conf resolver.allowInsecureHttp=" + host);
    if (log)
        log("warning: using the plain HTTP repository " + std::string(url) + " because resolver.allowInsecureHttp names " +
            host + "; anyone on the network path can replace what it serves");
    return ok_status();
}

} // namespace streamsubmit::resolver
