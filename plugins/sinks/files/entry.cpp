// The files sink's keys (sink.files.* without the prefix), options, application table and descriptor.
#include "files_sink.h"
#include "sink_entries.h"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace streamsubmit::sinks;

namespace {

constexpr ss_config_key kKeys[] = {
    {"dir", SS_KEY_STRING, nullptr, nullptr,
     "files sink: directory for the output files (created if missing), one file per partition range (or per "
     "rolled file, see sink.files.rollRecords) named topic+partition+startOffset; required with --sink files",
     0},
    {"format", SS_KEY_ENUM, "json", "json|raw",
     "files sink: json (JSON Lines, one object per record with the fields topic, partition, offset, "
     "timestamp, timestampType, key, value, headers) or raw (each value followed by sink.files.delimiter)",
     0},
    {"delimiter", SS_KEY_STRING, "\\n", nullptr,
     "files sink, raw format: written after every value; C escapes \\n \\t \\r \\0 \\\\ \\xHH", 0},
    {"rollRecords", SS_KEY_INT, "0", nullptr,
     "files sink: a partition's file stays open across batches and rolls (fsync, rename into place) once it "
     "holds this many records; 0: no record limit. With any sink.files.roll* limit the files in sink.files.dir "
     "are the sink's progress: after a crash the records after the last rolled file are read again",
     0},
    {"rollBytes", SS_KEY_INT, "0", nullptr,
     "files sink: a partition's file rolls once it holds at least this many bytes (the record that reaches "
     "the limit is its last); 0: no byte limit",
     0},
    {"rollInterval", SS_KEY_DURATION, "0", nullptr,
     "files sink: a partition's file rolls at the end of the first batch after it has been open this long "
     "(wall clock, from its first record); 0: no time limit. With no sink.files.roll* limit every batch "
     "writes its own files",
     0},
};

// "500ms", "2s", "1m", "1min", "1h" or a bare number of milliseconds (the host checked the form).
bool parse_duration_ms(std::string_view text, int64_t &ms) {
    struct Unit { std::string_view suffix; int64_t ms; };
    static constexpr Unit units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"min", 60'000}, {"h", 3'600'000}};
    const size_t digits = text.find_first_not_of("0123456789");
    const std::string_view number = text.substr(0, digits), suffix = digits == std::string_view::npos ? "" : text.substr(digits);
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size()) return false;
    for (const auto &unit : units)
        if (suffix == unit.suffix) {
            ms = n * unit.ms;
            return true;
        }
    return false;
}

// A roll limit: a whole number >= 0.
void parse_limit(std::string_view key, std::string_view value, int64_t &out, SinkError &error) {
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec == std::errc() && end == value.data() + value.size() && out >= 0) return;
    error = {SS_ERR_CONFIG, "files sink: sink.files." + std::string(key) + "=" + std::string(value) +
                                " is not a number of " + (key == "rollRecords" ? "records" : "bytes") + " >= 0",
             "set --conf sink.files." + std::string(key) + "=N with N >= 1, or 0 for no limit"};
}

SinkError parse_options(const AppParams &params, FilesSinkOptions &o) {
    SinkError error = for_each_option(params, "files", o.format, [&](auto key, auto value, SinkError &err) {
        if (key == "dir") o.dir = std::string(value);
        if (key == "rollRecords" || key == "rollBytes")
            parse_limit(key, value, key == "rollRecords" ? o.roll.records : o.roll.bytes, err);
        if (key == "rollInterval") {
            int64_t ms = 0;
            if (!parse_duration_ms(value, ms))
                err = {SS_ERR_CONFIG, "files sink: sink.files.rollInterval=" + std::string(value) + " is not a duration",
                         "use a duration such as 500ms, 30s or 5m, or 0 for no time limit"};
            o.roll.interval = std::chrono::milliseconds(ms);
        }
    });
    o.receiver_mode = params.mode == "receiver";
    o.group = params.group_coordinated;
    o.log = params.log;
    if (!error && o.dir.empty())
        error = {SS_ERR_CONFIG, "the files sink needs sink.files.dir (--conf sink.files.dir=DIR)"};
    if (!error) error = RecordDecoding::create(params, "files", o.format.json, o.format.decoding);
#ifdef STREAMSUBMIT_TEST_HOOKS // crash tests only; a release build ignores the variable
    if (const char *delay = std::getenv("STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS"); delay && *delay)
        o.test_delay_ms = std::atoi(delay);
    if (const char *pause = std::getenv("STREAMSUBMIT_TEST_FILES_SINK_PAUSE_AFTER_ROLL_MS"); pause && *pause)
        o.test_roll_pause_ms = std::atoi(pause);
#endif
    return error;
}

ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    return create_sink("files sink", params, out, err, parse_options,
                       [](FilesSinkOptions o, SinkError &e) { return FilesSink::create(std::move(o), e); });
}

ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    return guarded("files sink", err, [&] {
        return report(SinkEntries<FilesSink>::impl(app)->recover(positions, count, stride), err);
    });
}

// The shared table, plus recover: the files in sink.files.dir are the sink's own progress.
constexpr ss_application_api files_table() {
    ss_application_api table = SinkEntries<FilesSink>::table(create, kKeys);
    table.recover = recover;
    return table;
}

constexpr ss_application_api kApplicationApi = files_table();

} // namespace

STREAMSUBMIT_PLUGIN(.name = "files", .version = "0.1.0",
                    .description = "files sink: each batch's records (or rolled files of many batches) as JSON Lines or raw "
                                   "values, exactly once",
                    .application = &kApplicationApi)
