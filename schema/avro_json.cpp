#include "avro_json.h"

#include <avro.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>

namespace streamsubmit::schema {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_control(std::string &out, unsigned char c) {
    switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, 6);
    }
    }
}

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Whether any of 8 bytes is a control character, '"' or '\' (a byte below n, a byte equal to
// c: "Bit Twiddling Hacks"). The common string has none: 8 bytes per step.
bool any_needs_escape(uint64_t x) {
    const uint64_t quote = x ^ (kOnes * '"');
    const uint64_t backslash = x ^ (kOnes * '\\');
    return (((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHighs;
}

// Bytes as code points U+0000-U+00FF, in UTF-8.
void append_byte_string(std::string &out, const unsigned char *p, size_t n) {
    out.push_back('"');
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = p[i];
        if (c < 0x20 || c == '"' || c == '\\')
            append_control(out, c);
        else if (c < 0x80)
            out.push_back(static_cast<char>(c));
        else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    out.push_back('"');
}

template <class T>
void append_number(std::string &out, T v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_double(std::string &out, double v) {
    if (std::isnan(v)) {
        out += "\"NaN\"";
    } else if (std::isinf(v)) {
        out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, v);
        const size_t n = static_cast<size_t>(res.ptr - buf);
        out.append(buf, n);
        // A whole double stays a double to a typed reader: 2.0, not 2.
        if (!std::memchr(buf, '.', n) && !std::memchr(buf, 'e', n)) out += ".0";
    }
}

// The bytes of a long (or int) in the binary encoding: a zigzag varint.
size_t varint_size(int64_t v) {
    const uint64_t zigzag = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    return static_cast<size_t>(std::bit_width(zigzag | 1) + 6) / 7;
}

// A union branch's name: a named type's full name, otherwise its type name.
std::string branch_name(avro_schema_t schema) {
    const char *name = avro_schema_type_name(schema);
    if (is_avro_named_type(schema)) {
        const char *space = avro_schema_namespace(schema);
        if (space && *space) return std::string(space) + "." + name;
    }
    return name;
}

std::string quoted(const char *text) {
    std::string out;
    append_json_string(out, text, std::strlen(text));
    return out;
}

avro_schema_t resolved(avro_schema_t schema) {
    while (schema && is_avro_link(schema)) schema = avro_schema_link_target(schema);
    return schema;
}

// What one write() call keeps while avro-c reads: the output, the records and unions still
// open (avro-c's consumer says when a record's next field or an array's next item starts, not
// when a record or union ends: its '}' is written when its parent goes on, or at the end), and
// the canonical size so far. avro-c hands a Level back to each callback as its user data: the
// depth of the value it reports. One per thread, reused: a record costs no allocation here.
struct State;
struct Level {
    State *state;
    unsigned depth;
    Level *next = nullptr; // depth + 1, made when first needed
};
struct State {
    std::string *out = nullptr;
    std::vector<unsigned> open; // the depths of the records and unions not closed yet
    std::deque<Level> levels;   // stable addresses: avro-c holds them
    size_t size = 0;
    avro_reader_t reader = avro_reader_memory(nullptr, 0);

    State() = default;
    State(const State &) = delete;
    State &operator=(const State &) = delete;
    ~State() {
        if (reader) avro_reader_free(reader);
    }
    Level *root() {
        if (levels.empty()) levels.push_back(Level{this, 0});
        return &levels.front();
    }
    Level *below(Level *level) {
        if (!level->next) level->next = &levels.emplace_back(Level{this, level->depth + 1});
        return level->next;
    }
    // Closes what is open deeper than `depth`: the children of a container at `depth`, complete.
    void close_below(unsigned depth) {
        while (!open.empty() && open.back() > depth) {
            out->push_back('}');
            open.pop_back();
        }
    }
};

State &state(void *ud) { return *static_cast<Level *>(ud)->state; }
unsigned depth(void *ud) { return static_cast<Level *>(ud)->depth; }
std::string &out(void *ud) { return *state(ud).out; }

} // namespace

// avro-c calls back with the avro_consumer_t it was given: it is the first member of a
// standard-layout Consumer, which leads to its Node.
struct AvroJsonWriter::Node {
    struct Consumer {
        avro_consumer_t base;
        Node *node;
    } consumer{};
    std::vector<Node *> children;     // record fields, union branches, or the array's items / map's values
    std::vector<std::string> keys;    // record fields: "name": (",name": after the first)
    std::vector<std::string> opening; // union branches: {"name": (empty for null)
    std::vector<std::string> symbols; // enum symbols, quoted
};

namespace {

using Node = AvroJsonWriter::Node;

Node &node(avro_consumer_t *c) { return *reinterpret_cast<Node::Consumer *>(c)->node; }

int hand_to(Node *child, void *ud, avro_consumer_t **child_consumer, void **child_ud) {
    *child_consumer = &child->consumer.base;
    *child_ud = state(ud).below(static_cast<Level *>(ud));
    return 0;
}

int on_null(avro_consumer_t *, void *ud) {
    out(ud).append("null", 4);
    return 0;
}

int on_boolean(avro_consumer_t *, int value, void *ud) {
    out(ud) += value ? "true" : "false";
    state(ud).size += 1;
    return 0;
}

int on_int(avro_consumer_t *, int32_t value, void *ud) {
    append_number(out(ud), value);
    state(ud).size += varint_size(value);
    return 0;
}

int on_long(avro_consumer_t *, int64_t value, void *ud) {
    append_number(out(ud), value);
    state(ud).size += varint_size(value);
    return 0;
}

int on_float(avro_consumer_t *, float value, void *ud) {
    append_double(out(ud), static_cast<double>(value));
    state(ud).size += 4;
    return 0;
}

int on_double(avro_consumer_t *, double value, void *ud) {
    append_double(out(ud), value);
    state(ud).size += 8;
    return 0;
}

// Strings, bytes and fixed are the consumer's to free (avro-c allocated them while reading);
// a string's length counts its NUL.
int on_string(avro_consumer_t *, const void *value, size_t len, void *ud) {
    const size_t n = len > 0 ? len - 1 : 0;
    append_json_string(out(ud), static_cast<const char *>(value), n);
    state(ud).size += varint_size(static_cast<int64_t>(n)) + n;
    avro_free(const_cast<void *>(value), len);
    return 0;
}

int on_bytes(avro_consumer_t *, const void *value, size_t len, void *ud) {
    append_byte_string(out(ud), static_cast<const unsigned char *>(value), len);
    state(ud).size += varint_size(static_cast<int64_t>(len)) + len;
    avro_free(const_cast<void *>(value), len + 1);
    return 0;
}

int on_fixed(avro_consumer_t *, const void *value, size_t len, void *ud) {
    append_byte_string(out(ud), static_cast<const unsigned char *>(value), len);
    state(ud).size += len;
    avro_free(const_cast<void *>(value), len);
    return 0;
}

int on_enum(avro_consumer_t *c, int index, void *ud) {
    const auto &symbols = node(c).symbols;
    if (index < 0 || static_cast<size_t>(index) >= symbols.size()) {
        avro_set_error("enum index %d out of range (%zu symbols)", index, symbols.size());
        return EINVAL;
    }
    out(ud) += symbols[static_cast<size_t>(index)];
    state(ud).size += varint_size(index);
    return 0;
}

int on_record_start(avro_consumer_t *, void *ud) {
    out(ud).push_back('{');
    state(ud).open.push_back(depth(ud));
    return 0;
}

int on_record_field(avro_consumer_t *c, unsigned index, avro_consumer_t **field, void **field_ud, void *ud) {
    state(ud).close_below(depth(ud));
    out(ud) += node(c).keys[index];
    return hand_to(node(c).children[index], ud, field, field_ud);
}

int on_union_branch(avro_consumer_t *c, unsigned index, avro_consumer_t **branch, void **branch_ud, void *ud) {
    const Node &u = node(c);
    if (index >= u.children.size()) {
        avro_set_error("union branch %u out of range (%zu branches)", index, u.children.size());
        return EINVAL;
    }
    state(ud).size += varint_size(index);
    if (!u.opening[index].empty()) {
        out(ud) += u.opening[index];
        state(ud).open.push_back(depth(ud));
    }
    return hand_to(u.children[index], ud, branch, branch_ud);
}

// Arrays and maps come in blocks: a count, its items, ..., a count of 0 at the end.
int block(char open, char close, int first, unsigned count, void *ud) {
    State &s = state(ud);
    s.close_below(depth(ud));
    if (first) s.out->push_back(open);
    // A negative count (the block's size follows) arrives cast; sized as written, it is
    // at most what was read.
    s.size += varint_size(static_cast<int32_t>(count));
    if (count == 0) s.out->push_back(close);
    return 0;
}

int on_array_block(avro_consumer_t *, int first, unsigned count, void *ud) { return block('[', ']', first, count, ud); }
int on_map_block(avro_consumer_t *, int first, unsigned count, void *ud) { return block('{', '}', first, count, ud); }

int on_array_element(avro_consumer_t *c, unsigned index, avro_consumer_t **item, void **item_ud, void *ud) {
    state(ud).close_below(depth(ud));
    if (index > 0) out(ud).push_back(',');
    return hand_to(node(c).children[0], ud, item, item_ud);
}

int on_map_element(avro_consumer_t *c, unsigned index, const char *key, avro_consumer_t **value, void **value_ud,
                   void *ud) {
    state(ud).close_below(depth(ud));
    std::string &o = out(ud);
    if (index > 0) o.push_back(',');
    const size_t n = std::strlen(key);
    append_json_string(o, key, n);
    o.push_back(':');
    state(ud).size += varint_size(static_cast<int64_t>(n)) + n;
    return hand_to(node(c).children[0], ud, value, value_ud);
}

} // namespace

Node *AvroJsonWriter::node_for(avro_schema_t schema, std::map<avro_schema_t, Node *> &made) {
    schema = resolved(schema);
    if (auto it = made.find(schema); it != made.end()) return it->second; // a named type again, or recursion
    auto owned = std::make_unique<Node>();
    Node *n = owned.get();
    nodes_.push_back(std::move(owned));
    made[schema] = n;
    avro_consumer_t &c = n->consumer.base;
    n->consumer.node = n;
    c.schema = schema;
    switch (avro_typeof(schema)) {
    case AVRO_NULL: c.null_value = on_null; break;
    case AVRO_BOOLEAN: c.boolean_value = on_boolean; break;
    case AVRO_INT32: c.int_value = on_int; break;
    case AVRO_INT64: c.long_value = on_long; break;
    case AVRO_FLOAT: c.float_value = on_float; break;
    case AVRO_DOUBLE: c.double_value = on_double; break;
    case AVRO_STRING: c.string_value = on_string; break;
    case AVRO_BYTES: c.bytes_value = on_bytes; break;
    case AVRO_FIXED: c.fixed_value = on_fixed; break;
    case AVRO_ENUM:
        c.enum_value = on_enum;
        for (int i = 0; i < avro_schema_enum_number_of_symbols(schema); ++i)
            n->symbols.push_back(quoted(avro_schema_enum_get(schema, i)));
        break;
    case AVRO_RECORD:
        c.record_start = on_record_start;
        c.record_field = on_record_field;
        for (size_t i = 0; i < avro_schema_record_size(schema); ++i) {
            n->keys.push_back((i > 0 ? "," : "") + quoted(avro_schema_record_field_name(schema, static_cast<int>(i))) + ":");
            n->children.push_back(node_for(avro_schema_record_field_get_by_index(schema, static_cast<int>(i)), made));
        }
        break;
    case AVRO_UNION:
        c.union_branch = on_union_branch;
        for (size_t i = 0; i < avro_schema_union_size(schema); ++i) {
            avro_schema_t branch = resolved(avro_schema_union_branch(schema, static_cast<int>(i)));
            n->opening.push_back(is_avro_null(branch) ? "" : "{" + quoted(branch_name(branch).c_str()) + ":");
            n->children.push_back(node_for(branch, made));
        }
        break;
    case AVRO_ARRAY:
        c.array_start_block = on_array_block;
        c.array_element = on_array_element;
        n->children.push_back(node_for(avro_schema_array_items(schema), made));
        break;
    case AVRO_MAP:
        c.map_start_block = on_map_block;
        c.map_element = on_map_element;
        n->children.push_back(node_for(avro_schema_map_values(schema), made));
        break;
    case AVRO_LINK: break; // resolved above
    }
    return n;
}

AvroJsonWriter::AvroJsonWriter(avro_schema_t schema) {
    std::map<avro_schema_t, Node *> made;
    root_ = node_for(schema, made);
}

AvroJsonWriter::~AvroJsonWriter() = default;

std::optional<std::string> AvroJsonWriter::write(const unsigned char *payload, size_t len, std::string &out) const {
    static thread_local State s;
    if (!s.reader) return "avro-c cannot make a memory reader";
    s.out = &out;
    s.open.clear();
    s.size = 0;
    avro_reader_memory_set_source(s.reader, reinterpret_cast<const char *>(payload), static_cast<int64_t>(len));
    if (avro_consume_binary(s.reader, &root_->consumer.base, s.root()) != 0) {
        const char *e = avro_strerror();
        return e && *e ? e : "unknown avro-c error";
    }
    s.close_below(0);
    out.append(s.open.size(), '}'); // the root record, or the root union's branch
    // avro-c's memory reader cannot tell its position. The value's canonical encoding is never
    // longer than what was read, so at the payload's length nothing was left over; otherwise
    // (another encoder's blocks, or bytes left over) one more byte read tells, which formats
    // an avro-c error: not on every record.
    char extra;
    if (s.size != len && avro_read(s.reader, &extra, 1) == 0) return "bytes are left over after the value";
    return std::nullopt;
}

void append_json_string(std::string &out, const char *text, size_t len) {
    out.push_back('"');
    size_t run = 0; // the common string has nothing to escape: copied in one go
    for (size_t i = 0; i < len; ++i) {
        if (i + 8 <= len) {
            uint64_t chunk;
            std::memcpy(&chunk, text + i, 8);
            if (!any_needs_escape(chunk)) {
                i += 7;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text + run, i - run);
        append_control(out, c);
        run = i + 1;
    }
    out.append(text + run, len - run);
    out.push_back('"');
}

} // namespace streamsubmit::schema
