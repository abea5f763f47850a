// streamsubmit-python.so: an ABI 2.0 application that runs a Python job
// (`streamsubmit [options] job.py [args]`; args[0] is the script, the rest its sys.argv[1:]).
// Every call takes the GIL for itself and releases it on return; no exception leaves a call.
#include "api_module.h"
#include "decoders.h"
#include "interpreter.h"
#include "job.h"
#include "python_error.h"
#include "raw_records.h"
#include "record_sequence.h"
#include "records.h"
#include "rejects.h"
#include "schema_values.h"

#include <streamsubmit/plugin.h>

#include <pybind11/embed.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace streamsubmit::python;
namespace schema = streamsubmit::schema;

struct ss_app {
    std::string script;
    JobFunctions job;
    Decoder key_decoder, value_decoder;
    std::shared_ptr<KeyCache> keys; // of key_decoder, once it is made
    SchemaValues schema;          // stream.key.format / stream.value.format other than bytes
    InFlight in_flight;
    const ss_host_api *host = nullptr; // its reject call (ABI 2.2) takes records the job cannot
    py::object reject_type;            // streamsubmit.Reject
    RawRanges raw;                     // the partitioned form's records as bytes, for Reject
    // False when the host says stream.errors.tolerance=none: a rejected record then only fails
    // its batch, and its bytes go nowhere (a host that does not say: kept, as under all).
    bool tolerates_rejects = true;
    bool can_reject() const { return job.partitioned() && ss_host_can_reject(host); }
    bool keeps_raw() const { return !reads_lazily && can_reject() && tolerates_rejects; }
    // The plain decoders (utf8, bytes) and no schema format: the records are kept as bytes on
    // the reader threads and made into Records as the job reads them.
    bool reads_lazily = false;
};

