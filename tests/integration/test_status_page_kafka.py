"""The status page (GET / on --metrics-address) in a real browser, on a job reading a real broker.

Debian's `chromium` loads the page headless and its DOM is read after the page's script ran
(--dump-dom with a virtual time budget): the batch table's newest row must be the job's last JSON
report line, every partition's lag must be what `streamsubmit status` says, each chart must have
one point per batch of the table. A slow application makes the state line say "falling behind"
and, once it read the backlog, "keeping up". A screenshot of the page is kept in the build
directory (test-artifacts/status-page.png).
"""
import html.parser
import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, main, output_of, parse_json_report, run, start, wait_for, wait_for_exit

CI = os.environ.get("CI") == "true"
APP = os.path.join(os.environ.get("TEST_PLUGIN_DIR", ""), "test-slow_app.so")
ARTIFACTS = os.path.join(os.environ.get("STREAMSUBMIT_BUILD_DIR", tempfile.gettempdir()), "test-artifacts")
CHARTS = ("chart-rate", "chart-processing", "chart-delay", "chart-backpressure")
SECRET = "status-page-secret-5f2c"


def chromium(*args):
    """Runs headless chromium on its own throw-away profile; its virtual clock lets the page's
    script fetch /api/* and draw before the DOM is dumped or the screenshot taken."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                               "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
                               "--virtual-time-budget=5000"] + list(args),
                              capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"chromium {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout


def screenshot(url, name, size):
    """A PNG of the page as drawn, kept as test-artifacts/NAME in the build directory."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, name)
    if os.path.exists(shot):
        os.remove(shot)
    chromium(f"--window-size={size}", f"--screenshot={shot}", url)
    if not os.path.exists(shot):
        raise AssertionError(f"chromium wrote no screenshot {shot}")
    return shot


class RenderedPage(html.parser.HTMLParser):
    """What the test reads of the rendered DOM: the state line, the rows of the two tables, the
    points of each chart."""

    def __init__(self, dom):
        super().__init__()
        self.rendered = False
        self.state = ""
        self.batches = []     # newest first: (id, records)
        self.partitions = {}  # (topic, partition) -> lag (an int, or "unknown")
        self.points = {}      # chart id -> [batch id of each point]
        self._svg = None
        self._in_state = False
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("data-rendered") == "1":
            self.rendered = True
        elif a.get("id") == "state":
            self._in_state = True
        elif tag == "svg":
            self._svg = a.get("id")
            self.points.setdefault(self._svg, [])
        elif tag == "circle" and self._svg:
            self.points[self._svg].append(int(a["data-batch"]))
        elif tag == "tr" and "data-id" in a:
            self.batches.append((int(a["data-id"]), int(a["data-records"])))
        elif tag == "tr" and "data-topic" in a:
            lag = a["data-lag"]
            self.partitions[(a["data-topic"], int(a["data-partition"]))] = lag if lag == "unknown" else int(lag)

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        elif tag == "span":
            self._in_state = False

    def handle_data(self, data):
        if self._in_state:
            self.state += data


def api(url, path):
    """The JSON of GET url+path; None while nothing listens yet (the job is starting)."""
    try:
        with urllib.request.urlopen(url + path, timeout=10) as r:
            return json.loads(r.read().decode())
    except urllib.error.URLError as e:
        if isinstance(e.reason, ConnectionRefusedError):
            return None
        raise


def need_chromium(test):
    """Fails under CI (scripts/setup installs it), skips with a reason elsewhere."""
    if shutil.which("chromium"):
        return
    if CI:
        test.fail("chromium is not installed: run scripts/setup")
    test.skipTest("chromium is not installed (scripts/setup installs it)")


def reports(proc):
    """The job's JSON report lines so far (complete lines only)."""
    out = output_of(proc)[0]
    return parse_json_report("".join(l for l in out.splitlines(True) if l.endswith("\n")))


