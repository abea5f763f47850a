"""Python jobs (`streamsubmit [options] job.py [args]`) end to end against the embedded mock
cluster: what the job receives is compared byte for byte with what kcat reads; decoders,
exceptions (exit 8, traceback, restart completes), --py-files (.py and .zip) and virtual
environments (a pip-installed package imported; another Python's venv refused, exit 3)."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest
import zipfile

from streamsubmit_test import (EXIT_APPLICATION, EXIT_OK, EXIT_PLUGIN, BIN, MockCluster, main, output_of, run, start,
                               wait_for)

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


class PythonJobs(unittest.TestCase):
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
        with MockCluster(topics=["orders:3"], produce=["orders:5000"]) as c:
            run(self.job(c.bootstrap, "orders", "--conf", "stream.kafka.maxOffsetsPerBatch=1000", script, out),
                check=EXIT_OK)
            want = kcat_lines(c.bootstrap, "orders")
        self.assertEqual(len(want), 5000)
        self.assertEqual(sorted_lines(out), want)

    def test_partitioned_form_on_two_reader_threads_with_bytes(self):
        script = self.write("job.py", PARTITIONED_JOB)
        out = os.path.join(self.dir, "out")
        with MockCluster(topics=["orders:4"], produce=["orders:4000"]) as c:
            run(self.job(c.bootstrap, "orders", "--master", "local[2]", "--conf", "app.python.valueDecoder=bytes",
                         "--conf", "app.python.keyDecoder=bytes", script, out), check=EXIT_OK)
            want = kcat_lines(c.bootstrap, "orders")
        self.assertEqual(sorted_lines(out), want)

    def assert_failure_then_restart(self, where):
        script = self.write("job.py", PARTITIONED_JOB)
        out = os.path.join(self.dir, "out")
        env = {"FAIL_IN": where}
        with MockCluster(topics=["orders:2"], produce=["orders:600"]) as c:
            args = self.job(c.bootstrap, "orders", script, out)
            failed = run(args, check=EXIT_APPLICATION, env=env)
            self.assertIn("Traceback (most recent call last)", failed.stderr)
            self.assertIn("planned failure in " + where, failed.stderr)
            self.assertIn("batch 0", failed.stderr)
            if where == "process":
                self.assertRegex(failed.stderr, r"range orders-\d \[0, \d+\)")
            with open(out + ".aborted") as f:
                self.assertEqual(f.read(), "0\n")
            run(args, check=EXIT_OK, env=env)
            want = kcat_lines(c.bootstrap, "orders")
        self.assertEqual(sorted_lines(out), want)

    def test_exception_in_process_fails_the_batch_and_a_restart_completes(self):
        self.assert_failure_then_restart("process")

    def test_exception_in_commit_fails_the_batch_and_a_restart_completes(self):
        self.assert_failure_then_restart("commit")

    def test_non_utf8_value_is_an_error_naming_its_offset(self):
        script = self.write("job.py", FOREACH_JOB)
        with MockCluster(topics=["raw:1"]) as c:
            produce(c.bootstrap, "raw", [b"fine", b"caf\xe9", b"after"])
            proc = run(self.job(c.bootstrap, "raw", script, os.path.join(self.dir, "out")), check=EXIT_APPLICATION)
        self.assertIn("cannot decode the value of raw-0 at offset 1 with decoder utf8", proc.stderr)
        self.assertIn("hint:", proc.stderr)

    def test_json_and_custom_decoders_from_py_files(self):
        self.write("decoders.py", "def upper(b):\n    return b.decode().upper()\n")
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
        os.rename(os.path.join(self.dir, "decoders.py"), os.path.join(lib, "decoders.py"))
        script = self.write("job.py", job)
        out = os.path.join(self.dir, "out")
        with MockCluster(topics=["docs:1"]) as c:
            produce(c.bootstrap, "docs", [b'{"n": 1}', b'[1, "x"]'])
            run(self.job(c.bootstrap, "docs", "--py-files",
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
        with MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            run(self.job(c.bootstrap, "orders", "--conf", "app.python.venv=" + venv, script, out), check=EXIT_OK)
            self.assertNotEqual(run(self.job(c.bootstrap, "orders", script, out + "2"),
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
        with MockCluster(topics=["orders:1"], produce=["orders:1"]) as c:
            proc = run(self.job(c.bootstrap, "orders", script), env={"VIRTUAL_ENV": venv}, check=EXIT_PLUGIN)
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
                    if b.startswith(b"3") and not os.path.exists(flag):
                        open(flag, "w").close()
                        raise ValueError("picky refuses " + b[:6].decode())
                    return b.decode()
            """))
        script = self.write("job.py", FOREACH_JOB)
        out = os.path.join(self.dir, "out")
        with MockCluster(topics=["orders:2"], produce=["orders:400"]) as c:
            args = self.job(c.bootstrap, "orders", "--py-files", os.path.join(lib, "picky.py"),
                            "--conf", "app.python.valueDecoder=picky:decode", script, out)
            failed = run(args, check=EXIT_APPLICATION)
            self.assertRegex(failed.stderr, r"cannot decode the value of orders-\d at offset \d+ with decoder "
                                            r"picky:decode: picky refuses 3")
            self.assertIn("Traceback (most recent call last)", failed.stderr)
            self.assertFalse(os.path.exists(out), "no record of the failed batch reached the job")
            run(args, check=EXIT_OK)
            want = kcat_lines(c.bootstrap, "orders")
        self.assertEqual(sorted_lines(out), want)

    def test_sigint_stops_the_job_not_the_python_code(self):
        script = self.write("job.py", textwrap.dedent("""
            import builtins, sys, time
            def foreach_batch(batch, records):
                with builtins.open(sys.argv[1], "a") as f:
                    f.write("start %d\\n" % batch.id)
                time.sleep(1.5)  # SIGINT arrives here: no KeyboardInterrupt, the batch ends normally
                with builtins.open(sys.argv[1], "a") as f:
                    f.write("end %d\\n" % batch.id)
        """))
        out = os.path.join(self.dir, "out")
        with MockCluster(topics=["orders:1"], produce=["orders:100"]) as c:
            args = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--conf",
                    "kafka.auto.offset.reset=earliest", "--checkpoint", os.path.join(self.dir, "cp"), script, out]
            job = start(args)
            wait_for(lambda: os.path.exists(out), what="the first batch to start", jobs=[job])
            job.send_signal(signal.SIGINT)
            job.wait(timeout=60)
            _, err = output_of(job)
        self.assertEqual(job.returncode, EXIT_OK, err)
        self.assertNotIn("KeyboardInterrupt", err)
        with open(out) as f:
            self.assertEqual(f.read(), "start 0\nend 0\n")

    def test_the_module_has_a_pydoc_reference(self):
        script = self.write("job.py", textwrap.dedent("""
            import builtins, pydoc, sys, streamsubmit
            def foreach_batch(batch, records):
                with builtins.open(sys.argv[1], "w") as f:
                    f.write(pydoc.render_doc(streamsubmit, renderer=pydoc.plaintext))
        """))
        out = os.path.join(self.dir, "out")
        with MockCluster(topics=["orders:1"], produce=["orders:1"]) as c:
            run(self.job(c.bootstrap, "orders", script, out), check=EXIT_OK)
        with open(out) as f:
            doc = f.read()
        for name in ("foreach_batch(batch, records)", "process(batch, range, records)", "recover(positions)",
                     "class OffsetRange", "fromOffset", "untilOffset", "class Record", "timestamp_type",
                     "keyDecoder"):
            self.assertIn(name, doc)

    def test_a_python_plugin_given_with_plugins_hosts_the_job(self):
        copy = os.path.join(self.dir, "plugins", "streamsubmit-python.so")
        os.makedirs(os.path.dirname(copy))
        shutil.copy(os.path.join(os.environ["STREAMSUBMIT_BUILD_DIR"], "plugins", "streamsubmit-python.so"), copy)
        script = self.write("job.py", "def foreach_batch(batch, records):\n    raise KeyError('from the copy')\n")
        with MockCluster(topics=["orders:1"], produce=["orders:5"]) as c:
            proc = run(self.job(c.bootstrap, "orders", "--plugins", copy, script), check=EXIT_APPLICATION)
        self.assertIn("(%s)" % copy, proc.stderr)

    def test_example_count_by_key_matches_kcat(self):
        example = os.path.join(os.environ["STREAMSUBMIT_SOURCE_DIR"], "examples", "python", "count_by_key.py")
        out = os.path.join(self.dir, "counts.json")
        with MockCluster(topics=["orders:2"], produce=["orders:3000"]) as c:
            run(self.job(c.bootstrap, "orders", "--conf", "stream.kafka.maxOffsetsPerBatch=700", "--conf",
                         "app.python.valueDecoder=bytes", example, out), check=EXIT_OK)
            want = {}
            for l in kcat_lines(c.bootstrap, "orders"):
                _, _, key, value = l.rstrip(b"\n").split(b" ", 3)
                w = want.setdefault(key.decode(), [0, 0])
                w[0] += 1
                w[1] += len(value)
        with open(out) as f:
            self.assertEqual(json.load(f)["counts"], want)


