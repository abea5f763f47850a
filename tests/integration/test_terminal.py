"""As a person at a terminal sees it: catch-up and download progress on stderr (a pty), a
clean report on a stdout pipe, and Ctrl-C stopping after the batch in flight."""
import fcntl
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import unittest

from streamsubmit_test import BIN, EXIT_OK, MockCluster, main, parse_text_report

SOURCE_DIR = os.environ.get("STREAMSUBMIT_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "resolver"))
import repo_server  # noqa: E402  (a Maven repository on 127.0.0.1 with a "slow" fault)
from harness import SigningKey  # noqa: E402  (the published jars are signed, so nothing warns)


def run_on_pty(args, until=None, send=None, timeout=60, env=None):
    """Runs BIN with stdin/stderr on a new pty (its controlling terminal) and stdout on a pipe.
    `send` (bytes) is typed once `until` (bytes) has appeared on the terminal."""
    master, slave = os.openpty()

    def take_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([BIN] + args, stdin=slave, stderr=slave, stdout=subprocess.PIPE,
                            preexec_fn=take_terminal, env=dict(env or os.environ, TERM="xterm"))
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

    def test_backpressure_rate_on_the_progress_line(self):
        # A continuous job with backpressure: after each report, the last batch with its rate limit.
        with MockCluster(topics=["orders:2"], produce=["orders:3000"]) as c:
            code, stdout, screen = run_on_pty(
                ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "500ms",
                 "--max-batches", "3", "--conf", "kafka.auto.offset.reset=earliest",
                 "--conf", "stream.backpressure.enabled=true", "--conf", "stream.backpressure.initialRate=1000"])
        self.assertEqual(code, EXIT_OK, screen)
        self.assertRegex(screen, r"batch 0: 500 records, limit 1\.0k records/s, scheduling delay \d+\.\d s")
        self.assertNotIn("limit", stdout)
        self.assertEqual([b["records"] for b in parse_text_report(stdout)][0], 500)  # 1000 records/s * 0.5 s

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
        # "after the batch in flight" only when one was running when Ctrl-C came
        self.assertRegex(screen, r"streamsubmit: stopping( after the batch in flight)? \(signal again to stop now\)")
        parse_text_report(stdout)  # whole batches only


class ResolveProgress(unittest.TestCase):
    """`streamsubmit resolve` against a loopback repository whose jars arrive slowly (4 KiB
    every 50 ms), so that the download progress line has time to show."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="streamsubmit-resolve-progress-")
        repo = os.path.join(self.tmp, "repo")
        lib = os.path.join(self.tmp, "lib.jar")
        app = os.path.join(self.tmp, "app.jar")
        with open(lib, "wb") as f:
            f.write(os.urandom(64 * 1024))
        with open(app, "wb") as f:
            f.write(os.urandom(160 * 1024))
        pom = os.path.join(self.tmp, "app.pom")
        with open(pom, "w") as f:
            f.write("<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>"
                    "<artifactId>app</artifactId><version>1.0</version><dependencies><dependency>"
                    "<groupId>org.example</groupId><artifactId>lib</artifactId><version>1.0</version>"
                    "</dependency></dependencies></project>\n")
        self.key = SigningKey("terminal test publisher")
        for args in (["--file", lib, "--coordinates", "org.example:lib:1.0"],
                     ["--file", app, "--coordinates", "org.example:app:1.0", "--pom", pom]):
            proc = subprocess.run([BIN, "publish", "--repository", "file://" + repo, "--sign", self.key.fingerprint]
                                  + args, capture_output=True, text=True, timeout=60,
                                  env=dict(os.environ, GNUPGHOME=self.key.home))
            self.assertEqual(proc.returncode, 0, proc.stderr)
        self.server, _, url = repo_server.start(repo, faults={".jar": "slow"})
        self.args = ["resolve", "org.example:app:1.0", "--repositories", url, "--default-repositories", "",
                     "--no-local-repository", "--conf", "resolver.trustedKeys=" + self.key.public]
        self.env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.key.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env_with_cache(self, name):
        return dict(self.env, STREAMSUBMIT_CACHE=os.path.join(self.tmp, name))

    def test_download_progress_on_the_terminal_and_a_clean_pipe(self):
        code, stdout, screen = run_on_pty(self.args, env=self.env_with_cache("cache-tty"))
        self.assertEqual(code, EXIT_OK, screen)
        self.assertRegex(screen, r"\rresolving: [0-2]/2 files, [\d.]+ (B|KiB|MiB)\x1b\[K")
        shown = [int(n) for n in re.findall(r"resolving: (\d)/2", screen)]
        self.assertEqual(shown, sorted(shown), screen)  # the count of files only grows
        self.assertIn("resolving: 2/2 files", screen)
        self.assertTrue(screen.endswith("\r\x1b[K"), repr(screen[-200:]))  # cleared at the end
        self.assertTrue(stdout.startswith("org.example:app:jar:1.0:compile -- "), stdout)
        self.assertIn("org.example:lib:jar:1.0:compile", stdout)
        self.assertNotIn("resolving", stdout)
        self.assertNotIn("\r", stdout)
        self.assertNotIn("\x1b", stdout)

    def test_no_download_progress_when_stderr_is_not_a_terminal(self):
        proc = subprocess.run([BIN] + self.args, capture_output=True, text=True, timeout=120,
                              env=dict(self.env_with_cache("cache-pipe"), TERM="xterm"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("org.example:lib:jar:1.0:compile", proc.stdout)
        for stream in (proc.stdout, proc.stderr):
            self.assertNotIn("\r", stream)
            self.assertNotIn("\x1b", stream)
            self.assertNotIn("resolving:", stream)


if __name__ == "__main__":
    main()