namespace {

constexpr const char *kPythonPrefix = "python.";

std::string range_text(const ss_offset_range &r) {
    return std::string(r.topic) + "-" + std::to_string(r.partition) + " [" + std::to_string(r.from) + ", " +
           std::to_string(r.until) + ")";
}

std::string where(const char *call, const ss_batch &b, const ss_offset_range *r = nullptr) {
    return std::string(call) + ", batch " + std::to_string(b.id) + (r ? ", range " + range_text(*r) : "");
}

std::vector<std::string> split_list(const std::string &text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

py::object function_of(const py::dict &globals, const char *name) {
    if (!globals.contains(name)) return py::object();
    py::object f = globals[name];
    return PyCallable_Check(f.ptr()) ? f : py::object();
}

std::string record_text(const ss_record &r) {
    return std::string(r.topic) + "-" + std::to_string(r.partition) + " at offset " + std::to_string(r.offset);
}

// One record as a streamsubmit.Record (a new reference). A key or value a decoder refuses is
// rejected (stage decode) when the host takes it (stream.errors.tolerance=all): then nullptr is
// returned. Otherwise the decoder's exception becomes a std::runtime_error naming the record
// (its traceback printed); a schema registry format's failure a BadRecord.
PyObject *make_record(ss_app &app, const ss_batch &batch, const ss_record &r, RecordMaker &maker, ss_error *err) {
    const Decoder *decoder = &app.key_decoder;
    const char *which = "key";
    py::object key, value;
    int32_t key_id = -1, value_id = -1;
    try {
        // A null key or value (a tombstone) has no format: it stays None.
        if (app.schema.key_format() == schema::Format::Bytes || !r.key)
            key = py::reinterpret_steal<py::object>(app.keys->decode(r.key, r.key_len));
        else
            key = app.schema.decode(app.schema.key_format(), r.key, r.key_len, key_id);
        decoder = &app.value_decoder;
        which = "value";
        if (app.schema.value_format() == schema::Format::Bytes || !r.value)
            value = app.value_decoder.decode(r.value, r.value_len);
        else
            value = app.schema.decode(app.schema.value_format(), r.value, r.value_len, value_id);
    } catch (const SchemaDecodeFailure &f) {
        reject_or_throw(app.host, batch, r, which, which[0] == 'k' ? app.schema.key_format() : app.schema.value_format(),
                        f, err);
        return nullptr; // rejected
    } catch (py::error_already_set &e) {
        const std::string record = record_text(r);
        const std::string why = "cannot decode the " + std::string(which) + " of " + record + " with decoder " +
                                decoder->name() + ": " + py::str(e.value()).cast<std::string>();
        if (ss_host_can_reject(app.host)) {
            const std::string error_class = py::str(e.type().attr("__name__"));
            if (reject(app.host, batch, r, SS_STAGE_DECODE, error_class, why, err) == SS_OK) return nullptr;
        }
        print_traceback(e, "decoder " + decoder->name() + " (the " + which + " of " + record + ")");
        throw std::runtime_error(why);
    }
    return maker.make(r, key.release().ptr(), value.release().ptr(), key_id, value_id);
}

ss_status decode_failure(const std::runtime_error &e, const std::string &where, ss_error *err) {
    return report_error(
        "Python job failed in " + where + ": " + e.what(),
        "fix the record's producer, or choose another decoder with app.python.keyDecoder / app.python.valueDecoder "
        "(utf8, bytes, json, module:function)",
        err);
}

struct Settings {
    std::string venv, key_decoder = "utf8", value_decoder = "utf8";
    std::vector<std::string> py_files;
    py::dict conf; // the app.* keys the job sees (python.* left out)
};

ss_status read_settings(const ss_app_params *p, Settings &s, ss_error *err) {
    if (const char *env = std::getenv("VIRTUAL_ENV"); env && *env) s.venv = env;
    for (size_t i = 0; i < p->conf_count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, p->conf, p->conf_stride, i);
        const std::string key = kv->key, value = kv->value ? kv->value : "";
        if (!key.starts_with(kPythonPrefix)) {
            s.conf[py::str(key)] = py::str(value);
            continue;
        }
        const std::string name = key.substr(std::string(kPythonPrefix).size());
        if (name == "venv") s.venv = value;
        else if (name == "keyDecoder") s.key_decoder = value;
        else if (name == "valueDecoder") s.value_decoder = value;
        else if (name == "pyFiles") s.py_files = split_list(value);
        else
            return report_error("unknown configuration key app." + key,
                                "the Python keys are app.python.venv, app.python.keyDecoder, app.python.valueDecoder "
                                "and app.python.pyFiles (--py-files)",
                                err, SS_ERR_CONFIG);
    }
    return SS_OK;
}

ss_status find_functions(ss_app &app, const py::dict &globals, ss_error *err) {
    JobFunctions &f = app.job;
    f.foreach_batch = function_of(globals, "foreach_batch");
    f.process = function_of(globals, "process");
    f.commit = function_of(globals, "commit");
    f.abort = function_of(globals, "abort");
    f.open = function_of(globals, "open");
    f.close = function_of(globals, "close");
    f.recover = function_of(globals, "recover");
    const char *hint = "define foreach_batch(batch, records), or process(batch, range, records) with commit(batch) "
                       "(pydoc streamsubmit)";
    if (f.foreach_batch && f.process)
        return report_error(app.script + " defines both foreach_batch and process", hint, err, SS_ERR_CONFIG);
    if (!f.foreach_batch && !f.process)
        return report_error(app.script + " defines neither foreach_batch nor process", hint, err, SS_ERR_CONFIG);
    if (f.process && !f.commit)
        return report_error(app.script + " defines process but no commit", hint, err, SS_ERR_CONFIG);
    return SS_OK;
}

// stream.key.format / stream.value.format, and the decoders beside them.
ss_status make_schema_values(ss_app &app, const ss_app_params *p, const Settings &s, ss_error *err) {
    std::string message, hint;
    if (!SchemaValues::make(p, app.schema, message, hint) ||
        !app.schema.check_decoders(s.key_decoder, s.value_decoder, message, hint))
        return report_error(message, hint, err, SS_ERR_CONFIG);
    return SS_OK;
}

ss_status load_job(ss_app &app, const ss_app_params *p, ss_error *err) {
    Settings s;
    if (auto st = read_settings(p, s, err); st != SS_OK) return st;
    PathError path_error;
    if (!add_venv(s.venv, path_error))
        return report_error(path_error.message, path_error.hint, err,
                            path_error.wrong_version ? SS_ERR_UNSUPPORTED : SS_ERR_CONFIG);
    if (!add_py_files(s.py_files, path_error)) return report_error(path_error.message, path_error.hint, err, SS_ERR_CONFIG);
    // registers Record, Batch, OffsetRange before any record is made
    app.reject_type = py::module_::import("streamsubmit").attr("Reject");
    py::module_ sys = py::module_::import("sys");
    py::list argv;
    argv.append(app.script);
    for (size_t i = 1; i < p->arg_count; ++i) argv.append(p->args[i]);
    sys.attr("argv") = argv;
    // As `python job.py` does: the script's directory (or the .zip) first on sys.path.
    const std::filesystem::path script = std::filesystem::absolute(app.script);
    sys.attr("path").attr("insert")(0, script.extension() == ".zip" ? script.string() : script.parent_path().string());
    if (auto st = make_schema_values(app, p, s, err); st != SS_OK) return st;
    std::string decoder_error;
    if (!Decoder::make(s.key_decoder, app.key_decoder, decoder_error) ||
        !Decoder::make(s.value_decoder, app.value_decoder, decoder_error))
        return report_error(decoder_error, "set app.python.keyDecoder / app.python.valueDecoder to utf8, bytes, json "
                                           "or module:function",
                            err, SS_ERR_CONFIG);
    app.keys = std::make_shared<KeyCache>(app.key_decoder);
    try {
        py::dict globals = py::module_::import("runpy").attr("run_path")(script.string(), py::none(), "__streamsubmit__");
        if (auto st = find_functions(app, globals, err); st != SS_OK) return st;
        app.reads_lazily = app.key_decoder.plain() && app.value_decoder.plain() &&
                           app.schema.key_format() == schema::Format::Bytes &&
                           app.schema.value_format() == schema::Format::Bytes;
        if (app.job.open) app.job.open(argv[py::slice(1, argv.size(), 1)], s.conf);
    } catch (py::error_already_set &e) {
        return report_python_error(e, "loading " + app.script, err);
    }
    return SS_OK;
}

// stream.errors.tolerance as the host passes it in format_conf; "" from a host that does not.
std::string tolerance_of(const ss_app_params *p) {
    if (!SS_HAS_FIELD(ss_app_params, p, format_conf_stride) || !p->format_conf) return "";
    for (size_t i = 0; i < p->format_conf_count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, p->format_conf, p->format_conf_stride, i);
        if (kv->key && std::string(kv->key) == "stream.errors.tolerance") return kv->value ? kv->value : "";
    }
    return "";
}

