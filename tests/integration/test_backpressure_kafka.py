"""Backpressure against a real Apache Kafka broker, in both modes.

A slow application (tests/plugins/test-slow_app.so: a fixed time per record; it writes every
record it got to a file) and a producer writing about twice as fast as the application can
process. With stream.backpressure.enabled the processing time of a batch is at most 1.2 x the
batch interval within 10 batches and stays there, the scheduling delay does not grow, and peak
RSS stays bounded; without it, batch sizes and scheduling delays grow batch after batch. In every
run each record of the reported ranges reaches the application exactly once, with the value
Kafka holds (read back with kcat).
"""
import os
import signal
import subprocess
import tempfile
import threading
import time

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, main, output_of, parse_json_report, start, wait_for

APP = os.path.join(os.environ.get("TEST_PLUGIN_DIR", ""), "test-slow_app.so")
INTERVAL_MS = 2000  # large against the broker round trips and scheduling noise of a loaded machine
APP_RECORDS_PER_S = 500          # the application's pace: 2 ms per record, one reader thread
PRODUCER_RECORDS_PER_S = 1000    # twice what it can take


class PacedProducer(threading.Thread):
    """One kcat producer fed `rate` records/s (key-i, value-i) in 100 ms steps until stopped."""

    def __init__(self, bootstrap, topic, rate):
        super().__init__(daemon=True)
        self.rate, self.produced, self.stopped = rate, 0, threading.Event()
        self.proc = subprocess.Popen(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X", "acks=all",
                                      "-X", "linger.ms=5"], stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self):
        begin = time.monotonic()
        while not self.stopped.is_set():
            due = int((time.monotonic() - begin) * self.rate)
            lines = "".join(f"key-{i}\tvalue-{i}\n" for i in range(self.produced, due))
            self.proc.stdin.write(lines.encode())
            self.proc.stdin.flush()
            self.produced = due
            time.sleep(0.1)

    def stop(self):
        self.stopped.set()
        self.join(timeout=30)
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait(timeout=60) != 0 or "Delivery failed" in err:
            raise AssertionError("kcat could not produce every record:\n" + err[-3000:])
        return self.produced


