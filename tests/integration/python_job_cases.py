"""The cases of Python jobs (`streamsubmit [options] job.py [args]`), run against any cluster:
test_python_mock.py runs them on the embedded mock cluster, test_python_kafka.py on a real
broker. What the job receives is compared byte for byte with what kcat reads; decoders,
exceptions (exit 8, traceback, restart completes), --py-files (.py and .zip), virtual
environments (a pip-installed package imported; another Python's venv refused, exit 3) and a
job and its --py-files by coordinates from a signed loopback Maven repository.

A test class mixes PythonJobCases (or PythonJobByCoordinatesCases) into a TestCase and gives
`topic(name, partitions, records)`: a context manager yielding (bootstrap, topic) for a fresh
topic of that many partitions holding that many records."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile

from streamsubmit_test import EXIT_APPLICATION, EXIT_OK, EXIT_PLUGIN, BIN, run

sys.path.insert(0, os.path.join(os.environ["STREAMSUBMIT_SOURCE_DIR"], "tests", "resolver"))
import repo_server  # noqa: E402  (a Maven repository on 127.0.0.1; PUT stores what publish sends)
from harness import SigningKey  # noqa: E402  (a generated OpenPGP key: code from a repository loads only signed)

# Writes "partition offset key value\n" per record, as kcat -f '%p %o %k %s\n' does; bytes
# values are written as they are, str ones as UTF-8.
DUMP = textwrap.dedent("""
    import builtins
    OUT = None
    def as_bytes(x):
        if x is None: return b""
        if isinstance(x, bytes): return x
        return str(x).encode()
    def line(r):
        return b"%d %d " % (r.partition, r.offset) + as_bytes(r.key) + b" " + as_bytes(r.value) + b"\\n"
""")

FOREACH_JOB = DUMP + textwrap.dedent("""
    def open(args, conf):
        global OUT
        OUT = args[0]
    def foreach_batch(batch, records):
        assert [type(r).__name__ for r in records[:1]] in ([], ["Record"])
        with builtins.open(OUT, "ab") as f:
            f.write(b"".join(line(r) for r in records))
""")

# The partitioned form: process writes one file per range; commit appends them in range order.
PARTITIONED_JOB = DUMP + textwrap.dedent("""
    import os, streamsubmit
    pending = {}
    def open(args, conf):
        global OUT
        OUT = args[0]
    def process(batch, rng, records):
        assert isinstance(rng, streamsubmit.OffsetRange)
        assert records[0].offset == rng.fromOffset and records[-1].offset == rng.untilOffset - 1
        if os.environ.get("FAIL_IN") == "process" and not os.path.exists(OUT + ".failed"):
            builtins.open(OUT + ".failed", "w").close()
            raise ValueError("planned failure in process")
        pending[(rng.topic, rng.partition)] = b"".join(line(r) for r in records)
    def commit(batch):
        if os.environ.get("FAIL_IN") == "commit" and not os.path.exists(OUT + ".failed"):
            builtins.open(OUT + ".failed", "w").close()
            raise RuntimeError("planned failure in commit")
        with builtins.open(OUT, "ab") as f:
            for r in batch.ranges:
                f.write(pending.pop((r.topic, r.partition), b""))
    def abort(batch):
        pending.clear()
        with builtins.open(OUT + ".aborted", "a") as f:
            f.write("%d\\n" % batch.id)