ss_status create(const ss_app_params *p, ss_app **out, ss_error *err) {
    if (p->arg_count < 1 || !p->args)
        return report_error("no Python script given", "streamsubmit [options] job.py [args]", err, SS_ERR_CONFIG);
    try {
        start_interpreter();
        py::gil_scoped_acquire gil;
        auto app = std::make_unique<ss_app>();
        app->script = p->args[0];
        app->host = p->host;
        app->tolerates_rejects = tolerance_of(p) != "none";
        if (auto st = load_job(*app, p, err); st != SS_OK) return st;
        *out = app.release();
        return SS_OK;
    } catch (const std::exception &e) {
        return report_error(std::string("cannot start the Python job: ") + e.what(), "", err);
    }
}

void destroy(ss_app *app) {
    if (!app) return;
    py::gil_scoped_acquire gil;
    try {
        if (app->job.close) app->job.close();
    } catch (py::error_already_set &e) {
        ss_error ignored = SS_ERROR_INIT;
        report_python_error(e, "close", &ignored);
    } catch (...) {
    }
    delete app; // its Python objects go with the GIL held
}

// Runs `making` (records of process's range made into Records, with the GIL held) and turns
// what it throws into the call's status.
template <class F> ss_status making_records(const ss_batch &batch, const ss_offset_range &range, ss_error *err, F &&making) {
    py::gil_scoped_acquire gil;
    try {
        return making();
    } catch (py::error_already_set &e) {
        return report_python_error(e, where("process", batch, &range), err);
    } catch (const BadRecord &e) {
        return report_error(e.what(), e.hint, err, SS_ERR_BAD_RECORD);
    } catch (const std::runtime_error &e) {
        return decode_failure(e, where("process", batch, &range), err);
    } catch (const std::exception &e) {
        return report_error(e.what(), "", err);
    }
}

