"""As a person at a terminal sees it: catch-up progress on stderr (a pty), a clean report
on a stdout pipe, and Ctrl-C stopping after the batch in flight."""
import fcntl
import os
import select
import subprocess
import termios
import time
import unittest

from streamsubmit_test import BIN, EXIT_OK, MockCluster, main, parse_text_report


def run_on_pty(args, until=None, send=None, timeout=60):
    """Runs BIN with stdin/stderr on a new pty (its controlling terminal) and stdout on a pipe.
    `send` (bytes) is typed once `until` (bytes) has appeared on the terminal."""
    master, slave = os.openpty()

    def take_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([BIN] + args, stdin=slave, stderr=slave, stdout=subprocess.PIPE,
                            preexec_fn=take_terminal, env=dict(os.environ, TERM="xterm"))
    os.close(slave)
    screen, sent = b"", False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every process holding the terminal has exited
                chunk = b""
            if not chunk:
                break
            screen += chunk
        if send and not sent and until and until in screen:
            os.write(master, send)
            sent = True
        if proc.poll() is not None and not ready:
            break
    if proc.poll() is None:  # still running at the deadline: the test fails on its exit code
        proc.kill()
    stdout = proc.stdout.read().decode()
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, stdout, screen.decode(errors="replace")


class Terminal(unittest.TestCase):
    def test_progress_on_the_terminal_and_a_clean_pipe(self):
        with MockCluster(topics=["orders:2"], produce=["orders:4000"]) as c:
            for b in range(1, 4):
                c.command(f"rtt {b} 20")
            code, stdout, screen = run_on_pty(
                ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest", "--batch-interval", "1s",
                 "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxRatePerPartition=400"])
        self.assertEqual(code, EXIT_OK, screen)
        self.assertRegex(screen, r"\d+/4000 records \(\d+%\)")
        self.assertIn("records/s, ETA", screen)
        self.assertNotIn("records (", stdout)  # the pipe carries the report only
        self.assertEqual(sum(b["records"] for b in parse_text_report(stdout)), 4000)

    def test_no_progress_when_stderr_is_not_a_terminal(self):
        with MockCluster(topics=["orders:1"], produce=["orders:100"]) as c:
            proc = subprocess.run([BIN, "--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest",
                                   "--conf", "kafka.auto.offset.reset=earliest"], capture_output=True, text=True,
                                  timeout=60)
        self.assertEqual(proc.returncode, 0)
        self.assertNotIn("\r", proc.stderr)
        self.assertNotIn("records (", proc.stderr)

    def test_ctrl_c_stops_after_the_batch_in_flight(self):
        with MockCluster(topics=["orders:1"], produce=["orders:100"]) as c:
            code, stdout, screen = run_on_pty(
                ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "300ms", "-v"],
                until=b"plugin kafka", send=b"\x03", timeout=30)
        self.assertEqual(code, EXIT_OK, screen)
        self.assertIn("stopping after the batch in flight", screen)
        parse_text_report(stdout)  # whole batches only


if __name__ == "__main__":
    main()
