"""Reliability and security runs for streamsubmit (stdlib only; driven by scripts/reliability).

Steps (each one row of the report table):
  asan        scripts/sanitize asan: unit tests, plugin tests, direct mode on the mock cluster
  tsan        scripts/sanitize tsan: plugin interrupt tests, ParallelReader local[4]
  fuzz        libFuzzer targets of tests/fuzz, each for a fixed time
  crashloop   (1) direct mode + checkpoint + files sink on a real broker, producer running,
              kill -9 loops (half of them inside a batch being written); lost/duplicated from
              the files compared with what kcat reads
  broker      (3) real broker SIGSTOP/SIGCONT and a stop + restart keeping its data
  mockfaults  (4) mock cluster: broker down/up, leader moves, rtt, injected protocol errors
  disk        (6) checkpoint on a full tmpfs and on a read-only one
  security    secrets never printed; checkpoint and cache directories 0700
  receiver    (2) receiver mode's WAL crash loops: the receiver suite (ctest -R receiver)
  resolver    (5) repository faults and concurrent resolutions: the resolver suites

The scenarios run the ASan+UBSan binary (build-asan/streamsubmit) when it exists, so a
memory error under a fault is a failure too; --bin picks another.

Ends with the table and a plain line "N passed, N failed"; exit status 1 when any failed.
"""
import argparse
import concurrent.futures
import datetime
import glob
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "harness"))
import delivered_records  # noqa: E402
import kafka_harness as kh  # noqa: E402

SUPP = os.path.join(ROOT, "tests", "sanitizers")
SANITIZER_ENV = {
    # intercept_tls_get_addr=0 as in scripts/sanitize (LeakSanitizer misreads glibc 2.36's DTLS).
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0",
    "LSAN_OPTIONS": f"suppressions={SUPP}/lsan.supp:print_suppressions=0",
    "UBSAN_OPTIONS": f"halt_on_error=1:print_stacktrace=1:suppressions={SUPP}/ubsan.supp",
    "TSAN_OPTIONS": f"halt_on_error=1:suppressions={SUPP}/tsan.supp",
}
REPORT_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "WARNING: ThreadSanitizer")
HEADER = re.compile(r"^batch (\d+) time=(\d+) records=(\d+)$")
RANGE = re.compile(r"^(\S+) (\d+) (\d+) (\d+)$")

BIN = None  # set in main()


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


# ---------------------------------------------------------------- result rows

class Row:
    def __init__(self, name, scenario):
        self.name, self.scenario = name, scenario
        self.runs = self.faults = self.produced = 0
        self.lost = self.duplicated = None  # None: nothing was counted (shown as "-"), never a silent 0
        self.recovery = None  # seconds
        self.status = "pass"
        self.notes = []
        self.seconds = 0.0

    def note(self, text):
        self.notes.append(text)
        log(f"{self.name}: {text}")

    def recovered(self, seconds):
        if seconds is not None:
            self.recovery = seconds if self.recovery is None else max(self.recovery, seconds)


# ---------------------------------------------------------------- processes

def env_with(extra=None):
    env = dict(os.environ)
    env.update(SANITIZER_ENV)
    env.update(extra or {})
    return env


LIVE = []  # every process a step started; killed when the step ends, whatever happened


def kill_leftovers():
    while LIVE:
        p = LIVE.pop()
        if p.poll() is None:
            p.kill()
            p.wait()


