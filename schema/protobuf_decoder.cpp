#include "protobuf_decoder.h"

#include "protobuf_float_fields.h"
#include "wire_format.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

#include <array>

namespace streamsubmit::schema {

namespace pb = google::protobuf;

struct ProtobufDecoder::State {
    pb::DescriptorPool pool{pb::DescriptorPool::generated_pool()}; // well-known types from libprotobuf
    pb::DynamicMessageFactory factory{&pool};
    const pb::FileDescriptor *file = nullptr;
    int32_t id = 0;
};

namespace {

class Collector : public pb::io::ErrorCollector, public pb::DescriptorPool::ErrorCollector {
public:
    void AddError(int line, int column, const std::string &message) override {
        if (text.empty()) text = "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
    void AddError(const std::string &file, const std::string &element, const pb::Message *, ErrorLocation,
                  const std::string &message) override {
        if (text.empty()) text = file + ": " + element + ": " + message;
    }
    std::string text;
};

std::optional<std::string> from_base64(const std::string &text) {
    static const auto table = [] {
        std::array<int, 256> t{};
        t.fill(-1);
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
        return t;
    }();
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (unsigned char c : text) {
        if (c == '=') break;
        if (table[c] < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<uint32_t>(table[c]);
        if ((count += 6) >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

// The schema text as a file: a base64 FileDescriptorProto (Confluent's Python serializer) or
// .proto text; `name` is what its importers call it.
std::optional<std::string> to_file(const std::string &text, const std::string &name, pb::FileDescriptorProto &file) {
    if (auto binary = from_base64(text); binary && !binary->empty() && file.ParseFromString(*binary)) {
        if (!name.empty()) file.set_name(name);
        return std::nullopt;
    }
    file.Clear();
    pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    Collector errors;
    pb::io::Tokenizer tokenizer(&input, &errors);
    pb::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    if (!parser.Parse(&tokenizer, &file)) return errors.text.empty() ? "not a .proto file" : errors.text;
    file.set_name(name);
    return std::nullopt;
}

} // namespace

std::variant<std::shared_ptr<const ProtobufDecoder>, DecodeError> ProtobufDecoder::create(const ResolvedSchema &schema,
                                                                                           int32_t id) {
    const std::string sid = "schema id " + std::to_string(id);
    if (schema.schema.type != "PROTOBUF")
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           sid + " is a " + schema.schema.type + " schema, not a Protobuf one",
                           "set stream.value.format (or stream.key.format) to the format the producer writes"};
    auto state = std::make_unique<State>();
    state->id = id;
    const auto refuse = [&](const std::string &what, const std::string &why) {
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           "libprotobuf cannot use " + what + " of " + sid + ": " + why,
                           "check the schema and its references in the registry"};
    };
    // References first (depth first: an import's imports come before it); a well-known
    // type's file (google/protobuf/...) is libprotobuf's own.
    for (const auto &[ref, referenced] : schema.references) {
        if (state->pool.FindFileByName(ref.name)) continue;
        pb::FileDescriptorProto file;
        if (auto why = to_file(referenced.text, ref.name, file)) return refuse("reference " + ref.name, *why);
        Collector errors;
        if (!state->pool.BuildFileCollectingErrors(file, &errors))
            return refuse("reference " + ref.name, errors.text);
    }
    pb::FileDescriptorProto file;
    if (auto why = to_file(schema.schema.text, "", file)) return refuse("the schema", *why);
    if (file.name().empty()) file.set_name("streamsubmit-schema-" + std::to_string(id) + ".proto");
    Collector errors;
    state->file = state->pool.BuildFileCollectingErrors(file, &errors);
    if (!state->file) return refuse("the schema", errors.text);
    return std::shared_ptr<const ProtobufDecoder>(new ProtobufDecoder(std::move(state)));
}

ProtobufDecoder::ProtobufDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
ProtobufDecoder::~ProtobufDecoder() = default;

std::optional<DecodeError> ProtobufDecoder::decode(const unsigned char *payload, size_t len, std::string &out,
                                                   bool typed_floats) const {
    const std::string sid = "schema id " + std::to_string(state_->id);
    auto indexes = parse_message_indexes(payload, len);
    if (auto *e = std::get_if<DecodeError>(&indexes)) return *e;
    const pb::Descriptor *type = nullptr;
    std::string path;
    for (int index : std::get<std::vector<int>>(indexes)) {
        const int count = type ? type->nested_type_count() : state_->file->message_type_count();
        path += (path.empty() ? "" : ",") + std::to_string(index);
        if (index >= count)
            return DecodeError{DecodeErrorKind::PayloadMismatch,
                               "its message indexes [" + path + "] name no message of " + sid,
                               "check that the producer serializes with the schema it registered"};
        type = type ? type->nested_type(index) : state_->file->message_type(index);
    }
    const pb::Message *prototype = state_->factory.GetPrototype(type);
    std::unique_ptr<pb::Message> message(prototype->New());
    if (!message->ParseFromArray(payload, static_cast<int>(len)))
        return DecodeError{DecodeErrorKind::PayloadMismatch,
                           "its payload (" + std::to_string(len) + " bytes) is not a " + type->full_name() +
                               " message of " + sid,
                           "check that the producer serializes with the schema it registered (a truncated or "
                           "corrupted record cannot be decoded)"};
    std::string json;
    const auto status = pb::util::MessageToJsonString(*message, &json, pb::util::JsonPrintOptions());
    if (!status.ok())
        return DecodeError{DecodeErrorKind::PayloadMismatch,
                           "its " + type->full_name() + " message of " + sid + " has no JSON form: " +
                               std::string(status.message()),
                           "check the schema in the registry"};
    if (typed_floats && has_float_fields(*type)) {
        auto parsed = nlohmann::ordered_json::parse(json);
        floats_as_floats(parsed, *type);
        json = parsed.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
    out += json;
    return std::nullopt;
}

} // namespace streamsubmit::schema
