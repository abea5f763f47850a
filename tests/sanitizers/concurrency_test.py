"""The reading threads of both modes under a sanitizer (stdlib only; run by scripts/sanitize tsan).

Drives the (TSan-built) binary against the embedded mock cluster: direct mode's ParallelReader
with --master local[4] (8 partitions read by 4 threads, many small batches, a broker going down
and up mid-run, a SIGINT while a batch is in flight, and a restart from the checkpoint), and
receiver mode's threads (one consumer's partitions spread over 3 receiver threads, the hub,
the write-ahead log's writer and syncer) through the same fault, a stop and a restart. Any
sanitizer report (a line starting "WARNING: ThreadSanitizer" / "ERROR: AddressSanitizer" /
"runtime error:") in the job's or the cluster's stderr fails the test, as does a gap in the
ranges.
"""
import os
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from streamsubmit_test import (EXIT_OK, MockCluster, assert_contiguous, covered, kcat_counts,  # noqa: E402
                               output_of, parse_text_report, run, start, wait_for, wait_for_batches)

REPORT_MARKERS = ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def assert_no_report(test, text, who):
    for marker in REPORT_MARKERS:
        test.assertNotIn(marker, text, f"{who}: sanitizer report:\n{text[-6000:]}")


def cluster_stderr(c):
    c.err.seek(0)
    return c.err.read()


def stopped(test, job):
    """SIGINT to a running job: it ends cleanly, without a sanitizer report. Its stdout and stderr."""
    job.send_signal(signal.SIGINT)
    job.wait(timeout=120)
    out, err = output_of(job)
    assert_no_report(test, err, "job")
    test.assertEqual(job.returncode, EXIT_OK, err[-3000:])
    return out, err


def restarted(test, args, timeout):
    """The same job again, from its checkpoint, to its end. Its stdout."""
    again = run(args, timeout=timeout)
    assert_no_report(test, again.stderr, "restarted job")
    test.assertEqual(again.returncode, EXIT_OK, again.stderr[-3000:])
    return again.stdout


def batches_of(*reports):
    """The batches of several runs' reports, by id: a batch replayed after a restart keeps its id."""
    seen = {}
    for report in reports:
        seen.update({b["batch"]: b for b in parse_text_report(report)})
    return [seen[k] for k in sorted(seen)]


class ReaderThreads(unittest.TestCase):
    def job(self, bootstrap, *extra):
        return ["--bootstrap-servers", bootstrap, "--topics", "orders", "--master", "local[4]",
                "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "200ms"] + list(extra)

    def test_local4_until_latest_with_a_broker_fault(self):
        with MockCluster(brokers=3, topics=["orders:8"], produce=["orders:16000"], value_bytes=20) as c:
            job = start(self.job(c.bootstrap, "--until", "latest", "--conf", "stream.kafka.maxRatePerPartition=2000"))
            wait_for_batches(job, 2, timeout=120)
            c.command("broker down 2")
            time.sleep(2)
            c.command("broker up 2")
            job.wait(timeout=300)
            out, err = output_of(job)
            assert_no_report(self, err, "job")
            self.assertEqual(job.returncode, EXIT_OK, err[-3000:])
            batches = parse_text_report(out)
            self.assertEqual(sum(b["records"] for b in batches), 16000)
            for (t, p), ranges in covered(batches).items():
                self.assertEqual(ranges[0][0], 0)
                assert_contiguous(self, ranges, 0, ranges[-1][1], f"{t}-{p}")
            assert_no_report(self, cluster_stderr(c), "mock-cluster")

    def test_sigint_in_flight_then_resume_from_checkpoint(self):
        with tempfile.TemporaryDirectory() as tmp, \
                MockCluster(brokers=3, topics=["orders:8"], produce=["orders:8000"], value_bytes=20) as c:
            cp = os.path.join(tmp, "cp")
            for b in range(1, 4):
                c.command(f"rtt {b} 50")
            args = self.job(c.bootstrap, "--until", "latest", "--checkpoint", cp,
                            "--conf", "stream.kafka.maxRatePerPartition=1000")
            job = start(args)
            wait_for_batches(job, 2, timeout=120)
            out1, _ = stopped(self, job)
            for b in range(1, 4):
                c.command(f"rtt {b} 0")
            batches = batches_of(out1, restarted(self, args, 300))
            self.assertEqual(sum(b["records"] for b in batches), 8000)
            for (t, p), ranges in covered(batches).items():
                assert_contiguous(self, ranges, 0, ranges[-1][1], f"{t}-{p}")
            assert_no_report(self, cluster_stderr(c), "mock-cluster")


class ReceiverThreads(unittest.TestCase):
    def test_three_receiver_threads_with_the_log_through_a_broker_fault_a_stop_and_a_restart(self):
        with tempfile.TemporaryDirectory() as tmp, \
                MockCluster(brokers=3, topics=["orders:8"], produce=["orders:16000"], value_bytes=20) as c:
            cp = os.path.join(tmp, "cp")
            args = ["--bootstrap-servers", c.bootstrap, "--topics", "orders:3", "--mode", "receiver",
                    "--group", "tsan-receivers", "--checkpoint", cp, "--batch-interval", "200ms",
                    "--conf", "stream.receiver.writeAheadLog.enable=true", "--conf", "kafka.auto.offset.reset=earliest",
                    "--conf", "stream.receiver.maxRate=1000", "--until", "latest"]
            job = start(args)
            wait_for(lambda: sum(b["records"] for b in parse_text_report(output_of(job)[0])) > 0
                     or job.poll() is not None, timeout=180, what="a batch with records", jobs=[job])
            c.command("broker down 2")
            time.sleep(2)  # the fault's length, not a wait for an event
            c.command("broker up 2")
            wait_for_batches(job, 6, timeout=180)
            out1, err1 = stopped(self, job)
            self.assertIn("/2: Disconnected", err1)  # the job's connections to broker 2 saw the fault
            batches = batches_of(out1, restarted(self, args, 600))
            self.assertEqual(sum(b["records"] for b in batches), 16000)
            _, ends = kcat_counts(c.bootstrap, "orders")  # an independent client's view
            spans = covered(batches)
            self.assertEqual(sorted(p for _, p in spans), sorted(ends))
            for (t, p), ranges in spans.items():
                assert_contiguous(self, [r for r in ranges if r[0] < r[1]], 0, ends[p], f"{t}-{p}")
            assert_no_report(self, cluster_stderr(c), "mock-cluster")


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
