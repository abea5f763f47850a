// The sinks' one place that turns a record they cannot decode into a rejection (stage decode)
// or the batch's failure: which decode failures are the record's, and what the tolerance does.
#include "plugins/sinks/support/record_decoding.h"
#include "schema/decode_error.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace streamsubmit::sinks;
using streamsubmit::schema::DecodeErrorKind;

namespace {

// A host whose reject records its calls and answers `answer`.
struct RejectHost {
    struct Call {
        ss_reject_stage stage;
        std::string error_class, reason;
    };
    std::vector<Call> calls;
    ss_status answer = SS_OK;
    ss_host_api api{};

    RejectHost() {
        api.struct_size = sizeof api;
        api.abi_major = SS_PLUGIN_ABI_MAJOR;
        api.abi_minor = SS_PLUGIN_ABI_MINOR;
        api.reject = &RejectHost::reject;
        api.reject_ctx = this;
    }
    static ss_status reject(void *ctx, const ss_batch *, const ss_record *, ss_reject_stage stage,
                            const char *error_class, const char *reason, ss_error *err) {
        auto &self = *static_cast<RejectHost *>(ctx);
        self.calls.push_back({stage, error_class, reason});
        if (self.answer != SS_OK) ss_error_set(err, self.answer, "batch 3 rejected more than stream.errors.maxPerBatch");
        return self.answer;
    }
};

RecordDecoding decoding(const RejectHost &host, const char *tolerance, const char *url = "http://127.0.0.1:9") {
    AppParams params;
    params.host = &host.api;
    params.format_conf = {{"stream.key.format", "bytes"},
                          {"stream.value.format", "avro"},
                          {"schema.registry.url", url},
                          {"schema.registry.request.timeout", "300"},
                          {"stream.errors.tolerance", tolerance}};
    RecordDecoding out;
    REQUIRE(!RecordDecoding::create(params, "files", true, out));
    return out;
}

ss_record record(const std::string &value) {
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = "orders";
    r.partition = 2;
    r.offset = 17;
    r.value = value.data();
    r.value_len = value.size();
    return r;
}

const ss_batch kBatch{};

} // namespace

TEST_CASE("the record's own faults may be rejected, the registry's never") {
    CHECK(streamsubmit::schema::is_record_fault(DecodeErrorKind::BadHeader));
    CHECK(streamsubmit::schema::is_record_fault(DecodeErrorKind::PayloadMismatch));
    CHECK(streamsubmit::schema::is_record_fault(DecodeErrorKind::UnknownSchema));
    CHECK(streamsubmit::schema::is_record_fault(DecodeErrorKind::UnsupportedSchema));
    CHECK_FALSE(streamsubmit::schema::is_record_fault(DecodeErrorKind::RegistryUnreachable));
    CHECK_FALSE(streamsubmit::schema::is_record_fault(DecodeErrorKind::RegistryRefused));
    CHECK(std::string(streamsubmit::schema::kind_name(DecodeErrorKind::UnknownSchema)) == "UnknownSchema");
}

TEST_CASE("tolerance=all: a value without the magic byte is rejected with stage decode and left out") {
    RejectHost host;
    const auto d = decoding(host, "all");
    DecodedFields fields;
    const std::string value = "plain text";
    const auto r = record(value);
    CHECK(!d.decode(kBatch, r, fields));
    CHECK(fields.rejected);
    CHECK_FALSE(fields.value);
    REQUIRE(host.calls.size() == 1);
    CHECK(host.calls[0].stage == SS_STAGE_DECODE);
    CHECK(host.calls[0].error_class == "BadHeader");
    CHECK(host.calls[0].reason.find("cannot decode the value of orders partition 2 offset 17 as avro") == 0);
}

TEST_CASE("tolerance=none: the same record fails the batch (SS_ERR_BAD_RECORD) and the host hears nothing") {
    RejectHost host;
    const auto d = decoding(host, "none");
    DecodedFields fields;
    const std::string value = "plain text";
    const auto e = d.decode(kBatch, record(value), fields);
    CHECK(e.status == SS_ERR_BAD_RECORD);
    CHECK(e.message.find("offset 17") != std::string::npos);
    CHECK_FALSE(fields.rejected);
    CHECK(host.calls.empty());
}

TEST_CASE("past maxPerBatch the host's refusal is the batch's failure") {
    RejectHost host;
    host.answer = SS_ERR_REJECTED;
    const auto d = decoding(host, "all");
    DecodedFields fields;
    const std::string value = "plain text";
    const auto e = d.decode(kBatch, record(value), fields);
    CHECK(e.status == SS_ERR_REJECTED);
    CHECK(e.message.find("maxPerBatch") != std::string::npos);
    CHECK_FALSE(fields.rejected);
}

TEST_CASE("a registry that does not answer fails the batch whatever the tolerance") {
    RejectHost host;
    const auto d = decoding(host, "all"); // port 9 (discard): nothing listens there
    DecodedFields fields;
    const std::string value("\0\0\0\0\x07\x02", 6); // a well-formed header naming schema id 7
    const auto e = d.decode(kBatch, record(value), fields);
    CHECK(e.status == SS_ERR_BAD_RECORD);
    CHECK(e.message.find("(schema id 7)") != std::string::npos);
    CHECK(e.message.find("no schema registry answered") != std::string::npos);
    CHECK_FALSE(fields.rejected);
    CHECK(host.calls.empty());
}
