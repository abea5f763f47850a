// Errors as values: what failed, which input, what to do. cli/ turns them into
// one message shape and an exit code; nothing below cli/ prints or exits.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace streamsubmit {

enum class ErrorKind {
    Runtime,     // anything else that went wrong at run time
    Usage,       // malformed arguments or configuration
    PluginLoad,  // a plugin file could not be loaded or has the wrong ABI
    Kafka,       // brokers unreachable, unknown topic, data loss
    Resolution,  // repository, checksum, lockfile
    Interrupted, // stopped by a second signal
    InUse,       // a checkpoint or write-ahead log directory is locked by another job
    StopTimeout, // a graceful stop did not finish within stream.stopTimeout
    Application, // the application or a sink failed a batch (e.g. the exec sink's command kept failing)
};

// What a caller must tell apart to decide what to do next (wait for a deleted topic, skip
// lost records, plan a batch the group refused again). Errors below the plugin boundary get
// it from the plugin's status (runtime's source_error); None for every other error.
enum class Cause {
    None,
    UnknownTopic,     // the brokers do not know the topic
    OffsetOutOfRange, // the records asked for were deleted (retention)
    Fenced,           // this consumer no longer owns the partitions
    Rebalanced,       // the group rebalanced while the batch ran: it was refused, not failed
    Interrupted,      // a stop request or another reader's failure interrupted the call
    Timeout,          // the brokers did not answer in time
    Unreachable,      // no broker could be reached
};

struct Error {
    ErrorKind kind = ErrorKind::Runtime;
    std::string what;  // what failed, e.g. "cannot read checkpoint"
    std::string input; // which input, e.g. a path, a key, a topic-partition
    std::string hint;  // what the user can do about it
    // Whether trying the same thing again later may succeed (a broker outage) or cannot
    // (a deleted topic, refused credentials): callers retry only what says so.
    bool retriable = false;
    Cause cause = Cause::None;

    Error() = default;
    Error(ErrorKind k, std::string w, std::string in = {}, std::string h = {})
        : kind(k), what(std::move(w)), input(std::move(in)), hint(std::move(h)) {}

    Error &set_retriable(bool r = true) {
        retriable = r;
        return *this;
    }
    Error &set_cause(Cause c) {
        cause = c;
        return *this;
    }
};

// A value or an Error. Deliberately small: C++23's std::expected is not available
// under the C++20 this project builds with.
// [[nodiscard]]: a dropped Result is a dropped error.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<0>(v_); }
    const T &value() const { return std::get<0>(v_); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const Error &error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

} // namespace streamsubmit
