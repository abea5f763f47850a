#include "avro_decoder.h"

#include "avro_json.h"
#include "avro_view.h"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <map>


namespace streamsubmit::schema {
namespace {

std::string avro_error() {
    const char *e = avro_strerror();
    return e && *e ? e : "unknown avro-c error";
}

// The schema text avro-c parses. A schema with references names types that other schemas
// define; avro-c resolves names within one document only, so each referenced schema is put
// in place of the first use of its name (Avro defines a named type where it first appears),
// its own references resolved the same way.
class Inliner {
public:
    explicit Inliner(const ResolvedSchema &schema) {
        for (const auto &[ref, referenced] : schema.references) pending_.emplace(ref.name, referenced.text);
    }

    std::string document(const std::string &text) {
        auto json = nlohmann::json::parse(text);
        walk(json);
        return json.dump();
    }

private:
    // The reference that the type name `name` stands for, if it is still to be defined.
    std::map<std::string, std::string>::iterator match(const std::string &name) {
        if (auto it = pending_.find(name); it != pending_.end()) return it;
        if (name.find('.') != std::string::npos) return pending_.end();
        for (auto it = pending_.begin(); it != pending_.end(); ++it) // a short name, within a namespace
            if (it->first.size() > name.size() && it->first.ends_with("." + name)) return it;
        return pending_.end();
    }

    void use(nlohmann::json &type) {
        if (type.is_string()) {
            auto it = match(type.get<std::string>());
            if (it == pending_.end()) return;
            auto defined = nlohmann::json::parse(it->second);
            pending_.erase(it);
            walk(defined);
            type = std::move(defined);
        } else if (type.is_array()) { // a union
            for (auto &branch : type) use(branch);
        } else {
            walk(type);
        }
    }

    void walk(nlohmann::json &node) {
        if (node.is_string() || node.is_array()) return use(node);
        if (!node.is_object()) return;
        for (const char *key : {"type", "items", "values"})
            if (node.contains(key)) use(node[key]);
        if (node.contains("fields") && node["fields"].is_array())
            for (auto &field : node["fields"]) walk(field);
    }

    std::map<std::string, std::string> pending_; // reference name -> schema text
};

std::string document_of(const ResolvedSchema &schema) {
    if (schema.references.empty()) return schema.schema.text;
    try {
        return Inliner(schema).document(schema.schema.text);
    } catch (const nlohmann::json::exception &) {
        return schema.schema.text; // not JSON: avro-c's parser says why
    }
}

} // namespace

std::variant<std::shared_ptr<const AvroDecoder>, DecodeError> AvroDecoder::create(const ResolvedSchema &schema,
                                                                                   int32_t id) {
    const std::string sid = "schema id " + std::to_string(id);
    if (schema.schema.type != "AVRO")
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           sid + " is a " + schema.schema.type + " schema, not an Avro one",
                           "set stream.value.format (or stream.key.format) to the format the producer writes"};
    const std::string doc = document_of(schema);
    avro_schema_t parsed = nullptr;
    if (avro_schema_from_json_length(doc.data(), doc.size(), &parsed) != 0)
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           "avro-c cannot parse the Avro schema of " + sid + ": " + avro_error(),
                           "check the schema in the registry"};
    avro_value_iface_t *iface = avro_generic_class_from_schema(parsed);
    if (!iface) {
        const std::string why = avro_error();
        avro_schema_decref(parsed);
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           "avro-c cannot decode values of the Avro schema of " + sid + ": " + why,
                           "check the schema in the registry"};
    }
    return std::shared_ptr<const AvroDecoder>(new AvroDecoder(parsed, iface, id, AvroLogicalTypes::of(doc, parsed)));
}

struct AvroDecoder::Scratch {
    avro_value_t value{};
    avro_reader_t reader = nullptr;
    ~Scratch() {
        if (reader) avro_reader_free(reader);
        if (value.self) avro_value_decref(&value);
    }
};

AvroDecoder::AvroDecoder(avro_obj_t *schema, avro_value_iface *iface, int32_t id, AvroLogicalTypes logical)
    : schema_(schema), iface_(iface), writer_(schema), id_(id), logical_(std::move(logical)) {}

std::unique_ptr<AvroDecoder::Scratch> AvroDecoder::take() const {
    {
        std::lock_guard lock(mutex_);
        if (!spare_.empty()) {
            auto scratch = std::move(spare_.back());
            spare_.pop_back();
            return scratch;
        }
    }
    auto scratch = std::make_unique<Scratch>();
    if (avro_generic_value_new(iface_, &scratch->value) != 0) return nullptr;
    scratch->reader = avro_reader_memory(nullptr, 0);
    return scratch->reader ? std::move(scratch) : nullptr;
}

void AvroDecoder::give_back(std::unique_ptr<Scratch> scratch) const {
    std::lock_guard lock(mutex_);
    spare_.push_back(std::move(scratch));
}

AvroDecoder::~AvroDecoder() {
    spare_.clear(); // its values use the class
    avro_value_iface_decref(iface_);
    avro_schema_decref(schema_);
}

DecodeError AvroDecoder::mismatch(size_t len, const std::string &why) const {
    return DecodeError{DecodeErrorKind::PayloadMismatch,
                       "its payload (" + std::to_string(len) + " bytes) is not a value of schema id " +
                           std::to_string(id_) + ": " + why,
                       "check that the producer serializes with the schema it registered (a truncated or "
                       "corrupted record cannot be decoded)"};
}

std::optional<DecodeError> AvroDecoder::decode(const unsigned char *payload, size_t len, std::string &out) const {
    if (auto why = writer_.write(payload, len, out)) return mismatch(len, *why);
    return std::nullopt;
}

std::optional<DecodeError> AvroDecoder::visit(const unsigned char *payload, size_t len,
                                              const std::function<void(const AvroView &)> &use) const {
    auto scratch = take();
    if (!scratch) return mismatch(len, avro_error());
    // Back to the spares however `use` leaves (it may throw).
    struct GiveBack {
        const AvroDecoder *self;
        std::unique_ptr<Scratch> &scratch;
        ~GiveBack() { self->give_back(std::move(scratch)); }
    } give_back_later{this, scratch};
    avro_value_t &value = scratch->value;
    avro_reader_t reader = scratch->reader;
    avro_reader_memory_set_source(reader, reinterpret_cast<const char *>(payload), static_cast<int64_t>(len));
    if (avro_value_reset(&value) != 0 || avro_value_read(reader, &value) != 0) return mismatch(len, avro_error());
    // avro-c's memory reader cannot tell its position. The value's canonical encoding is
    // never longer than what was read, so at the payload's length nothing was left over;
    // otherwise (other encoders' blocks, or bytes left over) one more byte read tells,
    // which formats an avro-c error: not on every record.
    size_t size = 0;
    char extra;
    if ((avro_value_sizeof(&value, &size) != 0 || size != len) && avro_read(reader, &extra, 1) == 0)
        return mismatch(len, "bytes are left over after the value");
    try {
        use(AvroView(value, schema_, logical_));
    } catch (const AvroReadError &e) {
        return mismatch(len, avro_error() + std::string(" (") + e.what() + ")");
    }
    return std::nullopt;
}

} // namespace streamsubmit::schema
