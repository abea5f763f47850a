"""Applications reading schema registry formats (stream.key.format / stream.value.format =
avro, protobuf, json-schema) against a real Apache Kafka broker and a real Apicurio Registry:
records produced by Confluent's Python client with its serializers.

Python jobs: what the job receives (Python objects, pickled by the job) compared value by value,
types included, with what that client's own deserializers give (AvroDeserializer's dicts,
Decimal, datetime and UUID; MessageToDict of ProtobufDeserializer's message; JSONDeserializer's
object). A record that does not decode stops the job with exit 4 before the job sees its batch,
or is rejected (stage decode) with stream.errors.tolerance=all; a decoder set beside a format is
refused (exit 2).

C applications (ABI 2.3 decode host call): tests/plugins/test-decode_app.so writes every record
as the call gives it, compared field by field with the client's decoding in Avro's JSON encoding
and proto3's JSON mapping (as the sinks' tests compare theirs); a record that does not decode
is the host's SS_ERR_BAD_RECORD, exit 4.
"""
import base64
import datetime
import decimal
import glob
import os
import pickle
import tempfile
import textwrap
import uuid

from real_kafka import kh
from streamsubmit_test import EXIT_KAFKA, EXIT_OK, EXIT_PLUGIN, EXIT_USAGE, main, run
from test_schema_registry_kafka import CCOMPAT, RegistryKafkaTestCase, by_position, client, produce

DECODE_APP = os.path.join(os.environ.get("TEST_PLUGIN_DIR", ""), "test-decode_app.so")

# What the job received, per record, pickled per batch into OUT/batch-ID.pkl.
ENTRY = textwrap.dedent("""
    import builtins, os, pickle
    OUT = None
    def open(args, conf):
        global OUT
        OUT = args[0]
    def entry(r):
        assert len(r) == 8, "a Record unpacks into its eight fields"
        return {"partition": r.partition, "offset": r.offset, "key": r.key, "keySchemaId": r.key_schema_id,
                "value": r.value, "valueSchemaId": r.value_schema_id}
    def write(batch, entries):
        with builtins.open(os.path.join(OUT, "batch-%d.pkl" % batch.id), "wb") as f:
            pickle.dump(entries, f)
""")

FOREACH_JOB = ENTRY + textwrap.dedent("""
    def foreach_batch(batch, records):
        write(batch, [entry(r) for r in records])
""")

PARTITIONED_JOB = ENTRY + textwrap.dedent("""
    pending = {}
    def process(batch, rng, records):
        pending.setdefault(batch.id, []).extend(entry(r) for r in records)
    def commit(batch):
        write(batch, pending.pop(batch.id, []))
""")