class PythonJobByCoordinates(unittest.TestCase):
    """The job and a --py-files entry published signed to a loopback repository, given by coordinates."""

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

    def job(self, bootstrap, *rest):
        return ["--bootstrap-servers", bootstrap, "--topics", "orders", "--conf", "kafka.auto.offset.reset=earliest",
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
        with MockCluster(topics=["orders:2"], produce=["orders:500"]) as c:
            run(self.job(c.bootstrap, "--py-files", "io.example.jobs:fmt-line:1.0.0", "io.example.jobs:dump:1.0.0",
                         out), check=EXIT_OK, env=self.env)
            want = kcat_lines(c.bootstrap, "orders")
        self.assertEqual(sorted_lines(out), want)

    def test_an_unsigned_job_is_refused(self):
        job = os.path.join(self.tmp, "unsigned.py")
        with open(job, "w") as f:
            f.write("def foreach_batch(batch, records):\n    pass\n")
        self.publish(job, "io.example.jobs:unsigned:1.0.0", sign=False)
        with MockCluster(topics=["orders:1"], produce=["orders:1"]) as c:
            proc = run(self.job(c.bootstrap, "io.example.jobs:unsigned:1.0.0"), env=self.env)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertIn("signature", proc.stderr)
        self.assertNotIn("artifact not found", proc.stderr)


if __name__ == "__main__":
    main()
