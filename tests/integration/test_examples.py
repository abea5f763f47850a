"""examples/ as a user meets them: `cmake --install` into a temp prefix, each example built out
of tree against it (count-by-key and lines-sink with find_package, grep-to-files with pkg-config alone),
published with `streamsubmit publish` into a Maven repository on 127.0.0.1, and run by its
coordinates on the embedded mock cluster by the installed binary; the Python examples
(examples/python) run by the installed binary and its python plugin. What each application wrote
is compared with what kcat (an independent client) reads from the topic."""
import collections
import glob
import json
import os
import re
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

from streamsubmit_test import EXIT_OK, MockCluster, main

BUILD = os.environ["STREAMSUBMIT_BUILD_DIR"]
SOURCE_DIR = os.environ["STREAMSUBMIT_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "resolver"))
import repo_server  # noqa: E402  (a Maven repository on 127.0.0.1; PUT stores what publish sends)
from harness import SigningKey  # noqa: E402  (a generated OpenPGP key: the examples are published signed)


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600, check=True, **kw)


# Native artifacts are published per platform (classifier linux-x86_64, as scripts/publish-plugins does).
PLATFORM = "%s-%s" % (platform.system().lower(), {"amd64": "x86_64", "aarch64": "aarch_64", "arm64": "aarch_64"}
                      .get(platform.machine().lower(), platform.machine().lower()))


def kcat_records(bootstrap, topic):
    """(partition, offset, key, value) of every record, read by kcat."""
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%p %o %k %s\n"], capture_output=True, text=True, timeout=120, check=True).stdout
    records = []
    for line in out.splitlines():
        p, o, k, v = line.split(" ", 3)
        records.append((int(p), int(o), k, v))
    return records


