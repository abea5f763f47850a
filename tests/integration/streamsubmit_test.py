"""Support for integration tests of the streamsubmit binary (stdlib only).

Runs the real binary, parses its per-batch reports, and runs the embedded mock
cluster (`streamsubmit mock-cluster`) with its stdin kept open for fault commands.
"""
import fcntl
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("STREAMSUBMIT_BIN", "streamsubmit")

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EXIT_PLUGIN, EXIT_KAFKA, EXIT_RESOLUTION, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
EXIT_APPLICATION = 8  # the application or a sink failed a batch

_HEADER = re.compile(r"^batch (\d+) time=(\d+) records=(\d+)$")
_RANGE = re.compile(r"^(\S+) (\d+) (\d+) (\d+)$")


def parse_text_report(text):
    """Batches from the text report: [{'batch', 'time', 'records', 'ranges': [(topic, p, from, until)]}]."""
    batches = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m:
            batches.append({"batch": int(m[1]), "time": int(m[2]), "records": int(m[3]), "ranges": []})
            continue
        m = _RANGE.match(line)
        if not m or not batches:
            raise AssertionError(f"unexpected stdout line: {line!r}")
        batches[-1]["ranges"].append((m[1], int(m[2]), int(m[3]), int(m[4])))
    return batches


def parse_json_report(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run(args, timeout=120, check=None, env=None):
    """Runs streamsubmit to completion; returns CompletedProcess (text)."""
    proc = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    if check is not None and proc.returncode != check:
        raise AssertionError(f"streamsubmit {' '.join(args)} exited {proc.returncode}, expected {check}\n"
                             f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return proc


def appending_temp_file():
    """A temp file for a child's output that the parent reads while the child runs. The child
    shares the file's offset: without O_APPEND (which mode "a+" does not set on the temp file's
    descriptor) its next write lands where the parent's read left it and overwrites lines."""
    f = tempfile.TemporaryFile(mode="w+")
    fcntl.fcntl(f.fileno(), fcntl.F_SETFL, fcntl.fcntl(f.fileno(), fcntl.F_GETFL) | os.O_APPEND)
    return f


def start(args, env=None):
    """Starts streamsubmit in the background, stdout/stderr to temp files."""
    out, err = appending_temp_file(), appending_temp_file()
    proc = subprocess.Popen([BIN] + list(args), stdout=out, stderr=err, text=True,
                            env=dict(os.environ, **(env or {})))
    proc.out_file, proc.err_file = out, err
    return proc


def output_of(proc):
    proc.out_file.seek(0)
    proc.err_file.seek(0)
    return proc.out_file.read(), proc.err_file.read()


def kcat_counts(bootstrap, topic):
    """Records per partition and the offset after the last one, read by kcat (an independent
    client; librdkafka's default isolation, read_committed)."""
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p %o\n"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    counts, ends = {}, {}
    for line in out.splitlines():
        p, o = map(int, line.split())
        counts[p] = counts.get(p, 0) + 1
        ends[p] = max(ends.get(p, 0), o + 1)
    return counts, ends


def covered(batches):
    """Per (topic, partition): the list of (from, until) ranges in batch order."""
    by_tp = {}
    for b in batches:
        for topic, p, frm, until in (b["ranges"] if "ranges" in b else []):
            by_tp.setdefault((topic, p), []).append((frm, until))
    return by_tp


def assert_contiguous(test, ranges, start, end, tp=""):
    """The ranges chain from start to end with no gap and no overlap."""
    pos = start
    for frm, until in ranges:
        test.assertEqual(frm, pos, f"{tp}: range [{frm}, {until}) does not start where the last ended ({pos})")
        test.assertGreaterEqual(until, frm)
        pos = until
    test.assertEqual(pos, end, f"{tp}: ranges end at {pos}, expected {end}")


class MockCluster:
    """`streamsubmit mock-cluster` as a context manager; .command() injects faults."""

    def __init__(self, brokers=3, topics=(), produce=(), value_bytes=100):
        args = [BIN, "mock-cluster", "--brokers", str(brokers), "--value-bytes", str(value_bytes)]
        for t in topics:
            args += ["--topic", t]
        for p in produce:
            args += ["--produce", p]
        self.args = args
        self.proc = None
        self.bootstrap = None

    def __enter__(self):
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline()
        if not line.startswith("bootstrap.servers="):
            self.err.seek(0)
            raise AssertionError(f"mock-cluster did not start: {line!r} {self.err.read()}")
        self.bootstrap = line.strip().split("=", 1)[1]
        return self

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise AssertionError(f"mock-cluster command {line!r}: {answer}")

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
        return False


def wait_for_batches(proc, count, timeout=60):
    """Waits until a background job has printed `count` batch headers; fails early if it exited."""
    def ready():
        if proc.poll() is not None:
            out, err = output_of(proc)
            raise AssertionError(f"streamsubmit exited {proc.returncode} before {count} batches\n{out[-2000:]}\n{err[-2000:]}")
        return output_of(proc)[0].count("batch ") >= count
    wait_for(ready, timeout=timeout, what=f"{count} batches")


def wait_for_exit(proc, timeout, why):
    """Waits for a background job to end; past `timeout` kills it and fails, saying `why` it
    should have ended, with the end of its stderr."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the job still ran {timeout} s after {why}:\n" + output_of(proc)[1][-3000:])


def wait_for(predicate, timeout=30, interval=0.1, what="condition", jobs=()):
    """Polls `predicate` until it holds; past `timeout` fails, with the end of each of `jobs`'
    stderr so that a failure in CI says where the jobs were."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    tails = "".join(f"\n--- stderr of job {i} (exit {job.poll()}):\n{output_of(job)[1][-3000:]}"
                    for i, job in enumerate(jobs))
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{tails}")


def main():
    # Background jobs' report files live until the test process ends; don't warn about them.
    unittest.main(verbosity=2, warnings="ignore")