""")


def kcat_lines(bootstrap, topic):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%p %o %k %s\n"], capture_output=True, timeout=120, check=True).stdout
    return sorted(out.splitlines(keepends=True), key=lambda l: tuple(map(int, l.split(b" ", 2)[:2])))


def sorted_lines(path):
    with open(path, "rb") as f:
        return sorted(f.read().splitlines(keepends=True), key=lambda l: tuple(map(int, l.split(b" ", 2)[:2])))


def produce(bootstrap, topic, values):
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-K", "\t", "-D", "\n"],
                   input=b"".join(b"k\t" + v + b"\n" for v in values), check=True, timeout=60)


class PythonJobCases:
    """Mixed into a TestCase that defines topic(name, partitions, records)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def job(self, bootstrap, topic, *extra):
        return ["--bootstrap-servers", bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--batch-interval", "200ms", "--until", "latest", "--checkpoint", os.path.join(self.dir, "cp")] + list(extra)

    def test_foreach_batch_gets_every_record_as_kcat_reads_it(self):
        script = self.write("job.py", FOREACH_JOB)
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 3, 5000) as (bootstrap, topic):
            run(self.job(bootstrap, topic, "--conf", "stream.kafka.maxOffsetsPerBatch=1000", script, out),
                check=EXIT_OK)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(len(want), 5000)
        self.assertEqual(sorted_lines(out), want)

    def test_partitioned_form_on_two_reader_threads_with_bytes(self):
        script = self.write("job.py", PARTITIONED_JOB)
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 4, 4000) as (bootstrap, topic):
            run(self.job(bootstrap, topic, "--master", "local[2]", "--conf", "app.python.valueDecoder=bytes",
                         "--conf", "app.python.keyDecoder=bytes", script, out), check=EXIT_OK)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(len(want), 4000)
        self.assertEqual(sorted_lines(out), want)

    def assert_failure_then_restart(self, where):
        script = self.write("job.py", PARTITIONED_JOB)
        out = os.path.join(self.dir, "out")
        env = {"FAIL_IN": where}
        with self.topic("orders", 2, 600) as (bootstrap, topic):
            args = self.job(bootstrap, topic, script, out)
            failed = run(args, check=EXIT_APPLICATION, env=env)
            self.assertIn("Traceback (most recent call last)", failed.stderr)
            self.assertIn("planned failure in " + where, failed.stderr)
            self.assertIn("batch 0", failed.stderr)
            if where == "process":
                self.assertRegex(failed.stderr, r"range %s-\d \[0, \d+\)" % re.escape(topic))
            with open(out + ".aborted") as f:
                self.assertEqual(f.read(), "0\n")
            run(args, check=EXIT_OK, env=env)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(sorted_lines(out), want)

    def test_exception_in_process_fails_the_batch_and_a_restart_completes(self):
        self.assert_failure_then_restart("process")

    def test_exception_in_commit_fails_the_batch_and_a_restart_completes(self):
        self.assert_failure_then_restart("commit")

    def test_non_utf8_value_is_an_error_naming_its_offset(self):
        script = self.write("job.py", FOREACH_JOB)
        with self.topic("raw", 1, 0) as (bootstrap, topic):
            produce(bootstrap, topic, [b"fine", b"caf\xe9", b"after"])
            proc = run(self.job(bootstrap, topic, script, os.path.join(self.dir, "out")), check=EXIT_APPLICATION)
        self.assertIn("cannot decode the value of %s-0 at offset 1 with decoder utf8" % topic, proc.stderr)
        self.assertIn("hint:", proc.stderr)

    def test_bytes_decoder_gives_the_bytes_as_kcat_reads_them(self):
        script = self.write("job.py", FOREACH_JOB)
        out = os.path.join(self.dir, "out")
        values = [b"caf\xe9", b"\x00\xff\xfe binary", b"plain"]
        with self.topic("raw", 1, 0) as (bootstrap, topic):
            produce(bootstrap, topic, values)
            run(self.job(bootstrap, topic, "--conf", "app.python.valueDecoder=bytes", script, out), check=EXIT_OK)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(sorted_lines(out), want)
        self.assertEqual(len(want), 3)

    def test_json_and_custom_decoders_from_py_files(self):
        with zipfile.ZipFile(os.path.join(self.dir, "lib.zip"), "w") as z:
            z.writestr("ziplib/__init__.py", "SUFFIX = '!'\n")
        job = DUMP + textwrap.dedent("""
            import ziplib
            def open(args, conf):
                global OUT
                OUT = args[0]
            def foreach_batch(batch, records):
                with builtins.open(OUT, "a") as f:
                    for r in records:
                        f.write("%s %r%s\\n" % (r.key, r.value, ziplib.SUFFIX))
        """)
        lib = os.path.join(self.dir, "lib")
        os.mkdir(lib)
        with open(os.path.join(lib, "decoders.py"), "w") as f:
            f.write("def upper(b):\n    return b.decode().upper()\n")
        script = self.write("job.py", job)
        out = os.path.join(self.dir, "out")
        with self.topic("docs", 1, 0) as (bootstrap, topic):
            produce(bootstrap, topic, [b'{"n": 1}', b'[1, "x"]'])
            run(self.job(bootstrap, topic, "--py-files",
                         os.path.join(lib, "decoders.py") + "," + os.path.join(self.dir, "lib.zip"),
                         "--conf", "app.python.keyDecoder=decoders:upper", "--conf", "app.python.valueDecoder=json",
                         script, out), check=EXIT_OK)
        with open(out) as f:
            self.assertEqual(f.read(), "K {'n': 1}!\nK [1, 'x']!\n")

    def test_venv_with_a_pip_installed_package(self):
        venv = os.path.join(self.dir, "venv")
        subprocess.run(["/usr/bin/python3", "-m", "venv", venv], check=True, timeout=120)
        pkg = os.path.join(self.dir, "pkg")
        os.makedirs(os.path.join(pkg, "tinypkg"))
        self.write("pkg/tinypkg/__init__.py", "GREETING = 'hello from pip'\n")
        self.write("pkg/setup.py", "from setuptools import setup\nsetup(name='tinypkg', version='1.0', packages=['tinypkg'])\n")
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "--no-index", "--no-use-pep517", pkg],
                       check=True, timeout=300, capture_output=True)
        script = self.write("job.py", textwrap.dedent("""
            import builtins, sys, tinypkg
            def foreach_batch(batch, records):
                with builtins.open(sys.argv[1], "a") as f:
                    f.write("%s %d\\n" % (tinypkg.GREETING, len(records)))
        """))
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 1, 10) as (bootstrap, topic):
            run(self.job(bootstrap, topic, "--conf", "app.python.venv=" + venv, script, out), check=EXIT_OK)
            self.assertNotEqual(run(self.job(bootstrap, topic, script, out + "2"),
                                    env={"VIRTUAL_ENV": ""}).returncode, EXIT_OK)  # without it: no tinypkg
        with open(out) as f:
            self.assertEqual(f.read(), "hello from pip 10\n")

    def test_venv_of_another_python_is_refused_naming_both_versions(self):
        venv = os.path.join(self.dir, "venv")
        others = sorted(glob.glob("/root/.pyenv/versions/3.1[02]*/bin/python3"))
        if others:
            subprocess.run([others[0], "-m", "venv", "--without-pip", venv], check=True, timeout=120)
        else:  # the check reads pyvenv.cfg, as Python's own site module does
            os.makedirs(venv)
            self.write("venv/pyvenv.cfg", "home = /opt/python3.12/bin\nversion = 3.12.1\n")
        with open(os.path.join(venv, "pyvenv.cfg")) as f:
            version = [l.split("=")[1].strip() for l in f if l.startswith("version")][0]
        script = self.write("job.py", "def foreach_batch(batch, records):\n    pass\n")
        with self.topic("orders", 1, 1) as (bootstrap, topic):
            proc = run(self.job(bootstrap, topic, script), env={"VIRTUAL_ENV": venv}, check=EXIT_PLUGIN)
        self.assertIn("Python " + version, proc.stderr)
        self.assertIn("Python 3.11", proc.stderr)

    def test_exception_in_a_decoder_fails_the_batch_and_a_restart_completes(self):
        lib = os.path.join(self.dir, "lib")
        os.mkdir(lib)
        with open(os.path.join(lib, "picky.py"), "w") as f:
            f.write(textwrap.dedent("""
                import os, sys
                def decode(b):
                    flag = sys.argv[1] + ".failed"
                    if b.startswith(b"%s") and not os.path.exists(flag):
                        open(flag, "w").close()
                        raise ValueError("picky refuses " + b[:6].decode())
                    return b.decode()
            """ % self.picky_prefix))
        script = self.write("job.py", FOREACH_JOB)
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 2, 400) as (bootstrap, topic):
            args = self.job(bootstrap, topic, "--py-files", os.path.join(lib, "picky.py"),
                            "--conf", "app.python.valueDecoder=picky:decode", script, out)
            failed = run(args, check=EXIT_APPLICATION)
            self.assertRegex(failed.stderr, r"cannot decode the value of %s-\d at offset \d+ with decoder "
                                            r"picky:decode: picky refuses %s" % (re.escape(topic), self.picky_prefix))
            self.assertIn("Traceback (most recent call last)", failed.stderr)
            self.assertFalse(os.path.exists(out), "no record of the failed batch reached the job")
            run(args, check=EXIT_OK)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(sorted_lines(out), want)