def processing_ms(doc):
    """What backpressure counted as the batch's processing: reading, the application, its commit."""
    return doc["processingMs"]


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class BackpressureOnRealKafka(RealKafkaTestCase):
    def run_slow_job(self, mode, backpressure, nonempty_batches):
        """Runs the slow application against a fresh topic fed by the producer until it reported
        `nonempty_batches` batches with records; returns (reports, peak RSS KiB). Checks that the
        application got every record of the reported ranges exactly once, with Kafka's values."""
        topic = kh.unique_name(f"bp-{mode}")
        kh.create_topic(topic, 2)
        tmp = tempfile.TemporaryDirectory(prefix="bp-")
        self.addCleanup(tmp.cleanup)
        out = os.path.join(tmp.name, "records.txt")
        args = ["--bootstrap-servers", self.bootstrap, "--batch-interval", f"{INTERVAL_MS}ms", "--master", "local[1]",
                "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.stopTimeout=120s",
                "--conf", f"stream.backpressure.enabled={'true' if backpressure else 'false'}",
                "--conf", f"stream.backpressure.initialRate={PRODUCER_RECORDS_PER_S}"]
        if mode == "receiver":
            # Short blocks: a batch takes whole blocks, so the block interval is its granularity.
            args += ["--mode", "receiver", "--topics", f"{topic}:1", "--group", kh.unique_name("g"),
                     "--conf", "kafka.session.timeout.ms=6000", "--conf", "stream.blockInterval=50ms"]
        else:
            args += ["--topics", topic]
        producer = PacedProducer(self.bootstrap, topic, PRODUCER_RECORDS_PER_S)
        producer.start()
        # A one-value option last: the application and its arguments follow the options.
        proc = start(args + ["--output", "json", APP, f"out={out}", f"delayMicros={1_000_000 // APP_RECORDS_PER_S}"])
        peak = 0

        def enough():
            nonlocal peak
            peak = max(peak, peak_rss_kib(proc.pid))
            if proc.poll() is not None:
                raise AssertionError("streamsubmit exited %s early\n%s" % (proc.returncode, output_of(proc)[1][-3000:]))
            docs = parse_json_report("".join(l for l in output_of(proc)[0].splitlines(True) if l.endswith("\n")))
            return len([d for d in docs if d["records"] > 0]) >= nonempty_batches

        try:
            wait_for(enough, timeout=150, interval=0.2, what=f"{nonempty_batches} batches with records")
        finally:
            producer.stop()
            proc.send_signal(signal.SIGTERM)  # the batch in flight finishes first
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
        stdout, stderr = output_of(proc)
        self.assertEqual(proc.returncode, EXIT_OK, stderr[-3000:])
        docs = parse_json_report(stdout)
        self.check_exactly_once(topic, docs, out)
        return [d for d in docs if d["records"] > 0], peak

    def check_exactly_once(self, topic, docs, out):
        with open(out) as f:
            got = [line.split(" ", 3) for line in f.read().splitlines()]
        seen = {}
        for t, p, off, value in got:
            self.assertEqual(t, topic)
            key = (int(p), int(off))
            self.assertNotIn(key, seen, f"record {key} reached the application twice")
            seen[key] = value
        reported = {(r["partition"], o) for d in docs for r in d["ranges"] for o in range(r["fromOffset"], r["untilOffset"])}
        self.assertEqual(set(seen), reported, "the application got exactly the records of the reported ranges")
        self.assertEqual(sum(d["records"] for d in docs), len(seen))
        for p in {p for p, _ in seen}:  # from the first offset, no gap
            offsets = sorted(o for q, o in seen if q == p)
            self.assertEqual(offsets, list(range(len(offsets))), f"partition {p}")
        kafka = {}
        for line in kh.consume_all(topic, bootstrap=self.bootstrap, fmt="%p %o %s\n").splitlines():
            p, off, value = line.split(" ", 2)
            kafka[(int(p), int(off))] = value
        for key, value in seen.items():
            self.assertEqual(value, kafka[key], f"value of record {key}")

    def check_contrast(self, mode):
        on, peak = self.run_slow_job(mode, True, 16)
        limit = 1.2 * INTERVAL_MS
        times = [processing_ms(d) for d in on]
        delays = [d["schedulingDelayMs"] for d in on]
        print(f"{mode} backpressure on: records {[d['records'] for d in on]}\n  processing ms {[round(t) for t in times]}"
              f"\n  scheduling delay ms {delays}\n  rate {[d['rateLimit'] for d in on]}\n  peak RSS {peak} KiB")
        # From some batch among the first 10 on, every batch is processed within 1.2 intervals.
        settled = next(i for i in range(len(times) + 1) if all(t <= limit for t in times[i:]))
        self.assertLessEqual(settled, 10, f"processing time above {limit} ms after the first 10 batches: {times}")
        later = delays[10:]
        self.assertLessEqual(max(later), INTERVAL_MS, "the scheduling delay stays below one interval")
        self.assertLessEqual(later[-1], max(later[:3]) + 250, "the scheduling delay does not grow")
        self.assertTrue(all(d["rateLimit"] is not None for d in on))
        self.assertLess(peak, 128 * 1024, "peak RSS stays bounded")

        off, _ = self.run_slow_job(mode, False, 3)
        sizes = [d["records"] for d in off]
        delays = [d["schedulingDelayMs"] for d in off]
        times = [processing_ms(d) for d in off]
        print(f"{mode} backpressure off: records {sizes}\n  processing ms {[round(t) for t in times]}"
              f"\n  scheduling delay ms {delays}")
        self.assertTrue(all(d["rateLimit"] is None for d in off))
        # The first batch holds what came before the job started; a stop's last batch (receiver
        # mode) what was buffered. In between, each batch holds what arrived while the one
        # before it was processed: about twice as much every time.
        self.assertGreaterEqual(len(off), 4)
        self.assertTrue(all(b > 1.3 * a for a, b in zip(sizes[1:4], sizes[2:4])), f"batch sizes grow: {sizes}")
        self.assertTrue(all(b > a for a, b in zip(delays[1:4], delays[2:4])), f"scheduling delays grow: {delays}")
        self.assertGreater(times[3], 2 * INTERVAL_MS)
        self.assertGreater(max(sizes), 2 * max(d["records"] for d in on[10:]))

    def test_direct_mode(self):
        self.check_contrast("direct")

    def test_receiver_mode(self):
        self.check_contrast("receiver")


if __name__ == "__main__":
    main()
