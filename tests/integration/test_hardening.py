"""Hardening against the embedded mock cluster: one job per checkpoint, a bounded stop, one
error format for anything that escapes, and scripts/demo's exit status."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from streamsubmit_test import (EXIT_OK, EXIT_USAGE, MockCluster, main, output_of, parse_text_report, run, start,
                               wait_for, wait_for_batches)

EXIT_IN_USE, EXIT_STOP_TIMEOUT = 6, 7
ROOT = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def job(bootstrap, *extra):
    return ["--bootstrap-servers", bootstrap, "--topics", "orders", "--conf", "kafka.auto.offset.reset=earliest",
            "--batch-interval", "200ms"] + list(extra)


def last_batch_file(cp):
    name = sorted(os.listdir(os.path.join(cp, "batches")))[-1]
    with open(os.path.join(cp, "batches", name)) as f:
        return json.load(f)


class OneJobPerCheckpoint(unittest.TestCase):
    def test_second_job_exits_6_naming_the_directory_and_the_holder(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:200"]) as c:
            cp = os.path.join(tmp, "cp")
            first = start(job(c.bootstrap, "--checkpoint", cp))
            try:
                wait_for_batches(first, 1, timeout=60)
                second = run(job(c.bootstrap, "--checkpoint", cp), timeout=60)
                self.assertEqual(second.returncode, EXIT_IN_USE, second.stderr)
                self.assertEqual(second.stdout, "")  # it printed no batch
                self.assertIn("streamsubmit: error: the checkpoint directory is in use by another job", second.stderr)
                self.assertIn(f"(pid {first.pid})", second.stderr)
                self.assertIn(cp, second.stderr)
                self.assertIsNone(first.poll())  # the holder runs on undisturbed
            finally:
                first.kill()
                first.wait()
            # The holder died with kill -9, its pid still in DIR/lock: the next job starts.
            with open(os.path.join(cp, "lock")) as f:
                self.assertEqual(f.read().strip(), str(first.pid))
            again = run(job(c.bootstrap, "--checkpoint", cp, "--max-batches", "1"), timeout=60)
            self.assertEqual(again.returncode, EXIT_OK, again.stderr)
            self.assertIn("resuming from checkpoint", again.stderr)

    def test_write_ahead_log_is_locked_too(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:50"]) as c:
            cp = os.path.join(tmp, "cp")
            args = ["--mode", "receiver", "--group", "g-lock", "--bootstrap-servers", c.bootstrap, "--topics", "orders",
                    "--batch-interval", "500ms", "--checkpoint", cp, "--conf", "stream.receiver.writeAheadLog.enable=true"]
            first = start(args)
            try:
                wait_for(lambda: os.path.exists(os.path.join(cp, "wal", "lock")) or first.poll() is not None,
                         timeout=60, what="the write-ahead log's lock")
                second = run(args, timeout=60)
                self.assertEqual(second.returncode, EXIT_IN_USE, second.stderr)
                self.assertIn(f"(pid {first.pid})", second.stderr)
            finally:
                first.kill()
                first.wait()


class OneErrorFormat(unittest.TestCase):
    def test_a_thread_count_beyond_int_is_a_usage_error_not_an_abort(self):
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "t", "--master", "local[99999999999]"])
        self.assertEqual(proc.returncode, EXIT_USAGE, proc.stderr)
        self.assertTrue(proc.stderr.startswith("streamsubmit: error: --master asks for more than"), proc.stderr)
        self.assertIn("local[99999999999]", proc.stderr)
        self.assertNotIn("terminate called", proc.stderr)


class BoundedStop(unittest.TestCase):
    def test_stop_timeout_ends_a_stuck_batch_with_exit_7_and_the_next_start_reruns_it(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:3000"]) as c:
            cp = os.path.join(tmp, "cp")
            args = job(c.bootstrap, "--checkpoint", cp, "--until", "latest", "--conf",
                       "stream.kafka.maxRatePerPartition=100", "--conf", "stream.kafka.requestTimeout=120s")
            first = start(args + ["--conf", "stream.stopTimeout=2s"])
            wait_for_batches(first, 1, timeout=60)
            for b in range(1, 4):
                c.command(f"rtt {b} 60000")  # every request now takes a minute: the batch in flight is stuck
            time.sleep(1)
            signalled = time.monotonic()
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=60)
            took = time.monotonic() - signalled
            out, err = output_of(first)
            self.assertEqual(first.returncode, EXIT_STOP_TIMEOUT, err)
            self.assertLess(took, 20, f"the stop took {took:.1f} s with stream.stopTimeout=2s")
            self.assertIn("streamsubmit: error: the job did not stop within stream.stopTimeout (2 s)", err)
            printed = parse_text_report(out)
            last = last_batch_file(cp)
            # The stop came in planning (status complete) or reading (planned): either way the
            # checkpoint is whole and the next start goes on from it.
            for b in range(1, 4):
                c.command(f"rtt {b} 0")
            again = run(args, timeout=180)
            self.assertEqual(again.returncode, EXIT_OK, again.stderr)
            rerun = parse_text_report(again.stdout)
            if last["status"] == "planned":
                self.assertNotIn(last["batch"], [b["batch"] for b in printed])
                self.assertIn(f"after batch {last['batch']} (re-running it", again.stderr)
                self.assertEqual(rerun[0]["batch"], last["batch"])
                self.assertEqual(sorted(rerun[0]["ranges"]),
                                 sorted((r["topic"], r["partition"], r["from"], r["until"]) for r in last["ranges"]))
            else:
                self.assertEqual(rerun[0]["batch"], last["batch"] + 1)
            seen = {b["batch"]: b for b in printed}
            seen.update({b["batch"]: b for b in rerun})
            self.assertEqual(sorted(seen), list(range(len(seen))))  # no batch missing


class Demo(unittest.TestCase):
    def test_demo_exits_0(self):
        env = dict(os.environ, BUILD_DIR=os.environ.get("STREAMSUBMIT_BUILD_DIR", os.path.join(ROOT, "build")),
                   STREAMSUBMIT_KAFKA_NO_SETUP="1")
        proc = subprocess.run([os.path.join(ROOT, "scripts", "demo")], capture_output=True, text=True, timeout=600,
                              env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        # stdout: the offset report, then the head of the application's output file, which
        # starts with the id of the last batch it committed ("batch N").
        lines = proc.stdout.splitlines()
        cut = next(i for i, line in enumerate(lines) if re.fullmatch(r"batch \d+", line))
        report = parse_text_report("\n".join(lines[:cut]))
        self.assertGreater(len(report), 0)
        self.assertEqual(lines[cut], "batch %d" % report[-1]["batch"])
        total = sum(b["records"] for b in report)
        self.assertIn("%d records; records, value bytes, key" % total, proc.stderr)
        self.assertIn("demo: done", proc.stderr)


if __name__ == "__main__":
    main()