class Job:
    """A streamsubmit process with stdout/stderr in files and a monitor of batch headers."""

    def __init__(self, args, workdir, tag, env=None):
        self.out_path = os.path.join(workdir, f"{tag}.out")
        self.err_path = os.path.join(workdir, f"{tag}.err")
        self.out = open(self.out_path, "w+b")
        self.err = open(self.err_path, "w+b")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([BIN] + list(args), stdout=self.out, stderr=self.err, env=env_with(env))
        LIVE.append(self.proc)
        self.header_times = []  # (monotonic, batch, records) as seen by the poller
        self._seen = 0
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop:
            self.scan()
            if self.proc.poll() is not None:
                self.scan()
                return
            time.sleep(0.02)

    def scan(self):
        with self._lock:
            with open(self.out_path, "rb") as f:
                f.seek(self._seen)
                chunk = f.read()
            end = chunk.rfind(b"\n")
            if end < 0:
                return
            now = time.monotonic()
            for line in chunk[:end].decode(errors="replace").split("\n"):
                m = HEADER.match(line)
                if m:
                    self.header_times.append((now, int(m[1]), int(m[3])))
            self._seen += end + 1

    def batches(self):
        return parse_batches(self.read_out())

    def read_out(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def read_err(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._finish()

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def _finish(self):
        if self.proc.poll() is not None:
            self._stop = True
            self._thread.join(timeout=5)
            self.scan()

    def first_batch_after(self, t0, records=False):
        with self._lock:
            for t, _, n in self.header_times:
                if t >= t0 and (n > 0 or not records):
                    return t - t0
        return None

    def longest_gap(self):
        times = [self.started] + [t for t, _, _ in self.header_times]
        return max((b - a for a, b in zip(times, times[1:])), default=None)


def wait_until(pred, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return False


def assert_clean(text, who):
    for m in REPORT_MARKERS:
        check(m not in text, f"{who}: sanitizer report ({m}):\n{text[-4000:]}")


def parse_batches(text):
    """Batches from a text report that may end in a torn line (kill -9)."""
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    batches = []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            batches.append({"batch": int(m[1]), "records": int(m[3]), "ranges": []})
            continue
        m = RANGE.match(line)
        check(m is not None and batches, f"unexpected stdout line {line!r}")
        batches[-1]["ranges"].append((m[1], int(m[2]), int(m[3]), int(m[4])))
    return batches


# A sink that keeps its own progress committed a batch whose report the kill then prevented: the
# next run continues where the sink is (runtime/direct/direct_stream.cpp, recover_application).
SINK_CONTINUES = re.compile(r"application '[^']+' continues (\S+)-(\d+) at offset (\d+) "
                            r"\(its own progress, not the checkpoint's (-?\d+)\)")


def sink_continuations(stderr_texts):
    """{(partition, checkpoint offset, sink offset)} announced in the runs' stderr."""
    return {(int(m[2]), int(m[4]), int(m[3])) for text in stderr_texts for m in SINK_CONTINUES.finditer(text)}


def audit(row, runs_batches, ends, sink_jumps=frozenset()):
    """runs_batches: the batches each run printed, in run order. ends: {partition: end offset}.

    A batch id printed twice must have identical ranges (a re-run of an unfinished batch):
    the records it reported the second time count as duplicated. "lost" comes from the records
    the job reported reading (each batch's records=, counted by the readers as they were
    delivered), against the records on the broker (one per offset: the topics here are plain).
    Per partition the chain of ranges in batch order must also start at 0 and end at ends[p].
    With a sink, a kill between the sink's commit and the batch's report leaves the report out:
    a gap is accepted only where a run said the sink continues exactly across it (`sink_jumps`,
    from sink_continuations); what the sink holds is then audited against kcat (audit_files).
    """
    row.lost = row.lost or 0
    row.duplicated = row.duplicated or 0
    by_id, delivered = {}, 0
    for batches in runs_batches:
        for b in batches:
            key = sorted(b["ranges"])
            if b["batch"] in by_id:
                check(by_id[b["batch"]] == key, f"batch {b['batch']} re-run with other ranges: "
                                                f"{by_id[b['batch']]} then {key}")
                row.duplicated += b["records"]
            else:
                by_id[b["batch"]] = key
                delivered += b["records"]
    ids = sorted(by_id)
    check(ids == list(range(len(ids))), f"batch ids have a gap: {ids[:5]}..{ids[-5:]}")
    expected = sum(ends.values())
    problems, pos, unreported = [], {}, 0
    for i in ids:
        for t, p, f, u in by_id[i]:
            prev = pos.get(p, 0)
            if f > prev and (p, prev, f) in sink_jumps:
                unreported += f - prev
            elif f > prev:
                problems.append(f"partition {p}: gap [{prev}, {f}) before batch {i}")
            elif f < prev:
                problems.append(f"partition {p}: batch {i} starts at {f}, before {prev} (overlap)")
            pos[p] = u
    for p, end in ends.items():
        if pos.get(p, 0) != end:
            problems.append(f"partition {p}: read up to {pos.get(p, 0)}, end offset {end}")
    row.lost += max(0, expected - delivered - unreported)
    if delivered + unreported != expected:
        problems.insert(0, f"the job reported {delivered} records read (and its sink {unreported} it did not "
                           f"report), the broker holds {expected}")
    check(not problems, "; ".join(problems[:5]))
    if unreported:
        row.note(f"{unreported} records committed by the sink in batches a kill kept from being reported "
                 f"(the next run continued where the sink was)")
    return len(ids)


# ---------------------------------------------------------------- producers and brokers

class Producer:
    """kcat -P fed at a steady rate from a thread, restarted when it gives up (broker down).

    `count` is the lines handed to kcat; what the broker has (its end offsets) is what the
    audit compares the job's ranges with.
    """

    def __init__(self, bootstrap, topic, rate):
        self.args = ["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", ":", "-z", "none",
                     "-X", "message.timeout.ms=600000", "-X", "linger.ms=5"]
        self.rate, self.count, self.restarts, self._stop = rate, 0, 0, False
        self.proc = self._spawn()
        LIVE.append(self)  # kill_leftovers() calls poll/kill/wait
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _spawn(self):
        return subprocess.Popen(self.args, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def poll(self):
        return None if not self._stop else self.proc.poll()

    def kill(self):
        self._stop = True
        self.proc.kill()

    def wait(self):
        self.thread.join()
        self.proc.wait()

    def _run(self):
        tick = 0.05
        per_tick = max(1, int(self.rate * tick))
        while not self._stop:
            lines = b"".join(b"key-%d:value-%d\n" % (i, i) for i in range(self.count, self.count + per_tick))
            try:
                self.proc.stdin.write(lines)
                self.proc.stdin.flush()
                self.count += per_tick
            except (BrokenPipeError, ValueError, OSError):
                self.proc.wait()
                time.sleep(0.5)
                self.restarts += 1
                self.proc = self._spawn()
            time.sleep(tick)

    def stop(self, timeout=120):
        self._stop = True
        self.thread.join()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.count


class RealBroker:
    """scripts/kafka-up on a free port; can pause, stop and restart the same JVM and data."""

    def __init__(self):
        self.broker = kh.KafkaBroker(reuse=False)

    def __enter__(self):
        self.bootstrap = self.broker.start()
        self.pid = int(open(os.path.join(self.broker.data_dir, "kafka.pid")).read())
        self.cmdline = open(f"/proc/{self.pid}/cmdline", "rb").read().split(b"\0")[:-1]
        self.cwd = os.readlink(f"/proc/{self.pid}/cwd")
        return self

    def __exit__(self, *exc):
        try:
            os.kill(self.pid, signal.SIGCONT)
        except OSError:
            pass
        self.broker.stop()
        return False

    def pause(self):
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.pid, signal.SIGCONT)

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        if not wait_until(lambda: not os.path.exists(f"/proc/{self.pid}") or
                          open(f"/proc/{self.pid}/stat").read().split()[2] == "Z", 30):
            os.kill(self.pid, signal.SIGKILL)
        try:
            os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        wait_until(lambda: not os.path.exists(f"/proc/{self.pid}"), 10)

    def restart(self):
        """Starts the same JVM command line again on the same data dir (kafka-up would wipe it)."""
        out = open(os.path.join(self.broker.data_dir, "broker.out"), "ab")
        p = subprocess.Popen([c.decode() for c in self.cmdline], cwd=self.cwd, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=out, start_new_session=True)
        self.pid = p.pid
        with open(os.path.join(self.broker.data_dir, "kafka.pid"), "w") as f:
            f.write(f"{p.pid}\n")
        ok = wait_until(lambda: subprocess.run(["kcat", "-L", "-b", self.bootstrap, "-m", "2"],
                                               capture_output=True).returncode == 0, 120, 0.3)
        check(ok, "the restarted broker did not answer within 120 s")


def end_offsets(topic, bootstrap, partitions):
    """Latest offsets by kcat -Q (fast: no JVM)."""
    ends = {}
    for p in range(partitions):
        out = subprocess.run(["kcat", "-Q", "-b", bootstrap, "-t", f"{topic}:{p}:-1"], capture_output=True,
                             text=True, timeout=60)
        m = re.search(r"\[\d+\] offset (\d+)", out.stdout)
        check(m is not None, f"kcat -Q {topic}:{p}: {out.stdout} {out.stderr}")
        ends[p] = int(m[1])
    return ends


def drain(row, workdir, args, tag, timeout=300, errs=None):
    """Runs the job --until latest to the end of what was produced; returns its batches (and
    appends its stderr to `errs`)."""
    job = Job(args + ["--until", "latest"], workdir, tag)
    rc = job.wait(timeout)
    err = job.read_err()
    assert_clean(err, tag)
    check(rc == 0, f"{tag}: exit {rc}\n{err[-2000:]}")
    if errs is not None:
        errs.append(err)
    return job.batches()


# ---------------------------------------------------------------- scenarios

def audit_files(row, out_dir, bootstrap, topic):
    """lost / duplicated from what the files sink delivered (its final files), against what kcat,
    an independent client, reads from the topic; a record with other bytes fails the step."""
    delivered, duplicates = delivered_records.files_sink_records(out_dir)
    expected = delivered_records.kcat_records(bootstrap, topic)
    missing, duplicated, wrong = delivered_records.compare(delivered, duplicates, expected)
    row.lost, row.duplicated = len(missing), duplicated
    row.note(f"files sink: {len(delivered)} records delivered, kcat reads {len(expected)}")
    check(not wrong, f"{len(wrong)} delivered records differ from (or are not in) what kcat reads: {wrong[:5]}")
    check(not missing and not duplicated,
          f"{len(missing)} records missing from the files ({missing[:3]}), {duplicated} duplicated "
          f"({duplicates[:3]})")
    check(not delivered_records.temp_files(out_dir), "temporary files left after the final run")


def scenario_crashloop(row, opts, workdir):
    cycles = opts.cycles
    rng = random.Random(opts.seed)
    with RealBroker() as broker:
        b = broker.bootstrap
        topic = kh.unique_name("crash")
        kh.create_topic(topic, 3, bootstrap=b)
        cp, out = os.path.join(workdir, "cp-crash"), os.path.join(workdir, "out-crash")
        args = ["--bootstrap-servers", b, "--topics", topic, "--checkpoint", cp, "--batch-interval", "300ms",
                "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxRatePerPartition=5000",
                "--sink", "files", "--conf", f"sink.files.dir={out}"]
        producer = Producer(b, topic, opts.rate)
        runs, errs, mid_write, inside = [], [], 0, 0
        try:
            for i in range(cycles):
                # Every other run the sink pauses mid-write (test hook), and the kill lands while
                # a batch's file is being written; the others die anywhere, start-up included.
                inside_batch = i % 2 == 1
                job = Job(args, workdir, f"crash-{i}", env={delivered_records.DELAY_ENV: "400"} if inside_batch else None)
                if inside_batch:
                    inside += 1
                    wait_until(lambda: job.proc.poll() is not None or delivered_records.temp_files(out), 60, 0.02)
                    time.sleep(rng.uniform(0.0, 0.3))
                else:
                    time.sleep(rng.uniform(0.0, 2.5))
                if job.proc.poll() is not None:
                    raise Failed(f"cycle {i}: job exited {job.proc.returncode} before the kill\n{job.read_err()[-2000:]}")
                job.kill()
                job.wait(30)
                if delivered_records.temp_files(out):  # died with a batch half written
                    mid_write += 1
                row.faults += 1
                row.recovered(job.first_batch_after(job.started) if i else None)
                errs.append(job.read_err())
                assert_clean(errs[-1], f"cycle {i}")
                runs.append(job.batches())
                if i % 10 == 9:
                    log(f"crashloop: {i + 1}/{cycles} kills, {producer.count} records produced")
        finally:
            row.produced = producer.stop()
        runs.append(drain(row, workdir, args, "crash-drain", errs=errs))
        ends = end_offsets(topic, b, 3)
        written, row.produced = row.produced, sum(ends.values())
        if written != row.produced or producer.restarts:
            row.note(f"producer: {written} lines to kcat, {producer.restarts} kcat restarts, "
                     f"{row.produced} records on the broker")
        row.runs = cycles + 1
        # The printed batches: ids, identical re-runs, the chain of ranges.
        n = audit(row, runs, ends, sink_continuations(errs))
        row.note(f"{n} batches; {sum(1 for r in runs if not r)} runs killed before their first batch; "
                 f"{mid_write} of {cycles} kills left a batch half written ({inside} aimed there)")
        audit_files(row, out, b, topic)
        check(mid_write >= inside // 2, f"only {mid_write} of the {inside} kills aimed inside a batch landed there")


def scenario_broker(row, opts, workdir):
    pauses = opts.broker_pauses
    with RealBroker() as broker:
        b = broker.bootstrap
        topic = kh.unique_name("brk")
        kh.create_topic(topic, 3, bootstrap=b)
        cp = os.path.join(workdir, "cp-broker")
        args = ["--bootstrap-servers", b, "--topics", topic, "--checkpoint", cp, "--batch-interval", "300ms",
                "--conf", "kafka.auto.offset.reset=earliest"]
        producer = Producer(b, topic, opts.rate)
        runs, jobs = [], []
        job = Job(args, workdir, "broker-0")
        jobs.append(job)

        def ensure_job(t_fault_end):
            nonlocal job
            if job.proc.poll() is not None:
                row.note(f"the job exited {job.proc.returncode} during the fault: {job.read_err().strip().splitlines()[-3:]}")
                raise Failed(f"job exited {job.proc.returncode} while the broker was unavailable")
            check(wait_until(lambda: job.first_batch_after(t_fault_end, records=True) is not None, 180),
                  "no batch with records within 180 s after the fault ended")
            row.recovered(job.first_batch_after(t_fault_end, records=True))

        try:
            check(wait_until(lambda: len(job.header_times) >= 3, 60), "no batches before the faults")
            for seconds in pauses:
                broker.pause()
                row.faults += 1
                time.sleep(seconds)
                broker.resume()
                t = time.monotonic()
                ensure_job(t)
                row.note(f"SIGSTOP {seconds}s: first batch with records {job.first_batch_after(t, True):.2f}s after SIGCONT")
            for seconds in opts.broker_restarts:
                broker.stop()
                row.faults += 1
                time.sleep(seconds)
                t = time.monotonic()
                broker.restart()
                ensure_job(t)
                row.note(f"broker down {seconds}s: first batch with records {job.first_batch_after(t, True):.2f}s "
                         f"after the restart began")
            time.sleep(2)
        finally:
            row.produced = producer.stop()
            job.kill(signal.SIGTERM)
            rc = job.wait(60)
        assert_clean(job.read_err(), "broker job")
        check(rc == 0, f"SIGTERM: exit {rc}\n{job.read_err()[-2000:]}")
        runs.append(job.batches())
        runs.append(drain(row, workdir, args, "broker-drain"))
        ends = end_offsets(topic, b, 3)
        written, row.produced = row.produced, sum(ends.values())
        if written != row.produced or producer.restarts:
            row.note(f"producer: {written} lines to kcat, {producer.restarts} kcat restarts, "
                     f"{row.produced} records on the broker")
        row.runs = 2
        audit(row, runs, ends)


class Mock:
    def __init__(self, workdir, partitions, records):
        self.err = open(os.path.join(workdir, "mock.err"), "ab")
        self.proc = subprocess.Popen([BIN, "mock-cluster", "--brokers", "3", "--topic", f"orders:{partitions}",
                                      "--produce", f"orders:{records}", "--value-bytes", "50"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True,
                                     bufsize=1, env=env_with())
        LIVE.append(self.proc)
        line = self.proc.stdout.readline()
        check(line.startswith("bootstrap.servers="), f"mock-cluster did not start: {line!r}")
        self.bootstrap = line.strip().split("=", 1)[1]

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        check(answer == "ok", f"mock-cluster {line!r}: {answer}")

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
        with open(self.err.name, errors="replace") as f:
            assert_clean(f.read(), "mock-cluster")


MOCK_FAULTS = [
    ("ListOffsets NOT_LEADER x3", ["error 2 3 6"]),
    ("ListOffsets REQUEST_TIMED_OUT x2", ["error 2 2 7"]),
    ("Fetch NOT_LEADER x5", ["error 1 5 6"]),
    ("Fetch REQUEST_TIMED_OUT x3", ["error 1 3 7"]),
    ("Metadata REQUEST_TIMED_OUT x3", ["error 3 3 7"]),
    ("leader moves", ["leader orders {p} {b}"]),
    ("rtt 300 ms", ["rtt {b} 300"], ["rtt {b} 0"]),
    ("broker down 2 s", ["broker down {b}"], ["broker up {b}"]),
]


def scenario_mockfaults(row, opts, workdir):
    rng = random.Random(opts.seed + 4)
    records, partitions = 12000, 3
    for it in range(opts.mock_iterations):
        mock = Mock(workdir, partitions, records)
        try:
            cp = os.path.join(workdir, f"cp-mock-{it}")
            args = ["--bootstrap-servers", mock.bootstrap, "--topics", "orders", "--checkpoint", cp,
                    "--batch-interval", "200ms", "--conf", "kafka.auto.offset.reset=earliest",
                    "--conf", "stream.kafka.maxRatePerPartition=500", "--until", "latest"]
            job = Job(args, workdir, f"mock-{it}")
            wait_until(lambda: len(job.header_times) >= 1, 60)
            faults = rng.sample(MOCK_FAULTS, k=min(len(MOCK_FAULTS), 4))
            for name, begin, *end in faults:
                if job.proc.poll() is not None:
                    break
                fmt = {"p": rng.randrange(partitions), "b": rng.randint(1, 3)}
                for c in begin:
                    mock.command(c.format(**fmt))
                row.faults += 1
                time.sleep(rng.uniform(0.5, 2.0))
                for c in (end[0] if end else []):
                    mock.command(c.format(**fmt))
            rc = job.wait(300)
            err = job.read_err()
            assert_clean(err, f"mock job {it}")
            check(rc == 0, f"iteration {it} ({[f[0] for f in faults]}): exit {rc}\n{err[-2000:]}")
            batches = job.batches()
            row.produced += records
            row.runs += 1
            row.recovered(job.longest_gap())
            # kcat cannot count quickly on the mock: the ranges start at 0, chain, and sum to what was produced
            total = sum(b["records"] for b in batches)
            check(total == records, f"iteration {it}: read {total} records of {records}")
            ends = {}
            for b in batches:
                for _, p, _, u in b["ranges"]:
                    ends[p] = u
            audit(row, [batches], ends)
        finally:
            mock.close()


def scenario_disk(row, opts, workdir):
    mnt = os.path.join(workdir, "mnt")
    os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], capture_output=True).returncode:
        row.status = "skip"
        row.note("cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN)")
        return
    try:
        mock = Mock(workdir, 4, 20000)
        try:
            base = ["--bootstrap-servers", mock.bootstrap, "--topics", "orders", "--batch-interval", "200ms",
                    "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxRatePerPartition=500"]
            # Full disk mid-run.
            cp = os.path.join(mnt, "cp")
            job = Job(base + ["--checkpoint", cp], workdir, "disk-full")
            check(wait_until(lambda: len(job.header_times) >= 3, 60), "no batches before filling the disk")
            fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while os.write(fd, b"\0" * 4096) > 0:
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
            row.faults += 1
            rc = job.wait(60)
            err = job.read_err()
            assert_clean(err, "full disk")
            check(rc == 1, f"full disk: exit {rc}, expected 1\n{err[-1500:]}")
            check("streamsubmit: error:" in err and "hint:" in err, f"full disk: unclear error\n{err[-1500:]}")
            row.note("full disk: exit 1, " + next(l for l in err.splitlines() if "error:" in l).strip())
            first = job.batches()
            for path in glob.glob(os.path.join(cp, "batches", "*.json")):
                json.load(open(path))  # never a torn checkpoint file
            os.remove(os.path.join(mnt, "filler"))
            second = drain(row, workdir, base + ["--checkpoint", cp], "disk-full-resume")
            row.runs += 2
            row.produced += 20000
            check(sum(b["records"] for b in {b["batch"]: b for b in first + second}.values()) >= 20000,
                  "records missing after the resume")
            ends = {}
            for b in second:
                for _, p, _, u in b["ranges"]:
                    ends[p] = u
            audit(row, [first, second], ends)

            # Read-only checkpoint directory: remount the tmpfs ro, run, remount rw, resume.
            subprocess.run(["mount", "-o", "remount,size=256k", mnt], check=True)
            mock.command("produce orders 2000")
            snapshot = {p: hashlib.sha256(open(p, "rb").read()).hexdigest()
                        for p in glob.glob(os.path.join(cp, "**"), recursive=True) if os.path.isfile(p)}
            subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
            row.faults += 1
            ro = Job(base + ["--checkpoint", cp, "--until", "latest"], workdir, "disk-ro")
            rc = ro.wait(60)
            err = ro.read_err()
            assert_clean(err, "read-only")
            check(rc in (1, 2), f"read-only checkpoint: exit {rc}\n{err[-1500:]}")
            check("streamsubmit: error:" in err, f"read-only: unclear error\n{err[-1500:]}")
            row.note(f"read-only: exit {rc}, " + next(l for l in err.splitlines() if "error:" in l).strip())
            ro_batches = ro.batches()
            check(not ro_batches, "read-only: a batch was reported although it could not be recorded")
            # A fresh checkpoint directory on the read-only file system.
            fresh = Job(base + ["--checkpoint", os.path.join(mnt, "new"), "--until", "latest"], workdir, "disk-ro-new")
            rc2 = fresh.wait(60)
            check(rc2 in (1, 2) and "streamsubmit: error:" in fresh.read_err(),
                  f"read-only, new dir: exit {rc2}\n{fresh.read_err()[-1500:]}")
            subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)
            after = {p: hashlib.sha256(open(p, "rb").read()).hexdigest()
                     for p in glob.glob(os.path.join(cp, "**"), recursive=True) if os.path.isfile(p)}
            check(after == snapshot, "the checkpoint changed on a read-only file system")
            third = drain(row, workdir, base + ["--checkpoint", cp], "disk-ro-resume")
            row.runs += 3
            row.produced += 2000
            ends = {}
            for b in third:
                for _, p, _, u in b["ranges"]:
                    ends[p] = u
            audit(row, [first, second, third], ends)
            check(sum(ends.values()) == 22000, f"after the read-only episode the job reached {sum(ends.values())} of 22000")
        finally:
            mock.close()
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def scenario_security(row, opts, workdir):
    secrets = ["Sasl-S3cret-9f2a", "Repo-S3cret-77b1", "Url-S3cret-4c0d", "Props-S3cret-e5e5", "Ssl-S3cret-1a1a"]
    outputs = []
    cache = os.path.join(workdir, "cache")
    env = {"STREAMSUBMIT_REPO_USER": "alice", "STREAMSUBMIT_REPO_PASSWORD": secrets[1], "STREAMSUBMIT_CACHE": cache,
           "HOME": os.path.join(workdir, "home")}
    os.makedirs(env["HOME"], exist_ok=True)
    props = os.path.join(workdir, "job.properties")
    with open(props, "w") as f:
        f.write(f"kafka.sasl.password {secrets[3]}\nkafka.bogus.key.that.fails x\n")
    sasl = ["--conf", "kafka.security.protocol=SASL_PLAINTEXT", "--conf", "kafka.sasl.mechanisms=PLAIN",
            "--conf", "kafka.sasl.username=alice", "--conf", f"kafka.sasl.password={secrets[0]}",
            "--conf", f"kafka.ssl.key.password={secrets[4]}"]
    mock = Mock(workdir, 1, 10)
    try:
        cp = os.path.join(workdir, "sec-cp")
        cases = [
            ["-v", "--bootstrap-servers", mock.bootstrap, "--topics", "orders", "--until", "latest"] + sasl,
            ["-v", "--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--until", "latest",
             "--conf", "kafka.socket.connection.setup.timeout.ms=2000"] + sasl,
            ["config"] + sasl,
            ["config", "-v"] + sasl,
            ["-v", "--bootstrap-servers", mock.bootstrap, "--topics", "orders"] + sasl + ["--conf", "stream.nope=1"],
            ["-v", "--bootstrap-servers", mock.bootstrap, "--topics", "orders", "--properties-file", props],
            ["-v", "--bootstrap-servers", mock.bootstrap, "--topics", "orders", "--until", "latest",
             "--checkpoint", cp, "--conf", "kafka.auto.offset.reset=earliest", "--conf", f"kafka.sasl.password={secrets[0]}"],
            ["resolve", "org.example:nope:1.0", "--default-repositories", "", "--repositories", "http://127.0.0.1:1/repo"],
            ["resolve", "--list", "org.example:nope:1.0", "--default-repositories", "",
             "--repositories", f"http://bob:{secrets[2]}@127.0.0.1:1/repo"],
            ["-v", "--packages", "org.example:nope:1.0", "--repositories", f"https://bob:{secrets[2]}@127.0.0.1:1/r",
             "--conf", "resolver.repositories=", "--bootstrap-servers", mock.bootstrap, "--topics", "orders",
             "--until", "latest"] + sasl,
        ]
        for i, args in enumerate(cases):
            p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=120, env=env_with(env))
            outputs.append((args, p.returncode, p.stdout + p.stderr))
            row.runs += 1
        for args, rc, text in outputs:
            assert_clean(text, " ".join(args[:3]))
            for s in secrets:
                check(s not in text, f"secret printed by `streamsubmit {' '.join(args)}` (exit {rc}):\n"
                                     + "\n".join(l for l in text.splitlines() if s in l)[:1500])
        row.faults = len(cases)
        row.note(f"{len(cases)} commands (-v, config, errors, bad properties file, resolve with credentials): "
                 f"exit codes {[rc for _, rc, _ in outputs]}, no secret in any output")
        # Directory modes.
        modes = {}
        for d in [cp, os.path.join(cp, "batches")]:
            modes[d] = oct(os.stat(d).st_mode & 0o777)
        for d in glob.glob(os.path.join(cache, "**"), recursive=True):
            if os.path.isdir(d):
                modes[d] = oct(os.stat(d).st_mode & 0o777)
        bad = {d: m for d, m in modes.items() if m != "0o700"}
        check(not bad, f"directories not 0700: {bad}")
        check(any(d.startswith(cache) for d in modes), "the resolver created no cache directory to check")
        row.note(f"{len(modes)} checkpoint/cache directories, all 0700")
    finally:
        mock.close()


def scenario_sanitize(row, opts, workdir, kind):
    t0 = time.monotonic()
    args = [os.path.join(ROOT, "scripts", "sanitize"), kind]
    if kind == "asan" and opts.long:
        args.append("--kafka")
    log(f"{kind}: {' '.join(args)}")
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(workdir, f"{kind}.log"), "w") as f:
        f.write(p.stdout)
    summary = [l for l in p.stdout.splitlines() if "tests passed" in l or "tests failed" in l or
               re.match(r"^(OK|FAILED)", l) or l.startswith("Ran ")]
    row.runs = len(re.findall(r"Test +#\d+:", p.stdout)) + len(re.findall(r"^Ran \d+ test", p.stdout, re.M))
    row.note(f"{' | '.join(summary[-3:])} ({time.monotonic() - t0:.0f} s; log {workdir}/{kind}.log)")
    check(p.returncode == 0, f"scripts/sanitize {kind} failed:\n" + p.stdout[-5000:])


