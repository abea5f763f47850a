"""A new user's mistakes fail at once, or are warned about, instead of being taken silently
(issue 26): durations without a unit, starting offsets past the log end, misspelled topics in
every mode (and no topic created by reading it), keys nothing uses, `:threads` in direct mode,
and publishing a native plugin as README shows it. Against the embedded mock cluster; kcat is the
independent client that says what the brokers hold."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from streamsubmit_test import (EXIT_KAFKA, EXIT_OK, EXIT_RESOLUTION, EXIT_USAGE, MockCluster, kcat_counts, main,
                               parse_text_report, run)

sys.path.insert(0, os.path.join(os.environ["STREAMSUBMIT_SOURCE_DIR"], "tests", "resolver"))
from harness import SigningKey  # noqa: E402  (a generated OpenPGP key: native plugins load only signed)

TEST_PLUGIN_DIR = os.environ["TEST_PLUGIN_DIR"]  # set by ctest: the test plugins are required, never skipped
DURATION_HINT = "  hint: use a duration such as 500ms, 2s or 1m\n"


def broker_topics(bootstrap):
    """Every topic the brokers know, by kcat's metadata request for all topics (which cannot
    create one, unlike a request naming a topic)."""
    out = subprocess.run(["kcat", "-L", "-J", "-b", bootstrap], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return {t["topic"] for t in json.loads(out)["topics"]}


class Durations(unittest.TestCase):
    def test_a_bare_number_is_refused_for_every_duration_key(self):
        keys = [line.split(" = ")[0] for line in run(["config"], check=EXIT_OK).stdout.splitlines()]
        troff = run(["config", "--format", "troff"], check=EXIT_OK).stdout
        duration_keys = [k for k in keys if f".B {k}\n" in troff and
                         troff.split(f".B {k}\n", 1)[1].split("\n", 2)[1].startswith("(duration")]
        self.assertIn("stream.batchInterval", duration_keys)
        self.assertIn("resolver.ttl", duration_keys)
        # Brokers are given (never reached: the value is refused first) because a sink's keys are
        # checked once its plugin is loaded, after the check that brokers were given.
        for key in duration_keys:
            proc = run(["--bootstrap-servers", "127.0.0.1:9", "--topics", "orders", "--conf", f"{key}=2"],
                       check=EXIT_USAGE)
            self.assertEqual(proc.stderr, f"streamsubmit: error: invalid value for {key}: a duration needs a unit "
                                          f"('2')\n{DURATION_HINT}")
        proc = run(["resolve", "--ttl", "2", "g:a:1"], check=EXIT_USAGE)
        self.assertEqual(proc.stderr, "streamsubmit: error: invalid value for --ttl: a duration needs a unit (2)\n"
                                      f"{DURATION_HINT}")
        proc = run(["--topics", "orders", "--batch-interval", "2"], check=EXIT_USAGE)
        self.assertIn("(--batch-interval '2')", proc.stderr)
        self.assertTrue(proc.stderr.endswith(DURATION_HINT), proc.stderr)

    def test_the_documented_units_and_fractions_run_a_job(self):
        with MockCluster(topics=["orders:2"], produce=["orders:200"]) as c:
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                        "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "0.25s",
                        "--conf", "stream.stopTimeout=1.5m", "--conf", "stream.kafka.maxBatchDelay=1h",
                        "--conf", "stream.kafka.requestTimeout=10000ms", "--conf", "stream.blockInterval=0.1s",
                        "--conf", "stream.kafka.missingTopicTimeout=1min"], check=EXIT_OK)
        self.assertEqual(sum(b["records"] for b in parse_text_report(proc.stdout)), 200)


class TopicsAtStart(unittest.TestCase):
    def test_receiver_threads_in_direct_mode_are_refused(self):
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders:2"], check=EXIT_USAGE)
        self.assertIn("error: ':threads' is for receiver mode", proc.stderr)
        self.assertIn("hint: add --mode receiver (with --group) for receiver threads, or drop ':2' to read orders "
                      "in direct mode", proc.stderr)

    def test_a_misspelled_topic_fails_every_mode_and_creates_nothing(self):
        with MockCluster(topics=["orders:2"], produce=["orders:100"]) as c:
            before = broker_topics(c.bootstrap)
            self.assertIn("orders", before)
            modes = {
                "direct": [],
                "receiver": ["--mode", "receiver", "--group", "g-receiver"],
                "group": ["--group", "g-group", "--conf", "stream.kafka.coordination=group"],
                # Asking for the creation is not enough either: reading never creates a topic.
                "receiver, auto-create asked": ["--mode", "receiver", "--group", "g-receiver2",
                                                "--conf", "kafka.allow.auto.create.topics=true"],
            }
            for mode, extra in modes.items():
                with self.subTest(mode=mode):
                    proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "ordres", "--batch-interval", "200ms",
                                "--max-batches", "3"] + extra, timeout=60)
                    self.assertEqual(proc.returncode, EXIT_KAFKA, proc.stderr)
                    self.assertIn(f"topic 'ordres' does not exist on {c.bootstrap}", proc.stderr)
                    self.assertEqual(proc.stdout, "")  # not one batch
                    self.assertEqual(broker_topics(c.bootstrap), before)


class UnreachableBrokers(unittest.TestCase):
    def test_the_kafka_sink_says_it_in_streamsubmit_warnings_not_raw_librdkafka_lines(self):
        """Brokers down with --sink kafka: every librdkafka line reaches stderr through the host's
        log ("streamsubmit: warning: librdkafka FAIL ..."), each plugin's connection failure once;
        the sink's producer printed librdkafka's own "%3|...|FAIL|" lines and an ERROR per retry."""
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--sink", "kafka",
                    "--conf", "sink.kafka.topic=out", "--conf", "stream.kafka.requestTimeout=3s"], check=EXIT_KAFKA)
        self.assertIn("error: cannot reach Kafka", proc.stderr)
        self.assertNotIn("%3|", proc.stderr)
        self.assertNotIn("librdkafka ERROR", proc.stderr)
        fails = [line for line in proc.stderr.splitlines() if "librdkafka FAIL" in line]
        self.assertTrue(all(line.startswith("streamsubmit: warning: ") for line in fails), proc.stderr)
        self.assertLessEqual(len(fails), 2, proc.stderr)  # the connector's and the sink's, once each


class StartingOffsets(unittest.TestCase):
    def test_an_offset_past_the_log_end_is_refused_before_the_checkpoint_stores_it(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:1000"]) as c:
            _, ends = kcat_counts(c.bootstrap, "orders")
            cp = os.path.join(tmp, "cp")
            job = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--checkpoint", cp, "--until", "latest",
                   "--batch-interval", "100ms"]
            proc = run(job + ["--conf", 'stream.startingOffsets={"orders":{"0":99999999}}'], check=EXIT_KAFKA)
            self.assertIn("error: stream.startingOffsets is beyond the end of topic 'orders' partition 0: offset "
                          f"99999999 requested, the latest offset is {ends[0]} (orders-0)", proc.stderr)
            self.assertIn(f"hint: start at an offset up to {ends[0]}", proc.stderr)
            batches = os.path.join(cp, "batches")
            self.assertEqual(os.listdir(batches) if os.path.isdir(batches) else [], [])
            # Nothing was stored: the same checkpoint starts where the corrected option says.
            proc = run(job + ["--conf", "stream.startingOffsets=" + json.dumps({"orders": {"0": 10, "1": -2}})],
                       check=EXIT_OK)
        starts = {}
        for b in parse_text_report(proc.stdout):
            for _, p, frm, _ in b["ranges"]:
                starts.setdefault(p, frm)
        self.assertEqual(starts, {0: 10, 1: 0})


class UnusedKeys(unittest.TestCase):
    def test_keys_of_another_sink_and_app_keys_without_an_application_are_named(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                        "--conf", "kafka.auto.offset.reset=earliest", "--sink", "exec",
                        "--conf", "sink.exec.command=cat >/dev/null", "--conf", "sink.files.dir=" + tmp,
                        "--conf", "app.window=5"], check=EXIT_OK)
            self.assertEqual(os.listdir(tmp), [])  # the files sink did not run
        self.assertIn("streamsubmit: warning: sink.files.dir is set but the sink is 'exec'; it is used by --sink "
                      "files\n", proc.stderr)
        self.assertIn("streamsubmit: warning: app.window is set but the job has no application (--sink exec runs "
                      "instead); app.* keys go to the application given after the options", proc.stderr)
        self.assertNotIn("sink.exec.command is set", proc.stderr)

    def test_an_application_that_declares_no_keys_takes_every_app_key_silently(self):
        with MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                        "--conf", "app.window=5", "--conf", "sink.files.dir=/nonexistent",
                        os.path.join(TEST_PLUGIN_DIR, "test-noop_app.so")], check=EXIT_OK)
        self.assertNotIn("app.window", proc.stderr)
        self.assertIn("warning: sink.files.dir is set but the job runs the application 'noop-app', not a sink; it "
                      "is used by --sink files", proc.stderr)


    def test_an_app_key_the_application_does_not_declare_is_refused(self):
        """Stricter than a warning, as for a sink's keys: the application's table is the contract."""
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--conf", "app.windw=5",
                    os.path.join(TEST_PLUGIN_DIR, "test-recorder_app.so")], check=EXIT_USAGE)
        self.assertIn("error: unknown configuration key (app.windw)", proc.stderr)
        self.assertIn("hint: the keys under app. are: app.dir", proc.stderr)


class JsonEnvelope(unittest.TestCase):
    def test_each_record_carries_its_timestamp_and_type_as_kcat_reads_them(self):
        """README promises the timestamp's type in the files sink's JSON (and so the exec and
        kafka sinks' json format): named as Kafka names it, the same as kcat -J's tstype."""
        kcat_names = {"create": "CreateTime", "logappend": "LogAppendTime", "none": "NoTimestampType"}
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:50"]) as c:
            run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                 "--conf", "kafka.auto.offset.reset=earliest", "--sink", "files", "--conf", "sink.files.dir=" + tmp],
                check=EXIT_OK)
            out = subprocess.run(["kcat", "-C", "-b", c.bootstrap, "-t", "orders", "-o", "beginning", "-e", "-q",
                                  "-J"], capture_output=True, text=True, timeout=60, check=True).stdout
            expected = {(d["partition"], d["offset"]): (d["ts"], kcat_names[d["tstype"]])
                        for d in map(json.loads, out.splitlines())}
            got = {}
            for name in os.listdir(tmp):
                with open(os.path.join(tmp, name)) as f:
                    for doc in map(json.loads, f.read().splitlines()):
                        self.assertEqual(list(doc)[:5], ["topic", "partition", "offset", "timestamp", "timestampType"])
                        got[(doc["partition"], doc["offset"])] = (doc["timestamp"], doc["timestampType"])
        self.assertEqual(len(expected), 50)
        self.assertEqual(got, expected)


class Publish(unittest.TestCase):
    """README's publish command, word for word, signed as README says (native plugins load only
    when signed by a trusted key)."""

    @classmethod
    def setUpClass(cls):
        cls.key = SigningKey("user mistakes publisher")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="streamsubmit-publish-")
        self.env = {"HOME": self.tmp, "STREAMSUBMIT_CACHE": os.path.join(self.tmp, "cache"),
                    "GNUPGHOME": self.key.home}
        self.url = "file://" + os.path.join(self.tmp, "repo")
        self.trust = ["--conf", "resolver.trustedKeys=" + self.key.public]
        self.cwd = os.getcwd()
        os.chdir(self.tmp)  # README's --file app.so is in the current directory
        shutil.copy(os.path.join(TEST_PLUGIN_DIR, "test-noop_app.so"), "app.so")

    def tearDown(self):
        os.chdir(self.cwd)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def publish(self, *extra, check):
        # README's command: --repository URL --file app.so --coordinates g:a:v --sign KEY
        return run(["publish", "--repository", self.url, "--file", "app.so", "--coordinates", "g:a:v",
                    "--sign", self.key.fingerprint] + list(extra), env=self.env, check=check)

    def test_readme_example_publishes_for_this_platform_and_the_job_resolves_it(self):
        proc = self.publish(check=EXIT_OK)
        self.assertRegex(proc.stderr, r"app\.so is a native plugin: publishing it for this platform, as "
                                      r"g:a:v:(linux-[a-z0-9_]+) ")
        classifier = proc.stderr.split("as g:a:v:", 1)[1].split(" ", 1)[0]
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "repo", "g", "a", "v", f"a-v-{classifier}.so")))
        resolved = run(["resolve", "g:a:v", "--repositories", self.url, "--default-repositories", "",
                        "--no-local-repository"] + self.trust, env=self.env, check=EXIT_OK)
        self.assertTrue(resolved.stdout.startswith(f"g:a:so:{classifier}:v:compile -- "), resolved.stdout)
        with MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            job = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                       "--conf", "kafka.auto.offset.reset=earliest", "--repositories", self.url,
                       "--conf", "resolver.repositories=" + self.url] + self.trust + ["g:a:v"],
                      env=self.env, check=EXIT_OK)
        self.assertEqual(sum(b["records"] for b in parse_text_report(job.stdout)), 10)

    def test_a_published_release_is_replaced_only_with_force(self):
        self.publish(check=EXIT_OK)
        path = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(self.tmp, "repo")) for f in fs
                if f.endswith(".so")][0]
        with open(path, "rb") as f:
            first = f.read()
        with open("app.so", "ab") as f:
            f.write(b"rebuilt")
        proc = self.publish(check=EXIT_RESOLUTION)
        self.assertIn("error: g:a:v:", proc.stderr)
        self.assertIn("is already published: a release does not change once published", proc.stderr)
        self.assertIn("hint: publish a new version, or add --force to replace it", proc.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), first)  # untouched
        self.publish("--force", check=EXIT_OK)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), first + b"rebuilt")


if __name__ == "__main__":
    main()