def same(a, b, path="value", ordered=True):
    """a equals b with the same types all the way down (Decimal with its exponent, datetime with
    its time zone, dicts with their keys' order when `ordered`: Protobuf's maps have none); an
    AssertionError naming where they differ."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        keys = (list(a), list(b)) if ordered else (sorted(a), sorted(b))
        assert keys[0] == keys[1], f"{path}: keys {keys[0]} != {keys[1]}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}", ordered)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", ordered)
    elif isinstance(a, decimal.Decimal):
        assert a.as_tuple() == b.as_tuple(), f"{path}: {a!r} != {b!r}"
    elif isinstance(a, datetime.datetime):
        assert a == b and a.utcoffset() == b.utcoffset(), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


class RegistryAndKafka(RegistryKafkaTestCase):
    """A registry and Kafka (RegistryKafkaTestCase) and a scratch directory."""
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out")
        os.makedirs(self.out)

    def tearDown(self):
        self.tmp.cleanup()

    def topic(self, prefix, partitions=1):
        name = kh.unique_name(prefix)
        kh.create_topic(name, partitions, bootstrap=self.bootstrap)
        return name


class CApplicationDecodeCall(RegistryAndKafka):
    def job(self, topic, value_format="avro", key_format="bytes"):
        self.lines = os.path.join(self.out, "records.jsonl")
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--conf", "stream.value.format=" + value_format, "--conf", "stream.key.format=" + key_format,
                "--conf", "schema.registry.url=" + self.url, "--until", "latest", "--conf", "app.out=" + self.lines,
                DECODE_APP]

    def assert_matches_independent_decoding(self, topic, fmt, with_keys):
        expected = client("decode", self.bootstrap, self.url, topic, fmt)
        with open(self.lines) as f:
            got = by_position(f.read().splitlines())
        self.assertEqual(sorted(got), sorted((e["partition"], e["offset"]) for e in expected))
        for e in expected:
            line = got[(e["partition"], e["offset"])]
            for field in ["value", "valueSchemaId"] + (["key", "keySchemaId"] if with_keys else []):
                self.assertEqual(line.get(field), e.get(field), f"{field} of offset {e['offset']}")
            if not with_keys:
                self.assertIsNone(line["key"])
                self.assertNotIn("keySchemaId", line)
        return expected

    def test_avro_keys_and_values_of_every_type_as_json(self):
        topic = self.topic("c-avro-every")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "every-type"))
        run(self.job(topic, "avro", "avro"), check=EXIT_OK)
        self.assertEqual(len(self.assert_matches_independent_decoding(topic, "avro", with_keys=True)), 24)

    def test_protobuf_values_as_json(self):
        topic = self.topic("c-protobuf")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "protobuf-orders"))
        run(self.job(topic, "protobuf"), check=EXIT_OK)
        self.assertEqual(len(self.assert_matches_independent_decoding(topic, "protobuf", with_keys=False)), 8)

    def test_a_record_that_does_not_decode_is_exit_4_naming_it(self):
        topic = self.topic("c-avro-truncated")
        good = client("serialize", self.url, topic, "orders")
        produce(self.bootstrap, topic, good[:3] + [{"key": None, "value": good[3]["value"][:-4]}])
        schema_id = int(good[0]["value"][2:10], 16)
        proc = run(self.job(topic, "avro"), check=EXIT_KAFKA)
        self.assertIn(f"cannot decode the value of {topic} partition 0 offset 3 (schema id {schema_id}) as avro",
                      proc.stderr)
        self.assertIn(f"is not a value of schema id {schema_id}", proc.stderr)
        self.assertIn("hint:", proc.stderr)
        with open(self.lines) as f:  # the record that does not decode was never written
            self.assertNotIn('"offset":3,', f.read())

    def test_a_bytes_job_gets_no_decode_call(self):
        topic = self.topic("c-bytes")
        proc = run(self.job(topic, "bytes"), check=EXIT_PLUGIN)
        self.assertIn("decode-app needs a host with the decode call (ABI 2.3)", proc.stderr)


class PythonSchemaKafkaTest(RegistryAndKafka):
    def job(self, topic, script=FOREACH_JOB, value_format="avro", key_format="bytes", *extra):
        path = os.path.join(self.tmp.name, "job.py")
        with open(path, "w") as f:
            f.write(script)
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--conf", "stream.value.format=" + value_format, "--conf", "stream.key.format=" + key_format,
                "--conf", "schema.registry.url=" + self.url, "--until", "latest", *extra, path, self.out]

    def received(self):
        """{(partition, offset): entry} of every batch the job wrote; fails on a record seen twice."""
        got = {}
        for name in glob.glob(os.path.join(self.out, "batch-*.pkl")):
            with open(name, "rb") as f:
                for e in pickle.load(f):
                    where = (e["partition"], e["offset"])
                    assert where not in got, f"{where} received twice"
                    got[where] = e
        return got

    def assert_same_as_the_deserializer(self, topic, fmt, with_keys):
        expected = [pickle.loads(base64.b64decode(line["pickle"]))
                    for line in client("decode", self.bootstrap, self.url, topic, fmt, "python")]
        got = self.received()
        self.assertEqual(sorted(got), sorted((e["partition"], e["offset"]) for e in expected))
        for e in expected:
            line = got[(e["partition"], e["offset"])]
            where = f"offset {e['offset']}"
            same(line["value"], e["value"], f"{where} value", ordered=fmt != "protobuf")
            self.assertEqual(line["valueSchemaId"], e["valueSchemaId"], where)
            if with_keys:
                same(line["key"], e["key"], f"{where} key")
                self.assertEqual(line["keySchemaId"], e["keySchemaId"], where)
            else:
                self.assertIsNone(line["keySchemaId"])
        return expected

    def test_avro_every_type_in_keys_and_values_foreach_batch(self):
        topic = self.topic("py-avro-every")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "every-type"))
        run(self.job(topic, FOREACH_JOB, "avro", "avro"), check=EXIT_OK)
        expected = self.assert_same_as_the_deserializer(topic, "avro", with_keys=True)
        self.assertEqual(len(expected), 24)
        # What the comparison covered, as the deserializer gives it.
        v = expected[5]["value"]
        self.assertIsInstance(v["price"], decimal.Decimal)
        self.assertEqual(v["price"].as_tuple().exponent, -2)
        self.assertIsInstance(v["amount"], decimal.Decimal)
        self.assertIsInstance(v["day"], datetime.date)
        self.assertEqual(v["at_ms"].tzinfo, datetime.timezone.utc)
        self.assertIsInstance(v["at_us"], datetime.datetime)
        self.assertIsInstance(v["clock"], datetime.time)
        self.assertIsInstance(v["id"], uuid.UUID)
        self.assertIsInstance(v["hash"], bytes)
        self.assertEqual(v["color"], "BLUE")
        self.assertEqual({type(e["value"]["either"]) for e in expected}, {type(None), int, str})

    def test_avro_partitioned_form_on_two_partitions_with_two_schema_versions_and_a_reference(self):
        topic = self.topic("py-avro-parts", partitions=2)
        records = client("serialize", self.url, topic, "two-versions") + \
            client("serialize", self.url, topic + "-ref", "with-reference")
        produce(self.bootstrap, topic, [dict(r, partition=i % 2) for i, r in enumerate(records)])
        run(self.job(topic, PARTITIONED_JOB, "avro", "bytes", "--master", "local[2]"), check=EXIT_OK)
        expected = self.assert_same_as_the_deserializer(topic, "avro", with_keys=False)
        self.assertEqual(len({e["valueSchemaId"] for e in expected}), 3)

    def test_protobuf_as_message_to_dict(self):
        topic = self.topic("py-protobuf")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "protobuf-orders") +
                client("serialize", self.url, topic, "protobuf-refunds"))
        run(self.job(topic, FOREACH_JOB, "protobuf"), check=EXIT_OK)
        expected = self.assert_same_as_the_deserializer(topic, "protobuf", with_keys=False)
        self.assertEqual(len(expected), 12)
        self.assertEqual(expected[2]["value"]["voucher"], {"currency": "USD", "units": "2"})

    def test_json_schema_as_parsed_json(self):
        topic = self.topic("py-json-schema")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "json-schema"))
        run(self.job(topic, PARTITIONED_JOB, "json-schema"), check=EXIT_OK)
        expected = self.assert_same_as_the_deserializer(topic, "json-schema", with_keys=False)
        self.assertEqual(expected[1]["value"]["sensor"], 's-1 "ü"\n')

    def bad_fourth(self, prefix, bad_value_hex):
        topic = self.topic(prefix)
        good = client("serialize", self.url, topic, "orders")[:3]
        produce(self.bootstrap, topic, good + [{"key": None, "value": bad_value_hex}])
        return topic

    def test_a_record_that_does_not_decode_stops_the_job_with_exit_4(self):
        topic = self.bad_fourth("py-avro-unknown", "00" + (987654).to_bytes(4, "big").hex() + "02")
        proc = run(self.job(topic, FOREACH_JOB), check=EXIT_KAFKA)
        self.assertIn(f"cannot decode the value of {topic} partition 0 offset 3 (schema id 987654) as avro", proc.stderr)
        self.assertIn("has no schema id 987654", proc.stderr)
        self.assertIn("hint:", proc.stderr)
        self.assertEqual(os.listdir(self.out), [], "the job saw a batch with a record that does not decode")

    def test_with_tolerance_all_a_record_that_does_not_decode_is_rejected(self):
        topic = self.bad_fourth("py-avro-magic", b"hello".hex())
        dlq = self.topic("py-avro-dlq")
        proc = run(self.job(topic, PARTITIONED_JOB, "avro", "bytes", "--conf", "stream.errors.tolerance=all",
                            "--conf", "stream.errors.deadletterqueue.topic=" + dlq,
                            "--conf", "stream.errors.log.enable=true"), check=EXIT_OK)
        self.assertEqual(sorted(self.received()), [(0, 0), (0, 1), (0, 2)])
        self.assertIn("its first byte is 104, not the magic byte 0", proc.stderr)
        dead = kh.consume_all(dlq, bootstrap=self.bootstrap, fmt="%s|%h\n")
        self.assertIn("hello|", dead)
        self.assertIn("__streamsubmit.errors.stage=decode", dead)

    def test_a_decoder_beside_a_format_is_refused(self):
        topic = self.topic("py-avro-decoder")
        proc = run(self.job(topic, FOREACH_JOB, "avro", "bytes", "--conf", "app.python.valueDecoder=json"),
                   check=EXIT_USAGE)
        self.assertIn("app.python.valueDecoder=json and stream.value.format=avro both decode the record's value",
                      proc.stderr)
        self.assertIn("remove app.python.valueDecoder", proc.stderr)

    def test_an_unreachable_registry_stops_the_job_naming_its_url_even_with_tolerance_all(self):
        topic = self.topic("py-avro-noregistry")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "orders")[:1])
        args = self.job(topic, FOREACH_JOB, "avro", "bytes", "--conf", "schema.registry.request.timeout=1s",
                        "--conf", "stream.errors.tolerance=all")
        dead_url = "http://127.0.0.1:9" + CCOMPAT  # the discard port: nothing listens
        args[args.index("schema.registry.url=" + self.url)] = "schema.registry.url=" + dead_url
        proc = run(args, check=EXIT_KAFKA)
        self.assertIn("no schema registry answered", proc.stderr)
        self.assertIn(dead_url, proc.stderr)
        self.assertEqual(os.listdir(self.out), [])


if __name__ == "__main__":
    main()
