// An Avro schema from the registry, and the decoding of its binary payloads by avro-c: written
// in Avro's JSON encoding as avro-c reads (avro_json.h), or handed over as a view (avro_view.h)
// with the schema's logical types. Immutable once made: reader threads decode with it at once.
#pragma once

#include "avro_json.h"
#include "avro_logical_types.h"
#include "decode_error.h"
#include "registry_client.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

struct avro_obj_t;
struct avro_value;
struct avro_value_iface;

namespace streamsubmit::schema {

class AvroView;

class AvroDecoder {
public:
    // The schema of id `id` with its references (schemas defining named types that it uses).
    static std::variant<std::shared_ptr<const AvroDecoder>, DecodeError> create(const ResolvedSchema &schema,
                                                                                 int32_t id);
    ~AvroDecoder();
    AvroDecoder(const AvroDecoder &) = delete;
    AvroDecoder &operator=(const AvroDecoder &) = delete;

    // Appends the JSON encoding of the payload to `out`, or says why it is not a value of
    // the schema (PayloadMismatch: truncated, or bytes left over).
    std::optional<DecodeError> decode(const unsigned char *payload, size_t len, std::string &out) const;

    // Hands the payload's value to `use` as a view, valid during the call; or says why it is
    // not a value of the schema (an AvroReadError thrown by the view, too). Other exceptions
    // of `use` pass through.
    std::optional<DecodeError> visit(const unsigned char *payload, size_t len,
                                     const std::function<void(const AvroView &)> &use) const;

private:
    DecodeError mismatch(size_t len, const std::string &why) const;

    // A generic value and a reader for visit, reused: a record costs no allocation of its own
    // beyond what its strings, arrays and maps grow to. Taken by one thread at a time. (decode
    // needs none: the JSON writer reads through avro-c's consumer interface.)
    struct Scratch;
    std::unique_ptr<Scratch> take() const;
    void give_back(std::unique_ptr<Scratch> scratch) const;

    AvroDecoder(avro_obj_t *schema, avro_value_iface *iface, int32_t id, AvroLogicalTypes logical);
    avro_obj_t *schema_; // with the referenced schemas in place
    avro_value_iface *iface_;
    AvroJsonWriter writer_;
    int32_t id_;
    AvroLogicalTypes logical_;
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<Scratch>> spare_; // at most one per reader thread
};

} // namespace streamsubmit::schema
