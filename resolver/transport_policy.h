// Which repositories may be reached over plain HTTP. Anyone on the network path can change
// what a plain-HTTP repository serves, and streamsubmit dlopens what it downloads, so plain
// HTTP is refused for every host outside the loopback range (Maven 3.8.1 blocks external
// HTTP repositories for the same reason, CVE-2021-26291), unless the user names the host in
// resolver.allowInsecureHttp. Decided from the URL's text alone: no lookup, no connection.
#pragma once

#include "common/error.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

// The host of scheme://[user@]host[:port]/path, lower-cased, without brackets around an
// IPv6 literal and without the port.
std::string url_host(std::string_view url);

// localhost (and *.localhost, RFC 6761), 127.0.0.0/8 in dotted-quad form, ::1.
bool is_loopback_host(std::string_view host);

// ok for https://, file:// and loopback http://; for another http:// host, ok with a warning
// through `log` when it is in `allowed_hosts` (compared case-insensitively), else an
// ErrorKind::Resolution error naming the URL and the fix.
Status check_transport(std::string_view url, const std::vector<std::string> &allowed_hosts,
                       const std::function<void(std::string_view)> &log);

} // namespace streamsubmit::resolver
