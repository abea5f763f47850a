#include "security_errors.h"

#include <openssl/x509_vfy.h>

namespace streamsubmit::kafka {

SecurityFailure certificate_failure(int x509_error, std::string_view broker) {
    const std::string where = " (broker " + std::string(broker) + ")";
    switch (x509_error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return {SS_ERR_TLS, "kafka: TLS: host name mismatch: the broker's certificate does not name the host it was "
                            "reached at" + where};
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return {SS_ERR_TLS, "kafka: TLS: certificate not trusted: no trusted CA signed the broker's certificate" + where};
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return {SS_ERR_TLS, "kafka: TLS: the broker's certificate is expired or not yet valid" + where};
    default:
        return {SS_ERR_TLS, "kafka: TLS: the broker's certificate was rejected: " +
                                std::string(X509_verify_cert_error_string(x509_error)) + where};
    }
}

std::optional<SecurityFailure> security_failure_in_log(std::string_view facility, std::string_view text,
                                                       std::string_view mechanism) {
    if (text.find("SASL authentication error") != std::string_view::npos ||
        text.find("SASL handshake failed") != std::string_view::npos ||
        (facility == "FAIL" && text.find("Authentication failed") != std::string_view::npos))
    {
        // "[thrd:...]: sasl_ssl://host:port/bootstrap: SASL authentication error: <the broker's reason>"
        const auto mark = text.find("error: ");
        const std::string_view reason = mark == std::string_view::npos ? text : text.substr(mark + 7);
        return SecurityFailure{SS_ERR_AUTHENTICATION, "kafka: authentication failed for mechanism " +
                                                          std::string(mechanism) + ": " + std::string(reason)};
    }
    // TLS spoken to a listener that does not speak it: no retry will change that.
    if (text.find("SSL handshake failed") != std::string_view::npos &&
        text.find("wrong version number") != std::string_view::npos)
        return SecurityFailure{SS_ERR_TLS, "kafka: TLS handshake failed (is the listener a TLS one?): " +
                                               std::string(text)};
    return std::nullopt;
}

} // namespace streamsubmit::kafka