class Examples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="examples-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        sh("cmake", "--install", BUILD, "--prefix", cls.prefix)
        cls.bin = os.path.join(cls.prefix, "bin", "streamsubmit")
        os.makedirs(os.path.join(cls.tmp, "repo"))
        cls.server, cls.repo, cls.url = repo_server.start(os.path.join(cls.tmp, "repo"))
        cls.env = {k: v for k, v in os.environ.items() if k != "STREAMSUBMIT_PLUGIN_DIR"}
        cls.env["STREAMSUBMIT_CACHE"] = os.path.join(cls.tmp, "cache")
        cls.env["HOME"] = cls.tmp  # no ~/.m2 of the machine in the way
        cls.key = SigningKey("examples publisher")  # native applications and plugins load only when signed
        cls.trust = ["--conf", "resolver.trustedKeys=" + cls.key.public]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.key.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def publish(self, so, coordinates):
        sh(self.bin, "publish", "--repository", self.url, "--file", so, "--coordinates", f"{coordinates}:{PLATFORM}",
           "--sign", self.key.fingerprint, env=dict(self.env, GNUPGHOME=self.key.home))

    def run_job(self, bootstrap, topic, checkpoint, *application_and_args):
        """The installed binary, the application (coordinates, or a .py file, after any options
        of its own) as the primary resource."""
        job = subprocess.run([self.bin, "--bootstrap-servers", bootstrap, "--topics", topic, "--until", "latest",
                              "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "500ms",
                              "--conf", "stream.kafka.maxRatePerPartition=2000", "--checkpoint", checkpoint,
                              "--repositories", self.url, "--conf", "resolver.repositories=" + self.url,
                              *self.trust, *application_and_args],
                             capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(job.returncode, EXIT_OK, job.stderr[-3000:])
        self.assertRegex(job.stdout, r"(?m)^batch \d+ ")
        return job

    def cmake_example(self, name):
        """examples/NAME built with cmake against the installed SDK (once per class): NAME.so."""
        build = os.path.join(self.tmp, name)
        so = os.path.join(build, name + ".so")
        if not os.path.exists(so):
            sh("cmake", "-S", os.path.join(SOURCE_DIR, "examples", name), "-B", build,
               "-DCMAKE_PREFIX_PATH=" + self.prefix)
            sh("cmake", "--build", build)
        return so

    def count_by_key(self):
        return self.cmake_example("count-by-key")

    def sink_job(self, bootstrap, *conf):
        """The installed binary with the lines sink from --packages (the host knows nothing of it)."""
        args = [self.bin, "--bootstrap-servers", bootstrap, "--topics", "words", "--until", "latest",
                "--conf", "kafka.auto.offset.reset=earliest", "--repositories", self.url,
                "--conf", "resolver.repositories=" + self.url,
                "--packages", "io.streamsubmit.examples:lines-sink:1.0.0", "--sink", "lines", *self.trust]
        for c in conf:
            args += ["--conf", c]
        return subprocess.run(args, capture_output=True, text=True, timeout=300, env=self.env)

    def assert_counts_match_kcat(self, counts_file, records):
        expected = collections.Counter()
        expected_bytes = collections.Counter()
        for _, _, key, value in records:
            expected[key] += 1
            expected_bytes[key] += len(value.encode())
        with open(counts_file) as f:
            header, *lines = f.read().splitlines()
        self.assertRegex(header, r"^batch \d+$")
        got, got_bytes = {}, {}
        for line in lines:
            n, b, key = line.split(" ", 2)
            got[key], got_bytes[key] = int(n), int(b)
        self.assertEqual(got, dict(expected))
        self.assertEqual(got_bytes, dict(expected_bytes))

    def test_c_application_built_with_cmake_counts_every_record_once(self):
        self.publish(self.count_by_key(), "io.streamsubmit.examples:count-by-key:1.0.0")

        counts_file = os.path.join(self.tmp, "counts.txt")
        checkpoint = os.path.join(self.tmp, "count-checkpoint")
        with MockCluster(brokers=1, topics=["counted:3"], produce=["counted:3000"], value_bytes=20) as cluster:
            self.run_job(cluster.bootstrap, "counted", checkpoint, "io.streamsubmit.examples:count-by-key:1.0.0",
                         counts_file)
            cluster.command("produce counted 1500")  # keys repeat: key-0.. again
            self.run_job(cluster.bootstrap, "counted", checkpoint, "io.streamsubmit.examples:count-by-key:1.0.0",
                         counts_file)
            records = kcat_records(cluster.bootstrap, "counted")
        self.assertEqual(len(records), 4500)
        self.assert_counts_match_kcat(counts_file, records)

    def test_c_application_counts_each_record_once_across_kills_after_its_commit(self):
        """kill -9 after count-by-key committed a batch (its counts file names the batch) and before
        the checkpoint marked it complete: the restart re-runs that batch with the same id, which
        the application must not count again (kill_after_commits). Then the counts equal kcat's."""
        counts_file = os.path.join(self.tmp, "killed-counts.txt")

        def applied(path):
            with open(path) as f:
                return int(f.readline().split()[1])
        records = self.kill_after_commits("killed", self.count_by_key(), counts_file, applied)
        self.assert_counts_match_kcat(counts_file, records)

    def kill_after_commits(self, topic, application, counts_file, applied, *app_conf):
        """Runs APPLICATION COUNTS_FILE over 6000 records with 3 kill -9 after the application
        committed a batch and before the checkpoint marked it complete
        (STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS holds the job there), each asserted to land
        there (applied(COUNTS_FILE) names the batch; the checkpoint has it planned), then a last
        run to the end. Returns kcat's records."""
        checkpoint = os.path.join(self.tmp, topic + "-checkpoint")
        with MockCluster(brokers=1, topics=[topic + ":3"], produce=[topic + ":6000"], value_bytes=20) as cluster:
            args = [self.bin, "--bootstrap-servers", cluster.bootstrap, "--topics", topic, "--until", "latest",
                    "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "500ms",
                    "--conf", "stream.kafka.maxRatePerPartition=400", "--checkpoint", checkpoint,
                    *app_conf, application, counts_file]
            killed = -1
            for _ in range(3):
                with tempfile.TemporaryFile(mode="w+") as err:
                    job = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, text=True,
                                           env=dict(self.env, STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS="60000"))
                    held, deadline = None, time.monotonic() + 120
                    while held is None and time.monotonic() < deadline and job.poll() is None:
                        err.seek(0)
                        ids = [int(b) for b in re.findall(r"test hook: batch (\d+) was output", err.read())]
                        held = next((b for b in ids if b > killed), None)
                        time.sleep(0.05)
                    job.kill()
                    job.wait()
                    err.seek(0)
                    self.assertIsNotNone(held, "no new batch reached the pause before the kill\n" + err.read()[-3000:])
                killed = held
                # The kill landed where it matters: the application has the batch, the checkpoint does not.
                self.assertEqual(applied(counts_file), held)
                batches = os.path.join(checkpoint, "batches")
                with open(os.path.join(batches, sorted(os.listdir(batches))[-1])) as f:
                    last = json.load(f)
                self.assertEqual((last["batch"], last["status"]), (held, "planned"))
            final = subprocess.run(args, capture_output=True, text=True, timeout=300, env=self.env)
            self.assertEqual(final.returncode, EXIT_OK, final.stderr[-3000:])
            records = kcat_records(cluster.bootstrap, topic)
        self.assertEqual(len(records), 6000)
        return records

    def test_python_count_by_key_counts_each_record_once_across_kills_after_its_commit(self):
        """examples/python/count_by_key.py run by the installed binary (its python plugin), with
        the same kills as the C example's; its JSON counts equal kcat's, in records and value bytes."""
        counts_file = os.path.join(self.tmp, "py-counts.json")

        def applied(path):
            with open(path) as f:
                return json.load(f)["batch"]
        records = self.kill_after_commits("pycounted", os.path.join(SOURCE_DIR, "examples", "python", "count_by_key.py"),
                                          counts_file, applied)
        expected = {}
        for _, _, key, value in records:
            e = expected.setdefault(key, [0, 0])
            e[0] += 1
            e[1] += len(value.encode())
        with open(counts_file) as f:
            self.assertEqual(json.load(f)["counts"], expected)

    def test_python_to_sqlite_stores_every_record_as_kcat_reads_it(self):
        """examples/python/to_sqlite.py run by the installed binary twice (more records between the
        runs, the second resuming from the offsets in its own table): every record once, byte for
        byte as kcat reads it."""
        db = os.path.join(self.tmp, "records.db")
        example = os.path.join(SOURCE_DIR, "examples", "python", "to_sqlite.py")
        with MockCluster(brokers=1, topics=["stored:3"], produce=["stored:2000"], value_bytes=30) as cluster:
            args = ["--conf", "app.python.keyDecoder=bytes", "--conf", "app.python.valueDecoder=bytes"]
            self.run_job(cluster.bootstrap, "stored", os.path.join(self.tmp, "sqlite-checkpoint"), *args, example, db)
            cluster.command("produce stored 1000")
            # a new checkpoint: the offsets the example keeps in its table say where to resume
            second = self.run_job(cluster.bootstrap, "stored", os.path.join(self.tmp, "sqlite-checkpoint2"), *args,
                                  example, db)
            self.assertRegex(second.stderr, r"continues stored-\d at offset \d+ \(its own progress")
            out = subprocess.run(["kcat", "-C", "-b", cluster.bootstrap, "-t", "stored", "-o", "beginning", "-e", "-q",
                                  "-f", "%p\t%o\t%k\t%s\n"], capture_output=True, timeout=120, check=True).stdout
        want = sorted(("stored", int(p), int(o), k, v) for p, o, k, v in
                      (line.split(b"\t", 3) for line in out.split(b"\n") if line))
        conn = sqlite3.connect(db)
        got = sorted((t, p, o, bytes(k), bytes(v)) for t, p, o, k, v in conn.execute("SELECT * FROM records"))
        conn.close()
        self.assertEqual(len(want), 3000)
        self.assertEqual(got, want)

    def test_cpp_application_built_with_pkg_config_writes_the_matching_records(self):
        pcs = glob.glob(os.path.join(self.prefix, "lib*", "**", "pkgconfig", "streamsubmit.pc"), recursive=True)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
        cflags = sh("pkg-config", "--cflags", "streamsubmit", env=env).stdout.split()
        so = os.path.join(self.tmp, "grep-to-files.so")
        sh("c++", "-std=c++17", "-O2", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", *cflags,
           os.path.join(SOURCE_DIR, "examples", "grep-to-files", "grep_to_files.cpp"), "-o", so)
        self.publish(so, "io.streamsubmit.examples:grep-to-files:1.0.0")

        out_dir = os.path.join(self.tmp, "grep-out")
        os.makedirs(out_dir)
        with MockCluster(brokers=1, topics=["grepped:2"], produce=["grepped:2000"], value_bytes=12) as cluster:
            job = self.run_job(cluster.bootstrap, "grepped", os.path.join(self.tmp, "grep-checkpoint"),
                               "io.streamsubmit.examples:grep-to-files:1.0.0", "7v", out_dir)
            records = kcat_records(cluster.bootstrap, "grepped")
        expected = sorted((p, o, v) for p, o, _, v in records if "7v" in v)
        self.assertGreater(len(expected), 100)
        got = []
        for name in os.listdir(out_dir):
            self.assertRegex(name, r"^batch-\d+\.txt$")  # no temporary file left behind
            with open(os.path.join(out_dir, name)) as f:
                for line in f.read().splitlines():
                    topic, p, o, v = line.split(" ", 3)
                    self.assertEqual(topic, "grepped")
                    got.append((int(p), int(o), v))
        self.assertEqual(sorted(got), expected)
        self.assertEqual(len(got), len(set(got)))
        self.assertGreater(len(os.listdir(out_dir)), 1, job.stdout)  # several batches, each its own file

    def test_sink_from_packages_is_configured_by_the_keys_it_declares(self):
        """A sink written outside the tree (examples/lines-sink), built against the installed SDK and
        published to a repository on 127.0.0.1, runs with --packages and --sink lines, configured
        by its own sink.lines.* keys: the host checks them against the sink's declaration and fills
        in its defaults. Its file is compared with what kcat reads."""
        self.publish(self.cmake_example("lines-sink"), "io.streamsubmit.examples:lines-sink:1.0.0")
        out = os.path.join(self.tmp, "lines.txt")
        with MockCluster(brokers=1, topics=["words:2"], produce=["words:400"], value_bytes=12) as cluster:
            job = self.sink_job(cluster.bootstrap, "sink.lines.path=" + out, "sink.lines.prefix=>",
                                "sink.lines.uppercase=true")
            self.assertEqual(job.returncode, EXIT_OK, job.stderr[-3000:])
            records = kcat_records(cluster.bootstrap, "words")
            with open(out) as f:
                lines = f.read().splitlines()
            self.assertEqual(len(records), 400)
            self.assertEqual(sorted(lines), sorted(f"words {p} {o} >{v.upper()}" for p, o, _, v in records))

            # The sink's declaration decides what the host accepts, before the sink is created.
            typo = self.sink_job(cluster.bootstrap, "sink.lines.pth=" + out)
            self.assertEqual(typo.returncode, 2, typo.stderr)
            self.assertIn("unknown configuration key", typo.stderr)
            self.assertIn("did you mean sink.lines.path?", typo.stderr)
            missing = self.sink_job(cluster.bootstrap)
            self.assertEqual(missing.returncode, 2, missing.stderr)
            self.assertIn("sink.lines.path is required", missing.stderr)
            wrong_type = self.sink_job(cluster.bootstrap, "sink.lines.path=" + out, "sink.lines.uppercase=maybe")
            self.assertEqual(wrong_type.returncode, 2, wrong_type.stderr)
            self.assertIn("invalid value for sink.lines.uppercase", wrong_type.stderr)
            with open(out) as f:
                self.assertEqual(len(f.read().splitlines()), 400)  # the refused runs wrote nothing


if __name__ == "__main__":
    main()
