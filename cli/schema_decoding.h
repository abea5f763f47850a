// The ABI 2.3 decode host call's work for a job whose record format is not bytes: schema/,
// loaded as a module (streamsubmit-schema.so) on first use, so that libcurl, avro-c and
// libprotobuf are loaded only by such jobs (see schema/module.h).
#pragma once

#include "common/error.h"
#include "runtime/plugin/application.h"

namespace streamsubmit::cli {

// What answers ss_host_api.decode for a job of these formats (format_conf's keys); empty
// when both formats are bytes. The module is searched in $STREAMSUBMIT_SCHEMA_MODULE (a
// file), beside the executable, and in the installed library directory.
Result<runtime::RecordDecodeFn> record_decode_fn(const runtime::ApplicationSetup::Conf &format_conf);

} // namespace streamsubmit::cli