class PythonJobByCoordinatesCases:
    """The job and a --py-files entry published signed to a loopback repository, given by
    coordinates. Mixed into a TestCase that defines topic(name, partitions, records)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="python-coords-")
        os.makedirs(os.path.join(self.tmp, "repo"))
        self.server, _, self.url = repo_server.start(os.path.join(self.tmp, "repo"))
        self.key = SigningKey("python job publisher")
        self.env = {"STREAMSUBMIT_CACHE": os.path.join(self.tmp, "cache"), "HOME": self.tmp}

    def tearDown(self):
        self.server.shutdown()
        self.key.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def publish(self, path, coordinates, sign=True):
        args = [BIN, "publish", "--repository", self.url, "--file", path, "--coordinates", coordinates]
        if sign:
            args += ["--sign", self.key.fingerprint]
        subprocess.run(args, check=True, capture_output=True, timeout=120,
                       env=dict(os.environ, GNUPGHOME=self.key.home, **self.env))

    def job(self, bootstrap, topic, *rest):
        return ["--bootstrap-servers", bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--until", "latest", "--repositories", self.url, "--conf", "resolver.trustedKeys=" + self.key.public,
                "--checkpoint", os.path.join(self.tmp, "cp")] + list(rest)

    def test_job_and_py_files_from_a_signed_repository(self):
        lib_dir = os.path.join(self.tmp, "src")
        os.makedirs(lib_dir)
        with open(os.path.join(lib_dir, "fmt_line.py"), "w") as f:
            f.write("def fmt(r):\n    return '%d %d %s %s\\n' % (r.partition, r.offset, r.key, r.value)\n")
        job = os.path.join(lib_dir, "dump.py")
        with open(job, "w") as f:
            f.write("import builtins, sys, fmt_line\n"
                    "def foreach_batch(batch, records):\n"
                    "    with builtins.open(sys.argv[1], 'a') as f:\n"
                    "        f.write(''.join(fmt_line.fmt(r) for r in records))\n")
        self.publish(job, "io.example.jobs:dump:1.0.0")
        self.publish(os.path.join(lib_dir, "fmt_line.py"), "io.example.jobs:fmt-line:1.0.0")
        out = os.path.join(self.tmp, "out")
        with self.topic("orders", 2, 500) as (bootstrap, topic):
            run(self.job(bootstrap, topic, "--py-files", "io.example.jobs:fmt-line:1.0.0", "io.example.jobs:dump:1.0.0",
                         out), check=EXIT_OK, env=self.env)
            want = kcat_lines(bootstrap, topic)
        self.assertEqual(len(want), 500)
        self.assertEqual(sorted_lines(out), want)

    def test_an_unsigned_job_is_refused(self):
        job = os.path.join(self.tmp, "unsigned.py")
        with open(job, "w") as f:
            f.write("def foreach_batch(batch, records):\n    pass\n")
        self.publish(job, "io.example.jobs:unsigned:1.0.0", sign=False)
        with self.topic("orders", 1, 1) as (bootstrap, topic):
            proc = run(self.job(bootstrap, topic, "io.example.jobs:unsigned:1.0.0"), env=self.env)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("signature", proc.stderr)
        self.assertNotIn("artifact not found", proc.stderr)
