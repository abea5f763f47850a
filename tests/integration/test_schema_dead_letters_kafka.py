"""Schema Registry decode failures as dead letters (stage decode) on a real broker and a real
Apicurio Registry (scripts/registry-up).

Avro values written by Confluent's AvroSerializer (the independent client, which registers
the schemas) across three partitions, with poison records scattered among them: a value without
the magic byte, one naming a schema id the registry does not know, and a truncated payload.
With stream.errors.tolerance=all and a dead-letter topic, the files, exec and Kafka sinks write
exactly the records the independent client decodes (compared field by field with its own
decoding) and the dead-letter topic holds exactly the ones it cannot, key and value byte for
byte as kcat reads them from the input, with their headers and __streamsubmit.errors.* headers
saying stage decode and why. tolerance=none stays exit 4; stream.errors.maxPerBatch still
applies (exit 8); a registry that does not answer is the job's failure (exit 4), never a dead
letter.
"""
import json
import os
import re
import subprocess
import tempfile

from real_kafka import kh
from streamsubmit_test import EXIT_APPLICATION, EXIT_KAFKA, EXIT_OK, main, parse_json_report, run
from test_dead_letters_kafka import pairs
from test_schema_registry_kafka import CCOMPAT, RegistryKafkaTestCase, by_position, client, produce, sink_lines

CONTEXT = "__streamsubmit.errors."
PARTITIONS = 3
GOOD = 900
POISON_EVERY = 37  # a poison record after every 37th good one: 24 of them, 8 of each kind
KINDS = ("BadHeader", "UnknownSchema", "PayloadMismatch")  # the error class each kind is rejected with


def kcat_raw(bootstrap, topic):
    """{(partition, offset): (key, value)} as bytes (None for null), read by kcat with lengths."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-X", "isolation.level=read_committed", "-f", "%p %o %K %S\n%k%s"]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=300).stdout
    records, pos = {}, 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        partition, offset, key_len, value_len = map(int, out[pos:end].split())
        pos = end + 1
        key = out[pos:pos + key_len] if key_len >= 0 else None
        pos += max(key_len, 0)
        value = out[pos:pos + value_len] if value_len >= 0 else None
        pos += max(value_len, 0)
        records[(partition, offset)] = (key, value)
    return records


def kcat_headers(bootstrap, topic):
    """{(partition, offset): [(name, value)]} as kcat -J reads them (the text headers of binary records)."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J",
           "-X", "isolation.level=read_committed"]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=300).stdout.decode(errors="replace")
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {(r["partition"], r["offset"]): pairs(r.get("headers")) for r in records}


def poison(n, good_value_hex):
    """The n-th poison record (JSON line for the client's produce) and its kind."""
    kind = KINDS[n % 3]
    if kind == "BadHeader":
        value = f"not avro {n}".encode().hex()
    elif kind == "UnknownSchema":
        value = "00" + (980000 + n).to_bytes(4, "big").hex() + "0204"
    else:
        value = good_value_hex[:-4]
    return {"key": f"pkey-{n}".encode().hex(), "value": value,
            "headers": [["trace", "poison"], ["trace", "again"], ["n", str(n)]]}, kind