// A record whose key or value its plain decoder does not take: made as process makes one, so
// that it is rejected (SS_OK) or fails the batch with the decoder's own words.
ss_status refused(ss_app *app, const ss_batch &batch, const ss_offset_range &range, const ss_record &r, ss_error *err) {
    return making_records(batch, range, err, [&] {
        RecordMaker maker(range.topic, range.partition);
        if (PyObject *made = make_record(*app, batch, r, maker, err)) {
            Py_DECREF(made);
            return report_error("the " + std::string(app->key_decoder.takes(r.key, r.key_len) ? "value" : "key") +
                                    " of " + record_text(r) + " was refused by the UTF-8 check, but Python decodes it",
                                "report this as a bug, with the record's bytes", err);
        }
        return SS_OK;
    });
}

// The records kept as bytes (reads_lazily), without the GIL.
ss_status keep_records(ss_app *app, const ss_batch &batch, const ss_offset_range &range, const ss_record *records,
                       size_t count, size_t stride, ss_error *err) {
    try {
        const size_t index = ss_batch_range_index(&batch, &range);
        auto raw = std::make_shared<RawRecords>(range.topic, range.partition, records, count, stride);
        for (size_t i = 0; i < count; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            if (!app->key_decoder.takes(r.key, r.key_len) || !app->value_decoder.takes(r.value, r.value_len)) {
                if (ss_status st = refused(app, batch, range, r, err); st != SS_OK) return st;
                continue;
            }
            if (!raw->fits(r)) {
                app->in_flight.keep_raw(batch, index, std::move(raw));
                raw = std::make_shared<RawRecords>(range.topic, range.partition, &r, count - i, stride);
            }
            raw->append(r);
        }
        if (raw->size()) app->in_flight.keep_raw(batch, index, std::move(raw));
        return SS_OK;
    } catch (const std::exception &e) {
        return report_error(e.what(), "", err);
    }
}

ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                  size_t count, size_t stride, ss_error *err) {
    if (app->reads_lazily) return keep_records(app, *batch, *range, records, count, stride, err);
    return making_records(*batch, *range, err, [&] {
        const size_t index = ss_batch_range_index(batch, range);
        RecordMaker maker(range->topic, range->partition);
        py::list chunk(count);
        size_t kept = 0;
        const bool keep_raw = app->keeps_raw();
        for (size_t i = 0; i < count; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            PyObject *record = make_record(*app, *batch, r, maker, err);
            if (!record) continue; // rejected: its decoder refused it
            PyList_SET_ITEM(chunk.ptr(), static_cast<Py_ssize_t>(kept++), record);
            if (keep_raw) app->raw.keep(*batch, index, RawRecord::copy_of(r));
        }
        if (kept < count && PyList_SetSlice(chunk.ptr(), static_cast<Py_ssize_t>(kept), static_cast<Py_ssize_t>(count),
                                            nullptr) != 0)
            throw py::error_already_set();
        app->in_flight.records(*batch, index).attr("extend")(chunk);
        return SS_OK;
    });
}

// `raise streamsubmit.Reject(reason, record)` from the job's process: the record (one of
// `records`) goes to the host's reject; returns its position in `records`, or an error.
constexpr const char *kRejectUsage = "raise streamsubmit.Reject(reason, record) with one of the records process was given";

struct RejectRaised {
    std::string reason, error_class;
    py::object record;
};

ss_status reject_raised(py::error_already_set &e, RejectRaised &out, ss_error *err) {
    const py::tuple args = e.value().attr("args");
    out.reason = args.size() > 0 ? std::string(py::str(args[0])) : "";
    out.error_class = py::str(e.type().attr("__name__"));
    if (args.size() < 2) return report_error("streamsubmit.Reject names no record: " + out.reason, kRejectUsage, err);
    out.record = args[1];
    return SS_OK;
}

ss_status not_one_of_the_records(ss_error *err) {
    return report_error("streamsubmit.Reject names a record that is not one of process's records", kRejectUsage, err);
}