class StatusPageOnRealKafka(RealKafkaTestCase):
    def stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        wait_for_exit(proc, 120, "SIGTERM")
        self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])

    def test_the_page_agrees_with_the_report_and_status_and_has_one_point_per_batch(self):
        need_chromium(self)
        topic = kh.unique_name("page")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 6000)
        port = kh.free_port()
        url = f"http://127.0.0.1:{port}/"
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            # 150 records per partition every 3 s: about 14 batches with a lag, and 3 s between
            # batches in which the report, the checkpoint and the page stand still.
            proc = start(["--bootstrap-servers", self.bootstrap, "--topics", topic, "--checkpoint", cp,
                          "--name", "status-page-test", "--batch-interval", "3s", "--output", "json",
                          "--metrics-address", f"127.0.0.1:{port}",
                          "--conf", "kafka.auto.offset.reset=earliest",
                          "--conf", "stream.kafka.maxRatePerPartition=50",
                          # A secret the page must not show (librdkafka ignores it without SASL).
                          "--conf", f"kafka.sasl.password={SECRET}"])
            try:
                seen = {}

                def page_agrees():
                    if proc.poll() is not None:
                        raise AssertionError("the job exited:\n" + output_of(proc)[1][-3000:])
                    before = reports(proc)
                    if not before:
                        return False
                    dom = chromium("--dump-dom", url)
                    status = json.loads(run(["status", "--checkpoint", cp, "--bootstrap-servers", self.bootstrap,
                                             "--output", "json"], check=EXIT_OK).stdout)
                    after = reports(proc)
                    if after[-1] != before[-1]:
                        seen["why"] = "a batch ended while the page was read"
                        return False
                    page = RenderedPage(dom)
                    last = after[-1]
                    status_lag = {(p["topic"], p["partition"]): p["lag"] for p in status["partitions"]}
                    seen.update(page=page.batches[:3], state=page.state, partitions=page.partitions,
                                status=status_lag, report=(last["batch"], last["records"]),
                                points={c: len(page.points.get(c, [])) for c in CHARTS}, rows=len(page.batches))
                    self.assertNotIn(SECRET, dom)
                    return (page.rendered and page.batches[:1] == [(last["batch"], last["records"])]
                            and status["last_batch"]["id"] == last["batch"]
                            and page.partitions == status_lag and sum(status_lag.values()) > 0
                            and len(status_lag) == 3
                            and all(page.points.get(c) == [b for b, _ in reversed(page.batches)] for c in CHARTS))
                try:
                    wait_for(page_agrees, timeout=120, interval=0.5,
                             what="the rendered page to agree with the report and status while records wait",
                             jobs=[proc])
                except AssertionError as e:
                    raise AssertionError(f"{e}\nlast comparison: {seen}") from None
                # The job the page describes, and no secret in anything the endpoint serves.
                batches = api(url, "api/batches")
                self.assertEqual(batches["batchIntervalMs"], 3000)
                job = api(url, "api/job")
                self.assertEqual((job["name"], job["mode"], job["topics"], job["checkpoint"]),
                                 ("status-page-test", "direct", [topic], cp))
                for path in ("", "api/job", "api/batches", "api/partitions"):
                    with urllib.request.urlopen(url + path, timeout=10) as r:
                        self.assertNotIn(SECRET, r.read().decode(), path)

                # Caught up: every lag 0 on the page as in status; the screenshot is kept.
                def caught_up():
                    parts = api(url, "api/partitions")["partitions"]  # the page was served: it listens
                    return len(parts) == 3 and all(p["lag"] == 0 for p in parts)
                wait_for(caught_up, timeout=180, interval=0.5, what="the job to catch up", jobs=[proc])
                page = RenderedPage(chromium("--dump-dom", url))
                status = json.loads(run(["status", "--checkpoint", cp, "--bootstrap-servers", self.bootstrap,
                                         "--output", "json"], check=EXIT_OK).stdout)
                self.assertEqual(page.partitions,
                                 {(p["topic"], p["partition"]): p["lag"] for p in status["partitions"]})
                self.assertEqual(set(page.partitions.values()), {0})
                self.assertEqual(page.state, "keeping up")
                shot = screenshot(url, "status-page.png", "1280,1500")
                with open(shot, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
                self.assertGreater(os.path.getsize(shot), 20_000)  # a drawn page, not a blank one
            finally:
                if proc.poll() is None:
                    self.stop(proc)

    def test_a_slow_application_falls_behind_then_keeps_up(self):
        need_chromium(self)
        topic = kh.unique_name("slow")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 6000)
        port = kh.free_port()
        url = f"http://127.0.0.1:{port}/"
        with tempfile.TemporaryDirectory() as tmp:
            # 500 records per 500 ms batch at 2 ms a record: each batch takes 1 s, so each starts
            # 500 ms later than the one before, for 12 batches; then the backlog is read and the
            # empty batches catch up with the interval.
            proc = start(["--bootstrap-servers", self.bootstrap, "--topics", topic, "--batch-interval", "500ms",
                          "--name", "slow-app-test",
                          "--master", "local[1]", "--metrics-address", f"127.0.0.1:{port}",
                          "--conf", "kafka.auto.offset.reset=earliest",
                          "--conf", "stream.kafka.maxRatePerPartition=1000", "--output", "json",
                          APP, f"out={os.path.join(tmp, 'records.txt')}", "delayMicros=2000"])
            try:
                def state():
                    if proc.poll() is not None:
                        raise AssertionError("the job exited:\n" + output_of(proc)[1][-3000:])
                    batches = api(url, "api/batches")
                    return batches["state"]["state"] if batches else None

                wait_for(lambda: state() == "falling behind", timeout=120, interval=0.2,
                         what="the state line to say falling behind", jobs=[proc])
                # The browser shows it too (the page reads the same API); N grows batch by batch.
                behind = {}

                def page_says_falling_behind():
                    page = RenderedPage(chromium("--dump-dom", url))
                    behind["state"] = page.state
                    return page.state.startswith("falling behind (delay growing for ")
                wait_for(page_says_falling_behind, timeout=60, interval=0.2,
                         what="the rendered state line to say falling behind", jobs=[proc])
                growing = int(behind["state"].split("for ", 1)[1].split(" ", 1)[0])
                self.assertGreaterEqual(growing, 2, behind["state"])
                # A second artifact: the page of a job that falls behind (README's screenshot).
                screenshot(url, "status-page-falling-behind.png", "1280,1000")
                late = [d["schedulingDelayMs"] for d in reports(proc)]
                self.assertGreater(max(late), 500, late)

                wait_for(lambda: state() == "keeping up", timeout=180, interval=0.2,
                         what="the state line to say keeping up after the backlog", jobs=[proc])
                self.assertEqual(sum(d["records"] for d in reports(proc)), 6000)
                self.assertEqual(RenderedPage(chromium("--dump-dom", url)).state, "keeping up")
            finally:
                if proc.poll() is None:
                    self.stop(proc)


if __name__ == "__main__":
    main()