class SchemaDeadLetters(RegistryKafkaTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src, cls.kinds = cls.make_input()

    @classmethod
    def make_input(cls):
        """The shared input topic; {(partition, offset): kind} of its poison records."""
        topic = kh.unique_name("sdl-in")
        kh.create_topic(topic, PARTITIONS, bootstrap=cls.bootstrap)
        good = client("serialize", cls.url, topic, "many")[:GOOD]
        lines, kinds, next_offset = [], {}, [0] * PARTITIONS
        for i, record in enumerate(good):
            p = i % PARTITIONS
            lines.append(dict(record, partition=p))
            next_offset[p] += 1
            if i % POISON_EVERY == POISON_EVERY - 1:
                bad, kind = poison(len(kinds), record["value"])
                lines.append(dict(bad, partition=p))
                kinds[(p, next_offset[p])] = kind
                next_offset[p] += 1
        produce(cls.bootstrap, topic, lines)
        return topic, kinds

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def dead_letter_topic(self):
        name = kh.unique_name("sdl-dlq")
        kh.create_topic(name, 2, bootstrap=self.bootstrap)
        return name

    def job(self, *extra, url=None, sink=("--sink", "files")):
        args = ["--bootstrap-servers", self.bootstrap, "--topics", self.src, "--until", "latest", "--name", "sdl-job",
                "--output", "json", "--conf", "kafka.auto.offset.reset=earliest",
                "--conf", "stream.kafka.maxOffsetsPerBatch=200", "--conf", "stream.value.format=avro",
                "--conf", "schema.registry.url=" + (url or self.url)]
        if sink == ("--sink", "files"):
            sink = sink + ("--conf", "sink.files.dir=" + self.out)
        return args + list(sink) + list(extra)

    def tolerate(self, dlq, max_per_batch=0):
        conf = ["stream.errors.tolerance=all", "stream.errors.deadletterqueue.topic=" + dlq,
                f"stream.errors.maxPerBatch={max_per_batch}", "stream.errors.log.enable=true"]
        return [a for c in conf for a in ("--conf", c)]

    def independent_decoding(self):
        """(good, undecodable) of the input as Confluent's deserializers read it."""
        lines = client("decode", self.bootstrap, self.url, self.src, "avro", "skip-undecodable")
        good = [e for e in lines if "undecodable" not in e]
        bad = {(e["partition"], e["offset"]) for e in lines if "undecodable" in e}
        return good, bad

    def assert_sink_holds_the_good_records(self, got):
        good, bad = self.independent_decoding()
        self.assertEqual(bad, set(self.kinds), "the independent client refuses other records than the poison")
        self.assertEqual(len(good), GOOD)
        self.assertEqual(sorted(got), sorted((e["partition"], e["offset"]) for e in good))
        for e in good:
            line = got[(e["partition"], e["offset"])]
            self.assertEqual((line["value"], line["valueSchemaId"]), (e["value"], e["valueSchemaId"]),
                             f"offset {e['offset']} of partition {e['partition']}")

    def assert_dead_letters_are_the_poison(self, dlq):
        """Each poison record once: key and value as kcat reads them from the input, byte for
        byte, its headers, then the context headers naming stage decode and the failure."""
        raw_in, raw_out = kcat_raw(self.bootstrap, self.src), kcat_raw(self.bootstrap, dlq)
        headers_in, headers_out = kcat_headers(self.bootstrap, self.src), kcat_headers(self.bootstrap, dlq)
        self.assertEqual(set(headers_out), set(raw_out))
        seen = set()
        for where, headers in headers_out.items():
            original = [h for h in headers if not h[0].startswith(CONTEXT)]
            context = {n[len(CONTEXT):]: v for n, v in headers if n.startswith(CONTEXT)}
            self.assertEqual(headers[:len(original)], original, "context headers come after the record's own")
            at = (int(context["partition"]), int(context["offset"]))
            self.assertNotIn(at, seen, f"dead letter {at} twice")
            seen.add(at)
            self.assertIn(at, self.kinds, f"{at} is no poison record")
            self.assertEqual(raw_out[where], raw_in[at], f"the bytes of {at}")
            self.assertEqual(original, headers_in[at])
            self.assertEqual(original[:2], [("trace", "poison"), ("trace", "again")])  # as produced
            self.assertEqual(context["topic"], self.src)
            self.assertEqual(context["stage"], "decode")
            self.assertEqual(context["exception.class.name"], self.kinds[at])
            self.assertIn(f"cannot decode the value of {self.src} partition {at[0]} offset {at[1]}",
                          context["exception.message"])
            if self.kinds[at] != "BadHeader":  # the header named a schema id
                self.assertRegex(context["exception.message"], r"\(schema id \d+\) as avro: ")
            self.assertEqual(context["job.name"], "sdl-job")
        self.assertEqual(seen, set(self.kinds))

    def assert_rejections_reported(self, proc):
        self.assertEqual(proc.returncode, EXIT_OK, proc.stderr[-3000:])
        reports = parse_json_report(proc.stdout)
        self.assertEqual(sum(r["rejected"] for r in reports), len(self.kinds))
        self.assertEqual(sum(r["records"] for r in reports), GOOD + len(self.kinds))
        self.assertEqual(proc.stderr.count("rejected record"), len(self.kinds))  # stream.errors.log.enable
        self.assertNotIn("error:", proc.stderr)

    def test_files_sink_writes_the_good_records_and_dead_letters_the_poison(self):
        self.assertEqual(sorted(self.kinds.values()).count("UnknownSchema"), len(self.kinds) // 3)
        dlq = self.dead_letter_topic()
        proc = run(self.job(*self.tolerate(dlq)), timeout=300)
        self.assert_rejections_reported(proc)
        self.assert_sink_holds_the_good_records(sink_lines(self.out))
        self.assert_dead_letters_are_the_poison(dlq)

    def test_exec_sink_gets_only_the_good_records(self):
        dlq = self.dead_letter_topic()
        os.makedirs(self.out)
        target = os.path.join(self.out, "exec.jsonl")
        proc = run(self.job(*self.tolerate(dlq), sink=("--sink", "exec", "--conf", f"sink.exec.command=cat >> {target}",
                                                       "--conf", "sink.exec.per=partition")), timeout=300)
        self.assert_rejections_reported(proc)
        self.assert_sink_holds_the_good_records(sink_lines(self.out))
        self.assert_dead_letters_are_the_poison(dlq)

    def test_transactional_kafka_sink_puts_the_dead_letters_in_the_batch_transaction(self):
        dlq, out = self.dead_letter_topic(), kh.unique_name("sdl-out")
        kh.create_topic(out, 2, bootstrap=self.bootstrap)
        proc = run(self.job(*self.tolerate(dlq), "--group", kh.unique_name("g"),
                            sink=("--sink", "kafka", "--conf", "sink.kafka.topic=" + out, "--conf",
                                  "sink.kafka.format=json", "--conf", "sink.kafka.transactional=true")), timeout=300)
        self.assert_rejections_reported(proc)
        values = kh.consume_all(out, bootstrap=self.bootstrap, fmt="%s\n").splitlines()
        self.assert_sink_holds_the_good_records(by_position(values))
        self.assert_dead_letters_are_the_poison(dlq)

    def test_tolerance_none_stops_at_the_first_poison_record_with_exit_4(self):
        proc = run(self.job(), timeout=300)
        self.assertEqual(proc.returncode, EXIT_KAFKA, proc.stderr[-3000:])
        # The first poison record of whichever partition's reader came to one first.
        named = re.search(f"cannot decode the value of {self.src} partition (\\d+) offset (\\d+)", proc.stderr)
        self.assertIsNotNone(named, proc.stderr)
        at = (int(named[1]), int(named[2]))
        self.assertEqual(at, min(a for a in self.kinds if a[0] == at[0]))
        self.assertNotIn("rejected record", proc.stderr)

    def test_more_decode_rejections_than_max_per_batch_fail_the_batch(self):
        dlq = self.dead_letter_topic()
        proc = run(self.job(*self.tolerate(dlq, max_per_batch=1)), timeout=300)
        self.assertEqual(proc.returncode, EXIT_APPLICATION, proc.stderr[-3000:])
        self.assertIn("rejected more than stream.errors.maxPerBatch (1) records", proc.stderr)
        self.assertEqual(kcat_raw(self.bootstrap, dlq), {})  # nothing dead-lettered for a failed batch

    def test_a_registry_that_does_not_answer_fails_the_job_and_dead_letters_nothing(self):
        """Good records whose schema ids the job has not fetched yet, with the registry down:
        exit 4 naming it; no record reaches the dead-letter topic or the sink."""
        dlq = self.dead_letter_topic()
        down = f"http://127.0.0.1:{kh.free_port()}{CCOMPAT}"
        proc = run(self.job(*self.tolerate(dlq), "--conf", "schema.registry.request.timeout=2s", url=down),
                   timeout=300)
        self.assertEqual(proc.returncode, EXIT_KAFKA, proc.stderr[-3000:])
        self.assertIn("no schema registry answered", proc.stderr)
        self.assertIn(down, proc.stderr)
        self.assertNotIn("rejected record", proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(kcat_raw(self.bootstrap, dlq), {})
        self.assertFalse(os.path.exists(self.out) and os.listdir(self.out))

    def test_a_url_the_registry_does_not_serve_fails_the_job_and_dead_letters_nothing(self):
        """schema.registry.url with a wrong path: the server answers 404, but not the Confluent
        API's "no such schema" (40403), so it is the job's setting that is wrong, not every
        record: exit 4 naming the HTTP answer; nothing is dead-lettered."""
        dlq = self.dead_letter_topic()
        wrong = self.url + "/nothing-here"
        proc = run(self.job(*self.tolerate(dlq), url=wrong), timeout=300)
        self.assertEqual(proc.returncode, EXIT_KAFKA, proc.stderr[-3000:])
        self.assertIn("answered HTTP 404", proc.stderr)
        self.assertIn("names the Confluent-compatible API", proc.stderr)
        self.assertNotIn("rejected record", proc.stderr)
        self.assertEqual(kcat_raw(self.bootstrap, dlq), {})
        self.assertFalse(os.path.exists(self.out) and os.listdir(self.out))


if __name__ == "__main__":
    main()
