// TLS and authentication failures, told apart from a broker that is merely unreachable:
// librdkafka retries both forever and finally reports "no broker answered", while a broker
// that refused the certificate or the credentials will refuse them again.
#pragma once

#include <streamsubmit/plugin.h>

#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::kafka {

struct SecurityFailure {
    ss_status status; // SS_ERR_TLS or SS_ERR_AUTHENTICATION
    std::string message;
};

// The failure a certificate check reported: OpenSSL's X509 error `x509_error` for `broker`.
SecurityFailure certificate_failure(int x509_error, std::string_view broker);

// A librdkafka log line (facility and text) that reports a refused login or TLS handshake.
// `mechanism` is the configured sasl.mechanism(s), for the message.
std::optional<SecurityFailure> security_failure_in_log(std::string_view facility, std::string_view text,
                                                       std::string_view mechanism);

} // namespace streamsubmit::kafka
