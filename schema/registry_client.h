// A client of the Confluent-compatible Schema Registry REST API, over libcurl: the schema of
// an id (GET /schemas/ids/{id}) and of the subject versions it references
// (GET /subjects/{subject}/versions/{version}). Each URL of the list is tried in order; a
// failure that may pass (no connection, timeout, 5xx) is retried until
// schema.registry.request.timeout has passed. Thread-safe: every fetch has its own handle.
#pragma once

#include "decode_error.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace streamsubmit::schema {

struct RegistrySettings {
    std::vector<std::string> urls;     // schema.registry.url, split at commas, no trailing '/'
    std::string user_info;             // schema.registry.basic.auth.user.info: "user:password"
    std::string ca_location;           // schema.registry.ssl.ca.location: a PEM file
    std::chrono::milliseconds timeout{30'000}; // schema.registry.request.timeout

    // From the comma-separated list; empty entries are dropped.
    static std::vector<std::string> split_urls(const std::string &list);
};

struct SchemaReference {
    std::string name;    // how the referencing schema names it (an Avro full name, a .proto import)
    std::string subject;
    int32_t version = 0;
};

struct RegisteredSchema {
    std::string type = "AVRO"; // schemaType: AVRO (when absent), PROTOBUF or JSON
    std::string text;          // the schema as the registry holds it
    std::vector<SchemaReference> references;
};

// A schema with its references, each resolved in turn (depth first, each subject version once).
struct ResolvedSchema {
    RegisteredSchema schema;
    std::vector<std::pair<SchemaReference, RegisteredSchema>> references;
};

class RegistryClient {
public:
    explicit RegistryClient(RegistrySettings settings);

    std::variant<ResolvedSchema, DecodeError> fetch(int32_t id) const;

    const RegistrySettings &settings() const { return settings_; }

private:
    std::variant<RegisteredSchema, DecodeError> get(const std::string &path, const std::string &what,
                                                    std::chrono::steady_clock::time_point deadline) const;
    RegistrySettings settings_;
};

} // namespace streamsubmit::schema