ss_status reject_raised(ss_app *app, const ss_batch &batch, py::error_already_set &e, const py::list &records,
                        const std::vector<RawRecord> &raw, size_t &position, ss_error *err) {
    RejectRaised raised;
    if (ss_status st = reject_raised(e, raised, err); st != SS_OK) return st;
    const std::string &reason = raised.reason, &error_class = raised.error_class;
    const py::object &record = raised.record;
    for (position = 0; position < records.size(); ++position)
        if (py::object(records[position]).is(record)) break;
    if (position == records.size()) return not_one_of_the_records(err);
    const py::tuple fields = record.cast<py::tuple>();
    const auto offset = fields[kOffset].cast<int64_t>();
    if (!app->keeps_raw()) { // tolerance=none: the host fails the batch naming the record
        RawRecord named;
        named.topic = fields[kTopic].cast<std::string>();
        named.partition = fields[kPartition].cast<int32_t>();
        named.offset = offset;
        named.timestamp_ms = fields[kTimestamp].cast<int64_t>();
        named.timestamp_type = fields[kTimestampType].cast<int32_t>();
        return reject(app->host, batch, named, SS_STAGE_APPLICATION, error_class, reason, err);
    }
    for (const auto &r : raw)
        if (r.offset == offset) return reject(app->host, batch, r, SS_STAGE_APPLICATION, error_class, reason, err);
    return report_error("streamsubmit.Reject: the record's bytes are gone", "report this as a bug", err);
}

// The same for records kept as bytes (reads_lazily): the record is found by its coordinates (a
// kept record's Record is made anew each time it is read) and rejected with its bytes; `parts`
// then hold the records after it.
ss_status reject_kept(ss_app *app, const ss_batch &batch, const ss_offset_range &range, py::error_already_set &e,
                      std::vector<RecordPart> &parts, ss_error *err) {
    RejectRaised raised;
    if (ss_status st = reject_raised(e, raised, err); st != SS_OK) return st;
    PyObject *record = raised.record.ptr();
    if (!PyObject_TypeCheck(record, record_type())) return not_one_of_the_records(err);
    const py::tuple fields = raised.record.cast<py::tuple>();
    if (fields[kTopic].cast<std::string>() != range.topic || fields[kPartition].cast<int32_t>() != range.partition)
        return not_one_of_the_records(err);
    const auto offset = fields[kOffset].cast<int64_t>();
    for (size_t part = 0; part < parts.size(); ++part) {
        const size_t index = parts[part].raw->index_of(offset);
        if (index == parts[part].raw->size() || index < parts[part].first) continue;
        std::vector<ss_header> headers;
        const ss_record r = parts[part].raw->at(index, headers);
        if (ss_status st = reject(app->host, batch, r, SS_STAGE_APPLICATION, raised.error_class, raised.reason, err);
            st != SS_OK)
            return st;
        parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(part));
        parts.front().first = index + 1;
        return SS_OK;
    }
    return not_one_of_the_records(err);
}

// The partitioned form's process for a range whose records were kept as bytes.
ss_status process_kept(ss_app *app, const ss_batch &batch, const ss_offset_range &range, ss_error *err) {
    std::vector<RecordPart> parts = app->in_flight.take_kept(batch, ss_batch_range_index(&batch, &range));
    py::object b = app->in_flight.batch(batch);
    for (;;) {
        try {
            app->job.process(b, make_range(range), make_record_sequence(parts, app->keys, app->value_decoder));
            return SS_OK;
        } catch (py::error_already_set &e) {
            if (!app->can_reject() || !e.matches(app->reject_type)) throw;
            if (ss_status st = reject_kept(app, batch, range, e, parts, err); st != SS_OK) return st;
            while (!parts.empty() && parts.front().first == parts.front().raw->size()) parts.erase(parts.begin());
            if (parts.empty()) return SS_OK;
        }
    }
}

