// librdkafka's log lines as the host's log wants them (never librdkafka's own stderr lines):
// syslog levels mapped, errors shown as warnings (the plugins report real failures through
// ss_error; librdkafka's own errors are often transient), and a failed connection (facility
// FAIL) said once per kind, repeats only with -v (ConnectionFailureFilter).
#pragma once

#include <streamsubmit/plugin.h>

#include <string>

namespace streamsubmit::kafka {

struct LogLine {
    ss_log_level level;
    std::string text; // "librdkafka FAC: message"; debug lines "librdkafka FAC (handle): message"
};

// Any thread (librdkafka calls its log_cb from its own). `handle`: rd_kafka_name() of the
// handle that logged, named in debug lines (kafka.debug) only: a receiver job has a handle per
// thread besides the group member's, all talking to the same brokers, and their traces are read
// together. Warnings stay the same from every handle, so that a repeat is recognised.
LogLine librdkafka_log_line(int syslog_level, const char *facility, const char *message,
                            const char *handle);

} // namespace streamsubmit::kafka
