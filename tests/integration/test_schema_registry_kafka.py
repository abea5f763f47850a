"""Schema registry formats against a real Apache Kafka broker and a real Apicurio Registry
(scripts/registry-up): records produced by an independent client (Confluent's Python client
and its AvroSerializer, which registers the schemas), written by the files sink with
stream.key.format / stream.value.format = avro, and compared field by field with that client's
own decoding (AvroDeserializer, then Avro's JSON encoding by fastavro). Bad records and a
registry that dies mid-run stop the job with exit 4 before anything of the batch is written.
"""
import base64
import glob
import http.server
import json
import random
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from delivered_records import DELAY_ENV, temp_files
from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_KAFKA, EXIT_OK, main, output_of, run, start, wait_for, wait_for_exit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(HERE, "..", ".."))
PYCLIENTS = os.environ.get("STREAMSUBMIT_PYCLIENTS", os.path.join(ROOT, ".cache", "pyclients"))
CLIENT = [os.path.join(PYCLIENTS, "bin", "python"), os.path.join(HERE, "harness", "schema_registry_client.py")]
CCOMPAT = "/apis/ccompat/v7"


def client(*args, input=None, timeout=180):
    """Runs the independent client; its stdout's JSON lines."""
    p = subprocess.run(CLIENT + list(args), input=input, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"schema_registry_client {' '.join(args)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def produce(bootstrap, topic, records):
    client("produce", bootstrap, topic, input="".join(json.dumps(r) + "\n" for r in records))


class Registry:
    """Apicurio Registry started by scripts/registry-up with its own state dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="registry-")
        self.env = dict(os.environ, REGISTRY_DATA_DIR=os.path.join(self.dir, "data"))

    def start(self):
        p = subprocess.run([os.path.join(ROOT, "scripts", "registry-up")], env=self.env, capture_output=True,
                           text=True, timeout=600)
        if p.returncode != 0:
            raise AssertionError(f"registry-up exited {p.returncode}:\n{p.stderr[-3000:]}")
        return p.stdout.strip().splitlines()[-1]

    def kill(self):
        with open(os.path.join(self.dir, "data", "registry.pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z",
                 timeout=30, what="the registry to die")

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "registry-down")], env=self.env, timeout=120, check=True)


class BasicAuthProxy:
    """A loopback proxy in front of the registry that asks for HTTP basic authentication."""

    def __init__(self, upstream, user_info):
        expected = "Basic " + base64.b64encode(user_info.encode()).decode()
        self.requests = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                proxy.requests.append(self.path)
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, b'{"error_code":401,"message":"Unauthorized"}')
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=10) as r:
                        self.answer(r.status, r.read())
                except urllib.error.HTTPError as e:
                    self.answer(e.code, e.read())

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def fixture_registry_url():
    path = os.path.join(os.environ.get("REGISTRY_FIXTURE_DIR", ""), "url")
    if os.environ.get("REGISTRY_FIXTURE_DIR") and os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    return None


def by_position(json_lines):
    """{(partition, offset): line as a dict}; fails on a record written twice."""
    lines = {}
    for line in json_lines:
        doc = json.loads(line)
        where = (doc["partition"], doc["offset"])
        assert where not in lines, f"{where} written twice"
        lines[where] = doc
    return lines


def sink_lines(out_dir):
    """{(partition, offset): line as a dict} of every final file."""
    text = []
    for name in glob.glob(os.path.join(out_dir, "*")):
        with open(name) as f:
            text.extend(f.read().splitlines())
    return by_position(text)


class RegistryKafkaTestCase(RealKafkaTestCase):
    """Real Kafka, a registry (the ctest fixture's, or one of the class's own) at cls.url (its
    Confluent-compatible API), and the independent client's venv; shared by the schema suites."""
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(CLIENT[0]):  # scripts/setup --tests makes the client's venv
            subprocess.run([os.path.join(ROOT, "scripts", "setup"), "--tests"], check=True, timeout=900)
        assert os.path.exists(CLIENT[0]), f"scripts/setup --tests did not make {CLIENT[0]}"
        cls.own_registry = None
        url = fixture_registry_url()
        if not url:
            cls.own_registry = Registry()
            url = cls.own_registry.start()
        cls.url = url + CCOMPAT

    @classmethod
    def tearDownClass(cls):
        if cls.own_registry:
            cls.own_registry.stop()
        super().tearDownClass()


class SchemaRegistryKafkaTest(RegistryKafkaTestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def topic(self, prefix):
        name = kh.unique_name(prefix)
        kh.create_topic(name, 1, bootstrap=self.bootstrap)
        return name

    def job(self, topic, *extra, url=None, key_format="bytes"):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--sink", "files", "--conf", "sink.files.dir=" + self.out, "--conf", "stream.value.format=avro",
                "--conf", "stream.key.format=" + key_format, "--conf", "schema.registry.url=" + (url or self.url),
                *extra]

    def assert_matches_independent_decoding(self, topic, with_keys, got=None, fmt="avro"):
        expected = client("decode", self.bootstrap, self.url, topic, fmt)
        got = sink_lines(self.out) if got is None else got
        self.assertEqual(sorted(got), sorted((e["partition"], e["offset"]) for e in expected))
        for e in expected:
            line = got[(e["partition"], e["offset"])]
            fields = ["value", "valueSchemaId"] + (["key", "keySchemaId"] if with_keys else [])
            for field in fields:
                self.assertEqual(line.get(field), e.get(field), f"{field} of offset {e['offset']}")
            if not with_keys:
                self.assertIsNone(line["key"])
                self.assertNotIn("keySchemaId", line)
        return expected

    def test_every_avro_type_in_keys_and_values_as_the_python_deserializer_decodes_it(self):
        topic = self.topic("avro-every")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "every-type"))
        run(self.job(topic, "--until", "latest", key_format="avro"), check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=True)
        self.assertEqual(len(expected), 24)
        # Keys and values have schemas of their own.
        self.assertEqual(len({(e["keySchemaId"], e["valueSchemaId"]) for e in expected}), 1)
        self.assertNotEqual(expected[0]["keySchemaId"], expected[0]["valueSchemaId"])

    def test_the_exec_sink_gets_decoded_json_lines(self):
        topic = self.topic("avro-exec")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "every-type"))
        os.makedirs(self.out)
        target = os.path.join(self.out, "exec.jsonl")
        args = self.job(topic, "--until", "latest", key_format="avro")
        at = args.index("sink.files.dir=" + self.out)
        args[at - 3:at + 1] = ["--sink", "exec", "--conf", f"sink.exec.command=cat >> {target}"]
        run(args, check=EXIT_OK)
        self.assert_matches_independent_decoding(topic, with_keys=True)

    def test_the_kafka_sink_json_format_carries_the_decoded_record(self):
        topic, out_topic = self.topic("avro-ksink"), self.topic("avro-ksink-out")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "two-versions"))
        args = self.job(topic, "--until", "latest")
        at = args.index("sink.files.dir=" + self.out)
        args[at - 3:at + 1] = ["--sink", "kafka", "--conf", "sink.kafka.topic=" + out_topic,
                               "--conf", "sink.kafka.format=json"]
        run(args, check=EXIT_OK)
        values = kh.consume_all(out_topic, bootstrap=self.bootstrap, fmt="%s\n").splitlines()
        self.assert_matches_independent_decoding(topic, with_keys=False, got=by_position(values))

    def test_a_sink_writing_values_as_they_are_refuses_a_decoded_format(self):
        topic = self.topic("avro-raw")
        proc = run(self.job(topic, "--until", "latest", "--conf", "sink.files.format=raw"), check=2)
        self.assertIn("stream.value.format decodes records into JSON, which only its json format writes", proc.stderr)
        self.assertIn("sink.files.format=json", proc.stderr)

    def test_two_schema_versions_interleaved_in_one_topic(self):
        topic = self.topic("avro-versions")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "two-versions"))
        run(self.job(topic, "--until", "latest"), check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=False)
        ids = [e["valueSchemaId"] for e in expected]
        self.assertEqual(len(set(ids)), 2, ids)
        self.assertEqual(ids[0::2], [ids[0]] * 5)
        self.assertEqual(ids[1::2], [ids[1]] * 5)
        self.assertEqual(expected[1]["value"], {"id": 1, "item": "i1", "qty": 1})

    def test_json_schema_values_as_the_python_deserializer_reads_them(self):
        topic = self.topic("json-schema")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "json-schema"))
        args = self.job(topic, "--until", "latest")
        args[args.index("stream.value.format=avro")] = "stream.value.format=json-schema"
        run(args, check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=False, fmt="json-schema")
        self.assertEqual(len(expected), 6)
        self.assertEqual(expected[1]["value"]["sensor"], 's-1 "ü"\n')
        # The JSON text after the header is written on the line as JSON, not as a string.
        with open(glob.glob(os.path.join(self.out, "*"))[0]) as f:
            self.assertIn('"value":{"sensor":"s-0 \\"ü\\"\\n","value":0.0,"tags":[],"at":0},"valueSchemaId":',
                          f.readline())

    def protobuf_job(self, topic):
        args = self.job(topic, "--until", "latest")
        args[args.index("stream.value.format=avro")] = "stream.value.format=protobuf"
        return args

    def test_protobuf_nested_messages_oneof_repeated_maps_and_an_imported_proto(self):
        topic = self.topic("protobuf-orders")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "protobuf-orders"))
        run(self.protobuf_job(topic), check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=False, fmt="protobuf")
        self.assertEqual(len(expected), 8)
        self.assertEqual(expected[2]["value"]["voucher"], {"currency": "USD", "units": "2"})  # from common.proto
        self.assertEqual(expected[1]["value"]["card"], "4111")

    def test_protobuf_the_second_message_of_a_file_and_one_nested_in_it(self):
        topic = self.topic("protobuf-refunds")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "protobuf-refunds"))
        run(self.protobuf_job(topic), check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=False, fmt="protobuf")
        self.assertEqual(expected[0]["value"]["reason"], {"code": "damaged"})  # a Refund (indexes [1])
        self.assertEqual(expected[1]["value"], {"code": "r1", "details": ["late"]})  # a Refund.Reason ([1, 0])

    def test_protobuf_a_truncated_message(self):
        topic_for_schema = kh.unique_name("protobuf-schema")
        value = client("serialize", self.url, topic_for_schema, "protobuf-orders")[4]["value"]
        schema_id = int(value[2:10], 16)
        topic = self.topic("protobuf-truncated")
        produce(self.bootstrap, topic, [{"key": None, "value": value[:-6]}])
        proc = run(self.protobuf_job(topic), check=EXIT_KAFKA)
        self.assertIn(f"cannot decode the value of {topic} partition 0 offset 0 (schema id {schema_id}) as protobuf: "
                      f"its payload", proc.stderr)
        self.assertIn(f"is not a shop.Order message of schema id {schema_id}", proc.stderr)
        self.assertEqual(os.listdir(self.out), [])

    def test_a_schema_with_a_reference_to_another_subject(self):
        topic = self.topic("avro-reference")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "with-reference"))
        run(self.job(topic, "--until", "latest"), check=EXIT_OK)
        expected = self.assert_matches_independent_decoding(topic, with_keys=False)
        self.assertEqual(expected[0]["value"]["also"], {"com.example.Customer": {"name": "x", "vip": False}})

    def fails_on_the_fourth_record(self, prefix, bad_value_hex, *, schema_id, dataset="orders", fmt="avro"):
        """Three good records, then a bad one: exit 4 naming it, and nothing written."""
        topic = self.topic(prefix)
        good = client("serialize", self.url, topic, dataset)[:3]
        produce(self.bootstrap, topic, good + [{"key": None, "value": bad_value_hex}])
        args = self.job(topic, "--until", "latest")
        args[args.index("stream.value.format=avro")] = "stream.value.format=" + fmt
        proc = run(args, check=EXIT_KAFKA)
        self.assertIn(f"cannot decode the value of {topic} partition 0 offset 3", proc.stderr)
        if schema_id is not None:
            self.assertIn(f"(schema id {schema_id})", proc.stderr)
        self.assertIn("hint:", proc.stderr)
        self.assertEqual(os.listdir(self.out), [], "a batch with a bad record wrote files")
        return proc.stderr

    def test_a_value_without_the_magic_byte(self):
        err = self.fails_on_the_fourth_record("avro-magic", b"hello".hex(), schema_id=None)
        self.assertIn("its first byte is 104, not the magic byte 0", err)

    def test_an_unknown_schema_id(self):
        err = self.fails_on_the_fourth_record("avro-unknown", "00" + (987654).to_bytes(4, "big").hex() + "02",
                                              schema_id=987654)
        self.assertIn("has no schema id 987654", err)

    def test_a_truncated_payload(self):
        topic_for_schema = kh.unique_name("avro-schema")
        value = client("serialize", self.url, topic_for_schema, "orders")[0]["value"]
        schema_id = int(value[2:10], 16)
        err = self.fails_on_the_fourth_record("avro-truncated", value[:-4], schema_id=schema_id)
        self.assertIn(f"is not a value of schema id {schema_id}", err)

    def test_trailing_bytes_after_the_value(self):
        topic_for_schema = kh.unique_name("avro-schema")
        value = client("serialize", self.url, topic_for_schema, "orders")[0]["value"]
        err = self.fails_on_the_fourth_record("avro-trailing", value + "00", schema_id=int(value[2:10], 16))
        self.assertIn("bytes are left over", err)

    def test_json_schema_payload_that_is_not_json(self):
        topic_for_schema = kh.unique_name("json-schema")
        value = client("serialize", self.url, topic_for_schema, "json-schema")[0]["value"]
        schema_id = int(value[2:10], 16)
        err = self.fails_on_the_fourth_record("json-bad", value[:10] + b'{"sensor": '.hex(), schema_id=schema_id,
                                              dataset="json-schema", fmt="json-schema")
        self.assertIn(f"after the header of schema id {schema_id} is not JSON text", err)

    def test_a_format_other_than_the_schemas_type(self):
        topic_for_schema = kh.unique_name("json-schema")
        value = client("serialize", self.url, topic_for_schema, "json-schema")[0]["value"]
        schema_id = int(value[2:10], 16)
        err = self.fails_on_the_fourth_record("avro-not-json", value, schema_id=schema_id)
        self.assertIn(f"schema id {schema_id} is a JSON schema, not an Avro one", err)

    def test_without_a_registry_url_the_sink_refuses_to_start(self):
        topic = self.topic("avro-nourl")
        args = self.job(topic, "--until", "latest")
        at = args.index("schema.registry.url=" + self.url)
        proc = run(args[:at - 1] + args[at + 1:], check=2)
        self.assertIn("schema.registry.url is not set", proc.stderr)

    def test_basic_auth_with_the_registry_from_the_environment_and_redacted(self):
        topic = self.topic("avro-auth")
        produce(self.bootstrap, topic, client("serialize", self.url, topic, "two-versions"))
        proxy = BasicAuthProxy(self.url, "alice:s3cret pass")
        try:
            args = self.job(topic, "--until", "latest", "-v", url=proxy.url, ) + [
                "--conf", "schema.registry.basic.auth.user.info=env:SS_REGISTRY_AUTH"]
            proc = run(args, env={"SS_REGISTRY_AUTH": "alice:s3cret pass"}, check=EXIT_OK)
            self.assertNotIn("s3cret", proc.stderr + proc.stdout)
            self.assertIn("schema.registry.basic.auth.user.info = *****", proc.stderr)  # -v shows it redacted
            self.assert_matches_independent_decoding(topic, with_keys=False)
            # Two schema ids, each fetched once for the whole job.
            self.assertEqual(sorted(p for p in proxy.requests if p.startswith("/schemas/ids/")),
                             sorted({f"/schemas/ids/{i}" for i in {line["valueSchemaId"]
                                                                  for line in sink_lines(self.out).values()}}))
            shutil.rmtree(self.out)
            proc = run(args, env={"SS_REGISTRY_AUTH": "alice:wrong"}, check=EXIT_KAFKA)
            self.assertIn(f"the schema registry at {proxy.url} refused the credentials (HTTP 401)", proc.stderr)
            self.assertIn("schema.registry.basic.auth.user.info", proc.stderr)
            self.assertNotIn("wrong", proc.stderr)
        finally:
            proxy.close()

    def test_kill_minus_nine_mid_batch_then_exactly_once_with_avro_values(self):
        topic = kh.unique_name("avro-crash")
        kh.create_topic(topic, 3, bootstrap=self.bootstrap)
        records = client("serialize", self.url, topic, "many")
        produce(self.bootstrap, topic, [dict(r, partition=i % 3) for i, r in enumerate(records)])
        cp = os.path.join(self.tmp.name, "cp")
        args = self.job(topic, "--checkpoint", cp, "--batch-interval", "200ms",
                        "--conf", "stream.kafka.maxRatePerPartition=500")
        mid_write, rng = 0, random.Random(23)
        for _ in range(6):
            job = start(args, env={DELAY_ENV: "300"})  # the sink pauses mid-write: the kill lands inside a batch
            wait_for(lambda: job.poll() is not None or temp_files(self.out), timeout=60, interval=0.02,
                     what="a batch being written", jobs=[job])
            time.sleep(rng.uniform(0, 0.8))  # sometimes a batch or two later
            self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
            job.send_signal(signal.SIGKILL)
            job.wait()
            mid_write += bool(temp_files(self.out))
        self.assertGreaterEqual(mid_write, 3, f"only {mid_write} of 6 kills landed mid-write")
        final = run(args + ["--until", "latest"], check=EXIT_OK, timeout=300)
        self.assertIn("resuming from checkpoint", final.stderr)
        self.assertEqual(temp_files(self.out), [])
        expected = self.assert_matches_independent_decoding(topic, with_keys=False)  # none missing, none twice
        self.assertEqual(len(expected), 3000)

    def test_registry_killed_mid_run_cached_ids_go_on_a_new_id_fails_naming_the_url(self):
        registry = Registry()
        url = registry.start() + CCOMPAT
        try:
            topic = self.topic("avro-killed")
            orders = client("serialize", url, topic, "orders")
            other = client("serialize", url, topic, "other")  # registered now, read only after the kill
            produce(self.bootstrap, topic, orders[:2])
            job = start(self.job(topic, "--batch-interval", "300ms", "--conf", "schema.registry.request.timeout=3s",
                                 url=url))
            try:
                wait_for(lambda: len(sink_lines(self.out)) == 2, timeout=60, what="the first records", jobs=[job])
                registry.kill()
                produce(self.bootstrap, topic, orders[2:])
                wait_for(lambda: len(sink_lines(self.out)) == 5, timeout=60,
                         what="records of a cached schema id while the registry is down", jobs=[job])
                produce(self.bootstrap, topic, other)
                wait_for_exit(job, 60, "a new schema id with the registry down must stop the job")
            finally:
                if job.poll() is None:
                    job.kill()
            out, err = output_of(job)
            self.assertEqual(job.returncode, EXIT_KAFKA, err[-3000:])
            other_id = int(other[0]["value"][2:10], 16)
            self.assertIn(f"offset 5 (schema id {other_id})", err)
            self.assertIn("no schema registry answered", err)
            self.assertIn(url, err)
            self.assertEqual(sorted(sink_lines(self.out)), [(0, o) for o in range(5)])
        finally:
            registry.stop()


if __name__ == "__main__":
    main()
