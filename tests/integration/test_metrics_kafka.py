"""The metrics endpoint (--metrics-address) and `streamsubmit status` against a real broker.

A real Prometheus server (Debian's `prometheus`) scrapes a running direct-mode job on loopback;
its query API must agree with kcat's count, with `kafka-consumer-groups` and with `status`, while
the job runs and after it caught up. The probes are checked before assignment, during a
write-ahead log replay and with a stuck batch loop; `promtool check metrics` checks the names.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import (EXIT_KAFKA, EXIT_OK, EXIT_USAGE, kcat_counts, main, output_of, run, start, wait_for,
                               wait_for_exit)

CI = os.environ.get("CI") == "true"


def need_tool(test, name):
    """Fails under CI (scripts/setup installs it), skips with a reason elsewhere."""
    if shutil.which(name):
        return
    if CI:
        test.fail(f"{name} is not installed: run scripts/setup")
    test.skipTest(f"{name} is not installed (scripts/setup installs it)")


def http_get(url, timeout=5):
    """(status, body) of a GET; a refused connection is (None, reason)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
        return None, str(e)


def metric(url, name, label=""):
    """The value of a series of the job's own /metrics (summed over its label sets holding `label`)."""
    total = 0.0
    for line in http_get(url + "/metrics")[1].splitlines():
        if line.startswith(name + "{") and label in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