def scenario_fuzz(row, opts, workdir, fuzz_rows):
    build = os.path.join(ROOT, "build-fuzz")
    # ccache reads these when it compiles, so the build needs them as much as the configure: with
    # them a fresh clone's fuzz build reuses the last clone's objects (paths relative to ROOT).
    env = dict(os.environ, CC="clang", CXX="clang++", CCACHE_BASEDIR=ROOT, CCACHE_NOHASHDIR="1")
    if not os.path.exists(os.path.join(build, "build.ninja")):
        launcher = (["-DCMAKE_C_COMPILER_LAUNCHER=ccache", "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
                    if shutil.which("ccache") else [])
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                        "-DSTREAMSUBMIT_FUZZ=ON", "-DSTREAMSUBMIT_TESTS=OFF"] + launcher, check=True, env=env,
                       stdout=subprocess.DEVNULL)
    p = subprocess.run(["cmake", "--build", build, "-j", os.environ.get("JOBS", "2"), "--target", "fuzzers"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    check(p.returncode == 0, "building the fuzzers failed:\n" + p.stdout[-4000:])

    def fuzz_one(exe):
        target = os.path.basename(exe)[len("fuzz_"):]
        corpus = os.path.join(workdir, "fuzz-corpus", target)
        artifacts = os.path.join(workdir, "fuzz-artifacts", target) + "/"
        os.makedirs(corpus, exist_ok=True)
        os.makedirs(artifacts, exist_ok=True)
        seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", target)
        cmd = [exe, f"-max_total_time={opts.fuzz_seconds}", "-print_final_stats=1", "-timeout=10",
               "-rss_limit_mb=2048", "-max_len=65536", f"-artifact_prefix={artifacts}", f"-seed={opts.seed}",
               corpus, seeds]
        log(f"fuzz {target}: {opts.fuzz_seconds} s")
        run_env = env_with({"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0"})
        f = subprocess.run(cmd, capture_output=True, text=True, env=run_env, timeout=opts.fuzz_seconds + 300)
        return target, corpus, artifacts, f

    # One target per core at a time: each is single-threaded, and CI's whole run has a time budget.
    exes = sorted(glob.glob(os.path.join(build, "fuzz", "fuzz_*")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, int(os.environ.get("JOBS", "2")))) as pool:
        results = list(pool.map(fuzz_one, exes))
    failed = []
    for target, corpus, artifacts, f in results:
        execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", f.stderr)
        crashes = [a for a in os.listdir(artifacts)]
        fuzz_rows.append({"target": target, "execs": int(execs[1]) if execs else 0, "crashes": len(crashes),
                          "corpus": len(os.listdir(corpus)), "rc": f.returncode, "artifacts": crashes})
        row.runs += 1
        row.faults += int(execs[1]) if execs else 0
        if f.returncode != 0 or crashes:
            failed.append(target)
            with open(os.path.join(workdir, f"fuzz-{target}.log"), "w") as lf:
                lf.write(f.stderr)
            log(f"fuzz {target}: exit {f.returncode}, artifacts {crashes}; log {workdir}/fuzz-{target}.log\n"
                + f.stderr[-3000:])
    check(not failed, f"crashes in {failed} (inputs under {workdir}/fuzz-artifacts/)")


def scenario_owner_suite(row, opts, workdir, pattern, label):
    """Runs another engineer's ctest suite (receiver WAL, resolver faults) if it has landed."""
    build = opts.owner_build
    listed = subprocess.run(["ctest", "-N", "-R", pattern], cwd=build, capture_output=True, text=True)
    names = re.findall(r"Test +#\d+: (\S+)", listed.stdout)
    if not names:
        row.status = "n/a"
        row.note("n/a (not landed)")
        return
    args = ["ctest", "--output-on-failure", "--timeout", "1800", "-R", pattern]  # fixtures come along
    p = subprocess.run(args, cwd=build, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env_with())
    with open(os.path.join(workdir, f"{label}.log"), "w") as f:
        f.write(p.stdout)
    row.runs = len(names)
    summary = [l for l in p.stdout.splitlines() if "tests passed" in l or "tests failed" in l]
    row.note(f"ctest -R '{pattern}' in {build}: {', '.join(names)}: {summary[-1] if summary else '?'}")
    check(p.returncode == 0, f"{label} suite failed:\n{p.stdout[-4000:]}")


# ---------------------------------------------------------------- report

def fmt_time(s):
    return "-" if s is None else f"{s:.1f} s"


def table(rows, fuzz_rows):
    lines = ["| scenario | result | runs | faults injected | records produced | lost | duplicated | longest recovery | time |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        counted = lambda v: "-" if v is None else v  # noqa: E731
        lines.append(f"| {r.scenario} | {r.status} | {r.runs} | {r.faults} | {r.produced} | {counted(r.lost)} | "
                     f"{counted(r.duplicated)} | {fmt_time(r.recovery)} | {r.seconds:.0f} s |")
    if fuzz_rows:
        lines += ["", "| fuzz target | executions | crashes | corpus (seeds + found) |", "|---|---|---|---|"]
        for f in fuzz_rows:
            lines.append(f"| {f['target']} | {f['execs']} | {f['crashes']} | {f['corpus']} |")
    lines.append("")
    for r in rows:
        for n in r.notes:
            lines.append(f"- {r.name}: {n}")
    return "\n".join(lines)


STEPS = [
    ("asan", "sanitizers: ASan+UBSan (unit, plugin, direct mock)"),
    ("tsan", "sanitizers: TSan (plugin interrupts, local[4] readers)"),
    ("fuzz", "fuzzing: 8 libFuzzer targets (executions in 'faults')"),
    ("crashloop", "(1) kill -9 loop, real broker, producing"),
    ("broker", "(3) broker SIGSTOP/SIGCONT + stop/restart"),
    ("mockfaults", "(4) mock cluster faults (errors, leaders, rtt, down)"),
    ("disk", "(6) checkpoint: full disk, read-only fs"),
    ("security", "security: secrets never printed, dirs 0700"),
    ("receiver", "(2) receiver WAL crash loops (receiver suite)"),
    ("resolver", "(5) repository faults, concurrency (resolver suites)"),
]


def main():
    global BIN
    ap = argparse.ArgumentParser(prog="scripts/reliability", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--ci", action="store_true", help="modest counts, about 10 minutes (the default)")
    mode.add_argument("--long", action="store_true", help="long counts (300 kills, 60 s per fuzz target, TSan, owners' suites)")
    ap.add_argument("--only", help="comma-separated steps: " + ",".join(s for s, _ in STEPS))
    ap.add_argument("--skip", help="comma-separated steps to leave out")
    ap.add_argument("--bin", help="streamsubmit binary for the scenarios (default build-asan/streamsubmit)")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--cycles", type=int, help="kill -9 cycles (30, --long 300)")
    ap.add_argument("--fuzz-seconds", type=int, help="seconds per fuzz target (20, --long 60)")
    ap.add_argument("--results", help="also write the table to this Markdown file")
    opts = ap.parse_args()
    opts.cycles = opts.cycles or (300 if opts.long else 30)
    opts.fuzz_seconds = opts.fuzz_seconds or (60 if opts.long else 20)
    opts.rate = 2000
    opts.broker_pauses = [5, 20] if opts.long else [5]
    opts.broker_restarts = [3, 15] if opts.long else [3]
    opts.mock_iterations = 10 if opts.long else 3
    # The receiver's and resolver's suites run on the ASan build too (their Python tests use its binary).
    opts.owner_build = os.environ.get("RELIABILITY_OWNER_BUILD", os.path.join(ROOT, "build-asan"))
    steps = [s for s, _ in STEPS]
    if opts.only:
        steps = [s for s in opts.only.split(",") if s]
    if opts.skip:
        steps = [s for s in steps if s not in opts.skip.split(",")]
    if not opts.long and not opts.only and "tsan" in steps:
        steps.remove("tsan")  # too slow for CI on 2 cores (a third full build): --long runs it
    if not opts.long and not opts.only:
        for s in ("receiver", "resolver"):
            steps.remove(s)  # scripts/test runs those suites already

    log(f"seed {opts.seed}; steps {','.join(steps)}")
    workdir = tempfile.mkdtemp(prefix="streamsubmit-reliability-")
    rows, fuzz_rows = [], []
    titles = dict(STEPS)
    t_all = time.monotonic()
    for step in steps:
        row = Row(step, titles[step])
        rows.append(row)
        t0 = time.monotonic()
        log(f"== {step}")
        try:
            if step in ("asan", "tsan"):
                scenario_sanitize(row, opts, workdir, step)
            elif step == "fuzz":
                scenario_fuzz(row, opts, workdir, fuzz_rows)
            elif step in ("receiver", "resolver"):
                # The receiver's real-Kafka suite; the resolver's unit, fault and concurrency suites
                # (conformance and interop compare with mvn over the network: scripts/test runs them).
                scenario_owner_suite(row, opts, workdir, {"receiver": "^receiver",
                                                          "resolver": "^resolver_(unit|cli_unit|faults|concurrency)$"}[step], step)
            else:
                if BIN is None:
                    BIN = opts.bin or next((b for b in [os.path.join(ROOT, "build-asan", "streamsubmit"),
                                                        os.path.join(ROOT, "build", "streamsubmit")]
                                            if os.access(b, os.X_OK)), None)
                    check(BIN is not None, "no streamsubmit binary: run scripts/sanitize asan or scripts/build")
                    log(f"scenarios run {BIN}")
                step_dir = os.path.join(workdir, step)
                os.makedirs(step_dir)
                globals()[f"scenario_{step}"](row, opts, step_dir)
        except Failed as e:
            row.status = "FAIL"
            row.note(str(e).splitlines()[0] if str(e) else "failed")
            log(f"{step} FAILED:\n{e}")
        except Exception as e:  # a broken harness is a failure too, never a silent pass
            row.status = "FAIL"
            row.note(f"{type(e).__name__}: {e}")
            log(f"{step} ERROR: {type(e).__name__}: {e}")
        kill_leftovers()
        row.seconds = time.monotonic() - t0
        log(f"== {step}: {row.status} ({row.seconds:.0f} s)")

    passed = sum(r.status == "pass" for r in rows)
    failed = sum(r.status == "FAIL" for r in rows)
    text = table(rows, fuzz_rows)
    header = (f"streamsubmit reliability, {'long' if opts.long else 'ci'} mode, "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, seed {opts.seed}, "
              f"{platform.node()} ({os.cpu_count()} cores, {platform.platform()}), "
              f"total {time.monotonic() - t_all:.0f} s; binary {BIN}; work dir {workdir}")
    print(header)
    print()
    print(text)
    print()
    summary = f"{passed} passed, {failed} failed"
    print(summary)
    if opts.results:
        with open(opts.results, "w") as f:
            f.write(f"# Reliability results\n\n{header}\n\n{text}\n\n{summary}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