// The partitioned form's process: once per range, with all of its records; after a record it
// rejects (streamsubmit.Reject), again with the records after it.
ss_status finish_range(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err) {
    if (!app->job.partitioned()) return SS_OK;
    py::gil_scoped_acquire gil;
    try {
        if (app->reads_lazily) return process_kept(app, *batch, *range, err);
        const size_t index = ss_batch_range_index(batch, range);
        py::list records = app->in_flight.records(*batch, index);
        app->in_flight.take_range(*batch, index);
        const std::vector<RawRecord> raw = app->raw.take(*batch, index);
        py::object b = app->in_flight.batch(*batch);
        for (;;) {
            try {
                app->job.process(b, make_range(*range), records);
                return SS_OK;
            } catch (py::error_already_set &e) {
                if (!app->can_reject() || !e.matches(app->reject_type)) throw;
                size_t position = 0;
                if (ss_status st = reject_raised(app, *batch, e, records, raw, position, err); st != SS_OK) return st;
                records = records[py::slice(static_cast<Py_ssize_t>(position) + 1, static_cast<Py_ssize_t>(records.size()), 1)]
                              .cast<py::list>();
                if (records.empty()) return SS_OK;
            }
        }
    } catch (py::error_already_set &e) {
        return report_python_error(e, where("process", *batch, range), err);
    } catch (const std::exception &e) {
        return report_error(e.what(), "", err);
    }
}

ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    py::gil_scoped_acquire gil;
    try {
        py::object b = app->in_flight.batch(*batch);
        app->raw.forget();
        if (app->job.partitioned()) {
            app->in_flight.forget();
            app->job.commit(b);
        } else {
            py::object all = make_record_sequence(app->in_flight.take_all(*batch), app->keys, app->value_decoder);
            app->in_flight.forget();
            app->job.foreach_batch(b, all);
        }
        return SS_OK;
    } catch (py::error_already_set &e) {
        return report_python_error(e, where(app->job.partitioned() ? "commit" : "foreach_batch", *batch), err);
    } catch (const std::exception &e) {
        return report_error(e.what(), "", err);
    }
}

void abort_batch(ss_app *app, const ss_batch *batch) {
    py::gil_scoped_acquire gil;
    try {
        py::object b = app->in_flight.batch(*batch);
        app->in_flight.forget();
        app->raw.forget();
        if (app->job.abort) app->job.abort(b);
    } catch (py::error_already_set &e) {
        ss_error ignored = SS_ERROR_INIT;
        report_python_error(e, where("abort", *batch), &ignored);
    } catch (...) {
    }
}

ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    if (!app->job.recover) return SS_OK;
    py::gil_scoped_acquire gil;
    try {
        py::dict in;
        for (size_t i = 0; i < count; ++i) {
            const ss_topic_partition *tp = ss_at(ss_topic_partition, positions, stride, i);
            in[py::make_tuple(tp->topic, tp->partition)] = tp->offset;
        }
        py::object answer = app->job.recover(in);
        if (answer.is_none()) return SS_OK;
        py::dict out = answer.cast<py::dict>();
        for (size_t i = 0; i < count; ++i) {
            ss_topic_partition *tp = ss_at(ss_topic_partition, positions, stride, i);
            py::tuple key = py::make_tuple(tp->topic, tp->partition);
            if (out.contains(key)) tp->offset = out[key].cast<int64_t>();
        }
        return SS_OK;
    } catch (py::error_already_set &e) {
        return report_python_error(e, "recover", err);
    } catch (const py::cast_error &e) {
        return report_error("recover must return a dict {(topic, partition): next offset} or None", "", err);
    } catch (const std::exception &e) {
        return report_error(e.what(), "", err);
    }
}

// A Python job keeps every batch's records until the job has read them (raw_records.h), so a
// batch's records are in memory once here besides the connector's prefetch queue. Half the
// Kafka plugin's queue (4096 KiB) takes ~24 MiB off the peak of a job reading 100-byte records
// with two reader threads (151 -> 127 MiB) and costs it ~16-19% of its wall time (less is
// prefetched while foreach_batch runs; paired runs of bench/python/count_foreach.py on 10 M x
// 100 B): the trade a Python job's users make (it still runs 6-7x PySpark's speed in a fifth
// of its memory; bench/python_section.py). A user who wants the speed sets the key.
const ss_kv kSourceDefaults[] = {{"kafka.queued.max.messages.kbytes", "2048"}};

const ss_application_api kApplication = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .finish_range = finish_range,
    .commit = commit,
    .abort = abort_batch,
    .recover = recover,
    .keys = nullptr,
    .key_count = 0,
    .key_stride = sizeof(ss_config_key),
    .write_dead_letters = nullptr, // the host's own producer writes them
    .source_defaults = kSourceDefaults,
    .source_default_count = std::size(kSourceDefaults),
    .source_default_stride = sizeof(ss_kv),
};

} // namespace

STREAMSUBMIT_PLUGIN(.name = "python", .version = "0.1.0",
                    .description = "runs a Python job (job.py) in an embedded CPython " STREAMSUBMIT_PYTHON_VERSION,
                    .application = &kApplication)