class Prometheus:
    """A Prometheus server on a free loopback port, scraping `target` every 500 ms."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="prometheus-")
        self.port = kh.free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
                    "scrape_configs:\n  - job_name: streamsubmit\n    static_configs:\n"
                    f"      - targets: ['{target}']\n")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen(["prometheus", f"--config.file={config}",
                                      f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.proc.poll() is not None or http_get(self.url("/-/ready"))[0] == 200, timeout=60,
                 what="Prometheus to be ready")
        if self.proc.poll() is not None:
            raise AssertionError("prometheus exited:\n" + self.output())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self):
        self.log.seek(0)
        return self.log.read()[-3000:]

    def value(self, query):
        """The instant value of a PromQL expression, or None when it has no sample."""
        status, body = http_get(self.url("/api/v1/query?" + urllib.parse.urlencode({"query": query})))
        if status != 200:
            raise AssertionError(f"query {query} answered {status}: {body}")
        result = json.loads(body)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def group_offsets_and_lag(group):
    """{(topic, partition): (CURRENT-OFFSET, LAG)} from one kafka-consumer-groups --describe."""
    out = kh.kafka_tool("kafka-consumer-groups", "--bootstrap-server", kh._bootstrap(None), "--describe",
                        "--group", group).stdout.decode()
    header, lags = None, {}
    for line in out.splitlines():
        cols = line.split()
        if cols and cols[0] == "GROUP":
            header = cols
        elif header and len(cols) >= len(header) - 3 and cols[0] == group:
            row = dict(zip(header, cols))
            if row.get("LAG", "-") != "-":
                lags[(row["TOPIC"], int(row["PARTITION"]))] = (int(row["CURRENT-OFFSET"]), int(row["LAG"]))
    return lags


class MetricsOnRealKafka(RealKafkaTestCase):
    def job(self, topic, port, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--metrics-address", f"127.0.0.1:{port}"] + list(extra)

    def status(self, *args):
        proc = run(["status", "--bootstrap-servers", self.bootstrap, "--output", "json"] + list(args), check=EXIT_OK)
        return json.loads(proc.stdout)

    def stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        wait_for_exit(proc, 60, "SIGTERM")

    def test_prometheus_agrees_with_kcat_consumer_groups_and_status(self):
        need_tool(self, "prometheus")
        need_tool(self, "promtool")
        topic, group_name = kh.unique_name("metrics"), kh.unique_name("g")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 30000)
        counts, ends = kcat_counts(self.bootstrap, topic)
        total = sum(counts.values())
        self.assertEqual(total, 30000)
        port = kh.free_port()
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            # Each batch pauses 5 s before it is marked complete: the numbers stay put long enough
            # for a scrape, a query, `status` and kafka-consumer-groups (a JVM: ~2 s) to see the same batch.
            proc = start(self.job(topic, port, "--checkpoint", cp, "--group", group_name, "--name", "metrics-test",
                                  "--batch-interval", "200ms", "--conf", "stream.kafka.maxRatePerPartition=8000",
                                  "--conf", "stream.kafka.commitOffsets=true"),
                         env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "5000"})
            prom = Prometheus(f"127.0.0.1:{port}")
            try:
                sel = f'{{job_name="metrics-test",topic="{topic}"}}'

                def agree_while_running():
                    if proc.poll() is not None:
                        raise AssertionError("the job exited:\n" + output_of(proc)[1][-3000:])
                    lag = prom.value(f"sum(streamsubmit_consumer_lag_records{sel})")
                    records = prom.value(f"sum(streamsubmit_records_total{sel})")
                    if lag is None or records is None or lag == 0 or records == 0:
                        return False
                    status = self.status("--checkpoint", cp)
                    positions = {p["partition"]: p["position"] for p in status["partitions"]}
                    status_lag = sum(p["lag"] for p in status["partitions"])
                    group = group_offsets_and_lag(group_name)
                    kafka_lag = sum(lag for _, lag in group.values())
                    return (lag == status_lag == kafka_lag and records + lag == total
                            and records == sum(positions.values())
                            and all(group.get((topic, p), (None,))[0] == o for p, o in positions.items()))
                wait_for(agree_while_running, timeout=120, interval=0.2,
                         what="Prometheus, status and kafka-consumer-groups to agree on a running job", jobs=[proc])

                def caught_up():
                    return (prom.value(f"sum(streamsubmit_records_total{sel})") == total
                            and prom.value(f"sum(streamsubmit_consumer_lag_records{sel})") == 0)
                wait_for(caught_up, timeout=180, what="Prometheus to see the job caught up", jobs=[proc])
                status = self.status("--checkpoint", cp)
                self.assertEqual({p["partition"]: p["position"] for p in status["partitions"]}, ends)
                self.assertEqual([p["lag"] for p in status["partitions"]], [0, 0, 0])
                wait_for(lambda: sum(lag for _, lag in group_offsets_and_lag(group_name).values()) == 0, timeout=30,
                         what="the group's lag to be 0")
                self.assertEqual(prom.value(f'sum(streamsubmit_consumer_lag_seconds{sel})'), 0)
                self.assertGreater(prom.value('streamsubmit_batches_total{outcome="committed"}'), 3)
                self.assertGreater(prom.value("process_resident_memory_bytes"), 0)
                self.assertEqual(prom.value('count(streamsubmit_build_info{version!=""})'), 1)

                scrape = http_get(f"http://127.0.0.1:{port}/metrics")[1]
                check = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True, text=True)
                self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            finally:
                prom.close()
                self.stop(proc)
            # A stopped job's checkpoint: the same positions, the last batch complete.
            stopped = self.status("--checkpoint", cp)
            self.assertEqual({p["partition"]: p["position"] for p in stopped["partitions"]}, ends)
            self.assertEqual(stopped["last_batch"]["state"], "complete")
            text = run(["status", "--checkpoint", cp, "--bootstrap-servers", self.bootstrap], check=EXIT_OK).stdout
            self.assertIn(f"last batch {stopped['last_batch']['id']} ", text)
            self.assertEqual(len([l for l in text.splitlines() if l.startswith(topic)]), 3)

    def test_readyz_waits_for_an_assignment_and_healthz_fails_when_the_batch_loop_is_stuck(self):
        topic, group = kh.unique_name("probes"), kh.unique_name("g")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 100)
        ports = [kh.free_port(), kh.free_port()]
        # Two instances share one partition in group mode: one is assigned and ready, the other
        # runs (alive) but owns nothing (not ready).
        jobs = [start(self.job(topic, port, "--group", group, "--batch-interval", "200ms",
                               "--conf", "stream.kafka.coordination=group")) for port in ports]
        try:
            def one_ready_one_waiting():
                probes = [http_get(f"http://127.0.0.1:{p}/readyz") for p in ports]
                alive = [http_get(f"http://127.0.0.1:{p}/healthz")[0] for p in ports]
                return (sorted(s or 0 for s, _ in probes) == [200, 503] and alive == [200, 200]
                        and any("no partition assigned" in body for s, body in probes if s == 503))
            wait_for(one_ready_one_waiting, timeout=120, what="one instance ready, the other unassigned", jobs=jobs)
        finally:
            for j in jobs:
                self.stop(j)

        # A batch that takes 6 s with a 1 s liveness bound: /healthz fails while it hangs, and
        # answers again once the batch ended.
        port = kh.free_port()
        proc = start(self.job(topic, port, "--batch-interval", "200ms", "--conf", "metrics.livenessTimeout=1s"),
                     env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "6000"})
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: http_get(url + "/readyz")[0] == 200, timeout=60, what="ready", jobs=[proc])
            wait_for(lambda: http_get(url + "/healthz")[0] == 503, timeout=30, what="/healthz to fail", jobs=[proc])
            self.assertIn("no batch ended for", http_get(url + "/healthz")[1])
            wait_for(lambda: http_get(url + "/healthz")[0] == 200, timeout=30, what="/healthz back", jobs=[proc])
        finally:
            self.stop(proc)

    def test_readyz_is_not_ready_while_the_write_ahead_log_is_replayed(self):
        topic, group = kh.unique_name("replay"), kh.unique_name("g")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 3000)
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            base = ["--mode", "receiver", "--group", group, "--checkpoint", cp,
                    "--conf", "stream.receiver.writeAheadLog.enable=true", "--conf", "stream.blockInterval=100ms"]
            # Killed while its first batch (20 s) is open and logged: the restart replays it.
            first = start(self.job(topic, kh.free_port(), *base, "--batch-interval", "20s",
                                   "--conf", "stream.receiver.maxRate=2000"))
            wal = os.path.join(cp, "wal")

            def segment_has_blocks():
                segments = sorted(n for n in os.listdir(wal) if n.endswith(".wal")) if os.path.isdir(wal) else []
                return segments and os.path.getsize(os.path.join(wal, segments[-1])) > 2000
            wait_for(segment_has_blocks, timeout=60, what="a write-ahead log segment with blocks", jobs=[first])
            first.send_signal(signal.SIGKILL)
            first.wait()
            port = kh.free_port()
            url = f"http://127.0.0.1:{port}"
            second = start(self.job(topic, port, *base, "--batch-interval", "1s"),
                           env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "3000"})
            try:
                wait_for(lambda: "replaying" in output_of(second)[1] and "test hook: batch" in output_of(second)[1],
                         timeout=60, what="the replayed batch's pause", jobs=[second])
                status, body = http_get(url + "/readyz")
                self.assertEqual(status, 503, body)
                wait_for(lambda: http_get(url + "/readyz")[0] == 200, timeout=60, what="ready after the replay",
                         jobs=[second])
                # The live receiver logs blocks and was assigned its partition.
                wait_for(lambda: metric(url, "streamsubmit_wal_written_bytes_total") > 0, timeout=60,
                         what="the log's bytes in /metrics", jobs=[second])
                self.assertGreater(metric(url, "streamsubmit_wal_fsync_duration_seconds_count"), 0)
                self.assertGreaterEqual(metric(url, "streamsubmit_rebalances_total", 'kind="assigned"'), 1)
                # In receiver mode the positions are the group's: status --group reads them.
                wait_for(lambda: kh.consumer_group_offsets(group).get((topic, 0)) == 3000, timeout=60,
                         what="the group to commit every record", jobs=[second])
                by_group = self.status("--group", group, "--topics", topic)
                self.assertEqual(by_group["partitions"],
                                 [{"topic": topic, "partition": 0, "position": 3000, "latest": 3000, "lag": 0}])
                self.assertIsNone(by_group["checkpoint"])
                # Receiver-mode lag: the latest offsets the endpoint asks for every batch interval.
                def receiver_lag():
                    return [l.rsplit(" ", 1)[1] for l in http_get(url + "/metrics")[1].splitlines()
                            if l.startswith("streamsubmit_consumer_lag_records{") and f'topic="{topic}"' in l]
                wait_for(lambda: receiver_lag() == ["0"], timeout=30, what="receiver lag 0 in /metrics", jobs=[second])
            finally:
                self.stop(second)

    def test_receiver_lag_seconds_follow_the_last_received_record(self):
        """Receiver mode's lag seconds: now minus the timestamp of the last record of the partition's
        last batch. Records produced between two clock readings bound it from both sides."""
        topic, group = kh.unique_name("lagsec"), kh.unique_name("g")
        kh.create_topic(topic, 1)
        produced_from = time.time()
        kh.produce(self.bootstrap, topic, 4000)
        produced_until = time.time()
        port = kh.free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start(self.job(topic, port, "--mode", "receiver", "--group", group, "--batch-interval", "500ms",
                              "--conf", "stream.blockInterval=100ms", "--conf", "stream.receiver.maxRate=400"))
        try:
            def series(name):
                return [float(l.rsplit(" ", 1)[1]) for l in http_get(url + "/metrics")[1].splitlines()
                        if l.startswith(name + "{") and f'topic="{topic}"' in l]

            sample = {}

            def behind_with_seconds():
                sample["before"] = time.time()
                lag, sample["seconds"] = (series("streamsubmit_consumer_lag_records"),
                                          series("streamsubmit_consumer_lag_seconds"))
                sample["after"] = time.time()
                return lag and lag[0] > 0 and sample["seconds"]
            wait_for(behind_with_seconds, timeout=60, what="receiver lag seconds while the job is behind", jobs=[proc])
            before, after, seconds = sample["before"], sample["after"], sample["seconds"]
            # The last record processed was produced between produced_from and produced_until.
            self.assertGreaterEqual(seconds[0], before - produced_until - 0.05, seconds)
            self.assertLessEqual(seconds[0], after - produced_from + 0.05, seconds)
            wait_for(lambda: series("streamsubmit_consumer_lag_records") == [0], timeout=60,
                     what="the job to catch up", jobs=[proc])
            self.assertEqual(series("streamsubmit_consumer_lag_seconds"), [0])
        finally:
            self.stop(proc)

    def test_bind_failure_and_unreachable_kafka(self):
        with socket_bound() as port:
            proc = run(self.job("any", port), check=EXIT_USAGE)
            self.assertIn(f"127.0.0.1:{port}", proc.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            topic = kh.unique_name("down")
            kh.create_topic(topic, 1)
            run(self.job(topic, kh.free_port(), "--checkpoint", cp, "--max-batches", "1"), check=EXIT_OK)
            before = sorted(os.listdir(os.path.join(cp, "batches")))
            proc = run(["status", "--checkpoint", cp, "--bootstrap-servers", f"127.0.0.1:{kh.free_port()}",
                        "--timeout-ms", "1000"], check=EXIT_KAFKA)
            self.assertIn("cannot reach Kafka", proc.stderr)
            self.assertEqual(sorted(os.listdir(os.path.join(cp, "batches"))), before)  # never changed


class socket_bound:
    """A listening socket on a free loopback port, for the duration of a with block."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


if __name__ == "__main__":
    main()
