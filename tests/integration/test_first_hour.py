"""What a new user trips over (issue 26, part B): processes left behind, suggestions, help,
hints, the mock cluster's control lines and a closed stdout pipe. Against the embedded mock
cluster; runs with no Kafka installed."""
import json
import os
import select
import signal
import subprocess
import tempfile
import unittest

from streamsubmit_test import (BIN, EXIT_KAFKA, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, MockCluster, kcat_counts, main,
                               output_of, parse_text_report, run, start, wait_for, wait_for_exit)

EXIT_STOP_TIMEOUT, EXIT_INTERRUPTED = 7, 130


def alive(pid):
    """A pidfd of `pid`, or None when it is gone already."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None


def ends_within(pid, seconds):
    """Waits (on the process's pidfd, an event) up to `seconds` for `pid` to end."""
    fd = alive(pid)
    if fd is None:
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(seconds * 1000))
    finally:
        os.close(fd)


class ExecSinkCommandsDoNotOutliveTheJob(unittest.TestCase):
    """The exec sink's command (and what it started) ends with streamsubmit, however it ends."""

    def start_job(self, c, tmp, *extra):
        pids = os.path.join(tmp, "pids")
        # The command starts a child and waits for it: the batch stays in flight.
        command = f"sleep 300 & echo $$ $! > {pids}.tmp && mv {pids}.tmp {pids}; wait"
        job = start(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "200ms",
                     "--conf", "kafka.auto.offset.reset=earliest", "--sink", "exec",
                     "--conf", "sink.exec.command=" + command] + list(extra))
        wait_for(lambda: os.path.exists(pids) or job.poll() is not None, what="the command to start", jobs=[job])
        self.assertIsNone(job.poll(), output_of(job)[1])
        with open(pids) as f:
            sh, child = (int(p) for p in f.read().split())
        for pid in (sh, child):
            fd = alive(pid)
            self.assertIsNotNone(fd, "the command runs while the job does")
            os.close(fd)
        return job, sh, child

    def assert_gone(self, sh, child):
        self.assertTrue(ends_within(sh, 10), "the command's sh outlived streamsubmit")
        self.assertTrue(ends_within(child, 10), "the command's child outlived streamsubmit")

    def test_second_sigint_exit_130_stops_the_command_and_its_child(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:100"]) as c:
            job, sh, child = self.start_job(c, tmp)
            job.send_signal(signal.SIGINT)
            wait_for(lambda: "stopping after the batch in flight" in output_of(job)[1], what="the first signal",
                     jobs=[job])
            job.send_signal(signal.SIGINT)
            wait_for_exit(job, 30, "the second SIGINT")
            self.assertEqual(job.returncode, EXIT_INTERRUPTED)
            self.assert_gone(sh, child)

    def test_stop_past_the_stop_timeout_exit_7_stops_the_command_and_its_child(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:100"]) as c:
            job, sh, child = self.start_job(c, tmp, "--conf", "stream.stopTimeout=1s")
            job.send_signal(signal.SIGTERM)
            wait_for_exit(job, 30, "stream.stopTimeout passed")
            self.assertEqual(job.returncode, EXIT_STOP_TIMEOUT, output_of(job)[1])
            self.assert_gone(sh, child)


class Suggestions(unittest.TestCase):
    def test_bare_streamsubmit_prints_a_short_usage_exit_2(self):
        proc = run([], check=EXIT_USAGE)
        self.assertTrue(proc.stderr.startswith("Usage: streamsubmit [options]"), proc.stderr)
        self.assertNotIn("no topics", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_unknown_options_get_the_nearest(self):
        for wrong, right in (("--bootstrap-server", "--bootstrap-servers"), ("--topic", "--topics")):
            proc = run([wrong, "x"], check=EXIT_USAGE)
            self.assertIn(f"unknown option {wrong}", proc.stderr)
            self.assertIn(f"did you mean {right}?", proc.stderr)
        proc = run(["resolve", "--tre", "g:a:1"], check=EXIT_USAGE)
        self.assertIn("did you mean --tree?", proc.stderr)
        self.assertIn("'streamsubmit resolve --help'", proc.stderr)

    def test_misspelt_subcommand(self):
        proc = run(["mock-clustr"], check=EXIT_USAGE)
        self.assertIn("unknown subcommand 'mock-clustr'", proc.stderr)
        self.assertIn("did you mean mock-cluster?", proc.stderr)
        self.assertNotIn("no topics", proc.stderr)

    def test_keys_without_their_section(self):
        for given, meant in (("group.id=x", "kafka.group.id"), ("batchInterval=2s", "stream.batchInterval")):
            proc = run(["--conf", given, "--topics", "t"], check=EXIT_USAGE)
            self.assertIn(f"did you mean {meant}?", proc.stderr)

    def test_second_pair_after_conf_hints_to_repeat_conf(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([BIN, "-c", "a=1", "b=2"], capture_output=True, text=True, timeout=60, cwd=tmp)
        self.assertEqual(proc.returncode, EXIT_USAGE, proc.stderr)
        self.assertIn("(b=2)", proc.stderr)
        self.assertIn("-c a=1 -c b=2", proc.stderr)


class Help(unittest.TestCase):
    def test_one_usage_line(self):
        self.assertEqual(run(["--help"], check=EXIT_OK).stdout.count("Usage:"), 1)

    def test_subcommand_help_shows_only_its_exit_codes(self):
        root = run(["--help"], check=EXIT_OK).stdout
        self.assertIn("6 checkpoint in use by another job", root)
        for sub in ("resolve", "publish", "config", "mock-cluster"):
            text = run([sub, "--help"], check=EXIT_OK).stdout
            self.assertEqual(text.count("Exit status:"), 1, sub)
            self.assertNotIn("checkpoint in use", text, sub)
            self.assertIn("man streamsubmit", text, sub)
        self.assertIn("6 checkpoint in use by another job", run(["submit", "--help"], check=EXIT_OK).stdout)

    def test_resolve_help_and_errors(self):
        self.assertNotIn("Excludes", run(["resolve", "--help"], check=EXIT_OK).stdout)
        proc = run(["resolve"], check=EXIT_USAGE)
        self.assertIn("'streamsubmit resolve --help'", proc.stderr)
        proc = run(["resolve", "--tree", "--list", "g:a:1"], check=EXIT_USAGE)
        self.assertIn("--tree and --list", proc.stderr)


class UnreachableKafka(unittest.TestCase):
    def test_hint_names_the_request_timeout_and_the_failure_is_said_once(self):
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--master", "local[4]",
                    "--conf", "stream.kafka.requestTimeout=2s"], check=EXIT_KAFKA, timeout=60)
        self.assertIn("cannot reach Kafka", proc.stderr)
        self.assertIn("stream.kafka.requestTimeout", proc.stderr)
        self.assertEqual(proc.stderr.count("Connection refused"), 1, proc.stderr)


class MockClusterControl(unittest.TestCase):
    def test_a_mistyped_command_is_named_on_stderr(self):
        with MockCluster(topics=["orders:1"]) as c:
            c.proc.stdin.write("brokr down 1\n")
            c.proc.stdin.flush()
            self.assertEqual(c.proc.stdout.readline().strip(), "error: unknown command 'brokr'")
            c.proc.stdin.write("rtt 1\n")
            c.proc.stdin.flush()
            self.assertEqual(c.proc.stdout.readline().strip(), "error: malformed command 'rtt 1'")
            c.command("rtt 1 0")  # the cluster still answers
            c.err.seek(0)
            err = c.err.read()
        self.assertIn("unknown command 'brokr'", err)
        self.assertIn("commands: topic NAME PARTITIONS", err)
        self.assertIn("write rtt BROKER MS", err)

    def test_help_lists_the_commands(self):
        text = run(["mock-cluster", "--help"], check=EXIT_OK).stdout
        for command in ("topic NAME PARTITIONS", "broker down|up ID", "rtt BROKER MS", "error API_KEY COUNT ERROR_CODE"):
            self.assertIn(command, text)

    def test_sigterm_does_not_speak_of_a_batch(self):
        proc = subprocess.Popen([BIN, "mock-cluster", "--brokers", "1"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertTrue(proc.stdout.readline().startswith("bootstrap.servers="))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn("batch in flight", err)


class Supervise(unittest.TestCase):
    def test_stopped_between_restarts_exits_with_the_failure_and_says_no_batch(self):
        job = start(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--supervise", "--master", "local[1]",
                     "--conf", "stream.kafka.requestTimeout=1s"])
        wait_for(lambda: "restarting in" in output_of(job)[1] or job.poll() is not None, timeout=60,
                 what="the first restart", jobs=[job])
        job.send_signal(signal.SIGTERM)
        wait_for_exit(job, 30, "SIGTERM between restarts")
        err = output_of(job)[1]
        self.assertEqual(job.returncode, EXIT_KAFKA, err)  # the failure it was waiting to retry
        self.assertIn("stopped while waiting to restart", err)
        self.assertNotIn("batch in flight", err)


class ClosedStdout(unittest.TestCase):
    def test_head_1_ends_the_job_quietly_and_the_batch_is_complete(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:1000"]) as c:
            cp = os.path.join(tmp, "cp")
            args = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "200ms",
                    "--checkpoint", cp, "--conf", "kafka.auto.offset.reset=earliest",
                    "--conf", "stream.kafka.maxRatePerPartition=500"]
            head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            job = subprocess.Popen([BIN] + args, stdout=head.stdin, stderr=subprocess.PIPE, text=True)
            head.stdin.close()  # only the job writes into the pipe
            first = head.stdout.read()
            head.wait(timeout=30)
            _, err = job.communicate(timeout=60)
            self.assertEqual(job.returncode, EXIT_OK, err)
            self.assertEqual(err, "")
            self.assertTrue(first.startswith("batch 0 "), first)
            # The batch whose report met the closed pipe was completed: a restart goes on after it.
            batches = os.path.join(cp, "batches")
            with open(os.path.join(batches, sorted(os.listdir(batches))[-1])) as f:
                last = json.load(f)
            self.assertEqual(last["status"], "complete")
            again = run(args + ["--until", "latest"], check=EXIT_OK)
            resumed = parse_text_report(again.stdout)
            _, ends = kcat_counts(c.bootstrap, "orders")
        until = {r["partition"]: r["until"] for r in last["ranges"]}
        self.assertGreater(until[0], 0)
        # The restart goes on exactly where the completed batch ended, up to the log's end.
        self.assertEqual(resumed[0]["batch"], last["batch"] + 1)
        self.assertEqual(resumed[0]["ranges"][0][2], until[0])
        self.assertEqual(resumed[-1]["ranges"][-1][3], ends[0])

    def test_another_write_failure_is_still_exit_1(self):
        with MockCluster(topics=["orders:1"], produce=["orders:10"]) as c, open("/dev/full", "w") as full:
            proc = subprocess.run([BIN, "--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                                   "--conf", "kafka.auto.offset.reset=earliest"], stdout=full,
                                  stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(proc.returncode, EXIT_RUNTIME, proc.stderr)
        self.assertIn("cannot write the batch report to stdout: No space left on device", proc.stderr)


if __name__ == "__main__":
    main()
