"""Direct mode end to end against the embedded mock cluster (`streamsubmit mock-cluster`).

Cross-checks with kcat, an independent client. Runs with no Kafka installed.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import sys
import unittest
import urllib.request

from streamsubmit_test import (EXIT_APPLICATION, EXIT_INTERRUPTED, EXIT_KAFKA, EXIT_OK, EXIT_RUNTIME, EXIT_PLUGIN, EXIT_USAGE, MockCluster, assert_contiguous,
                               covered, kcat_counts, main, output_of, parse_json_report, parse_text_report, run, start,
                               wait_for, wait_for_batches)

TEST_PLUGIN_DIR = os.environ.get("TEST_PLUGIN_DIR", "")
sys.path.insert(0, os.path.join(os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "resolver"))
import repo_server  # noqa: E402  (a Maven repository on 127.0.0.1 that counts the requests it answers)

from kafka_harness import free_port  # noqa: E402


def last_batch_record(cp):
    """The newest batch file of a checkpoint, as JSON."""
    name = sorted(os.listdir(os.path.join(cp, "batches")))[-1]
    with open(os.path.join(cp, "batches", name)) as f:
        return json.load(f)



class DirectModeOnMockCluster(unittest.TestCase):
    def job(self, bootstrap, *extra):
        return ["--bootstrap-servers", bootstrap, "--topics", "orders", "--conf", "kafka.auto.offset.reset=earliest",
                "--batch-interval", "200ms"] + list(extra)

    def test_until_latest_reads_every_record_once(self):
        with MockCluster(topics=["orders:3"], produce=["orders:30000"]) as c:
            proc = run(self.job(c.bootstrap, "--until", "latest"), check=EXIT_OK)
            batches = parse_text_report(proc.stdout)
            counts, ends = kcat_counts(c.bootstrap, "orders")
        self.assertGreaterEqual(len(batches), 1)
        by_tp = covered(batches)
        self.assertEqual(sorted(by_tp), [("orders", 0), ("orders", 1), ("orders", 2)])
        for (topic, p), ranges in by_tp.items():
            assert_contiguous(self, ranges, 0, ends[p], f"{topic}-{p}")
        self.assertEqual(sum(b["records"] for b in batches), 30000)
        self.assertEqual(sum(counts.values()), 30000)
        for b in batches:  # no gaps on the mock: the header counts what the ranges span
            self.assertEqual(b["records"], sum(u - f for _, _, f, u in b["ranges"]))

    def test_each_handle_ends_its_group_before_its_brokers_are_told_to_end(self):
        """librdkafka#3608 (an abort in rd_kafka_destroy, seen once in CI): a coordinator connection
        that goes down while up makes its thread ask another broker for metadata. That must be
        over before rd_kafka_destroy() tells the brokers to end, so every handle's close ends its
        group first and waits for that thread. librdkafka's own debug log shows the order."""
        with MockCluster(topics=["orders:3"], produce=["orders:30000"]) as c:
            proc = run(["-v"] + self.job(c.bootstrap, "--until", "latest",
                                         "--conf", "kafka.debug=cgrp,broker,metadata"), check=EXIT_OK)
        lines = proc.stderr.splitlines()
        handles = sorted(set(re.findall(r"\((streamsubmit#consumer-\d+)\): \[thrd:app\]: Terminating instance",
                                        proc.stderr)))
        self.assertTrue(handles, "no handle's destroy in the debug log:\n" + proc.stderr[-3000:])
        refreshed = 0
        for h in handles:
            mine = [line for line in lines if f"({h})" in line]
            end = next(i for i, line in enumerate(mine) if "[thrd:app]: Terminating instance" in line)
            refreshes = [i for i, line in enumerate(mine)
                         if "[thrd:GroupCoordinator]" in line and "Requesting metadata" in line and "broker down" in line]
            for i in refreshes:
                self.assertLess(i, end, f"{h}: the coordinator thread asked for metadata after the destroy began:\n"
                                + "\n".join(mine[max(0, end - 5):i + 2]))
            refreshed += len(refreshes)
        # The case at stake happened: some coordinator connection was up when its group ended.
        self.assertGreater(refreshed, 0, "no coordinator connection went down while up:\n" + proc.stderr[-3000:])

    def test_rate_limits_bound_every_range_and_batch(self):
        with MockCluster(topics=["orders:3"], produce=["orders:6000"]) as c:
            proc = run(self.job(c.bootstrap, "--until", "latest", "--batch-interval", "1s",
                                "--conf", "stream.kafka.maxRatePerPartition=500",
                                "--conf", "stream.kafka.maxOffsetsPerBatch=1200"), check=EXIT_OK)
        batches = parse_text_report(proc.stdout)
        self.assertGreater(len(batches), 4)
        for b in batches:
            self.assertLessEqual(b["records"], 1200)
            for _, _, f, u in b["ranges"]:
                self.assertLessEqual(u - f, 500)
        self.assertEqual(sum(b["records"] for b in batches), 6000)

    def test_files_sink_writes_every_record_once_raw_and_json(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:3000"],
                                                               value_bytes=10) as c:
            for fmt_name in ("json", "raw"):
                out = os.path.join(tmp, fmt_name)
                proc = run(self.job(c.bootstrap, "--until", "latest", "--output", "json", "--sink", "files",
                                    "--conf", "sink.files.dir=" + out, "--conf", "sink.files.format=" + fmt_name,
                                    "--conf", "sink.files.delimiter=\\x1e", "--conf",
                                    "stream.kafka.maxRatePerPartition=2000"), check=EXIT_OK)
                docs = parse_json_report(proc.stdout)
                names = sorted(os.listdir(out))
                # One file per non-empty range, named topic+partition+from.
                want = sorted("orders+%d+%020d.%s" % (r["partition"], r["fromOffset"], "jsonl" if fmt_name == "json"
                                                      else "raw") for d in docs for r in d["ranges"] if r["records"])
                self.assertEqual(names, want)
                data = b"".join(open(os.path.join(out, n), "rb").read() for n in names)
                if fmt_name == "raw":
                    self.assertEqual(data.count(b"\x1e"), 3000)
                    continue
                lines = [json.loads(line) for line in data.splitlines()]
                self.assertEqual(len({(d["partition"], d["offset"]) for d in lines}), 3000)
                self.assertTrue(all(d["key"].startswith("key-") for d in lines))
                self.assertTrue(all(d["durationMs"]["commit"] > 0 for d in docs if d["records"]))

    def test_json_lines_report(self):
        with MockCluster(topics=["orders:2"], produce=["orders:1000"], value_bytes=10) as c:
            proc = run(self.job(c.bootstrap, "--until", "latest", "--output", "json"), check=EXIT_OK)
        docs = parse_json_report(proc.stdout)
        self.assertTrue(docs)
        for i, d in enumerate(docs):
            self.assertEqual(d["batch"], i)
            self.assertEqual(d["mode"], "direct")
            self.assertEqual(set(d["durationMs"]), {"query", "plan", "read", "output", "process", "commit"})
            self.assertEqual((d["durationMs"]["process"], d["durationMs"]["commit"]), (0, 0))  # no application
            self.assertEqual(d["records"], sum(r["records"] for r in d["ranges"]))
            for r in d["ranges"]:
                self.assertEqual(set(r), {"topic", "partition", "fromOffset", "untilOffset", "records", "logEndOffset"})
                self.assertLessEqual(r["untilOffset"], r["logEndOffset"])
        self.assertEqual(sum(d["records"] for d in docs), 1000)
        # key "key-<n>" (5-9 bytes) + value 10 bytes per record
        self.assertGreater(sum(d["bytes"] for d in docs), 1000 * 14)

    def test_starting_offsets_json_and_max_batches(self):
        with MockCluster(topics=["orders:3"], produce=["orders:3000"]) as c:
            start_json = json.dumps({"orders": {"0": 100, "1": -2, "2": -1}})
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "100ms",
                        "--conf", f"stream.startingOffsets={start_json}", "--max-batches", "1"], check=EXIT_OK)
            _, ends = kcat_counts(c.bootstrap, "orders")
        batches = parse_text_report(proc.stdout)
        self.assertEqual(len(batches), 1)
        ranges = {p: (f, u) for _, p, f, u in batches[0]["ranges"]}
        self.assertEqual(ranges[0], (100, ends[0]))
        self.assertEqual(ranges[1], (0, ends[1]))
        self.assertEqual(ranges[2], (ends[2], ends[2]))

    def test_kill_minus_nine_then_restart_resumes_without_gap(self):
        """Each kill lands between a batch's output and its "complete" record (a test-only pause
        announced on stderr): every restart must re-run that batch with identical ranges."""
        kills = 3
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:9000"]) as c:
            cp = os.path.join(tmp, "cp")
            args = self.job(c.bootstrap, "--until", "latest", "--checkpoint", cp, "--batch-interval", "1s",
                            "--conf", "stream.kafka.maxRatePerPartition=300")
            seen, reruns = {}, 0
            for _ in range(kills):
                job = start(args, env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "5000"})
                wait_for(lambda: "test hook: batch" in output_of(job)[1] or job.poll() is not None, timeout=120,
                         what="a batch output and not yet complete")
                job.kill()
                job.wait()
                out, err = output_of(job)
                self.assertEqual(job.returncode, -signal.SIGKILL, err)
                printed = parse_text_report(out)
                last = last_batch_record(cp)
                self.assertEqual(last["status"], "planned")  # the kill landed where it matters
                self.assertEqual(printed[-1]["batch"], last["batch"])  # ... after the batch was output
                for b in printed:
                    if b["batch"] in seen:  # the re-run of the batch killed before
                        self.assertEqual(sorted(seen[b["batch"]]["ranges"]), sorted(b["ranges"]))
                        reruns += 1
                    seen[b["batch"]] = b
            final = run(args, check=EXIT_OK, timeout=180)
            self.assertIn("(re-running it: it did not complete)", final.stderr)
            for b in parse_text_report(final.stdout):
                if b["batch"] in seen:
                    self.assertEqual(sorted(seen[b["batch"]]["ranges"]), sorted(b["ranges"]))
                    reruns += 1
                seen[b["batch"]] = b
            _, ends = kcat_counts(c.bootstrap, "orders")
        self.assertEqual(reruns, kills, "every kill must be followed by an identical re-run")
        self.assertEqual(sorted(seen), list(range(len(seen))), "batch ids have a gap")
        for (topic, p), ranges in covered([seen[k] for k in sorted(seen)]).items():
            assert_contiguous(self, ranges, 0, ends[p], f"{topic}-{p}")

    def test_broker_down_and_up_mid_run(self):
        with MockCluster(brokers=3, topics=["orders:3"], produce=["orders:6000"]) as c:
            for b in range(1, 4):
                c.command(f"rtt {b} 20")
            job = start(self.job(c.bootstrap, "--until", "latest", "--batch-interval", "1s",
                                 "--conf", "stream.kafka.maxRatePerPartition=200"))
            wait_for_batches(job, 2, timeout=60)
            c.command("broker down 2")
            time.sleep(3)
            c.command("broker up 2")
            job.wait(timeout=180)
            out, err = output_of(job)
            _, ends = kcat_counts(c.bootstrap, "orders")
        self.assertEqual(job.returncode, EXIT_OK, err)
        for (topic, p), ranges in covered(parse_text_report(out)).items():
            assert_contiguous(self, ranges, 0, ends[p], f"{topic}-{p}")

    def test_sigint_finishes_the_batch_in_flight_and_exits_zero(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:500"]) as c:
            cp = os.path.join(tmp, "cp")
            job = start(self.job(c.bootstrap, "--checkpoint", cp))
            wait_for_batches(job, 2, timeout=30)
            job.send_signal(signal.SIGINT)
            job.wait(timeout=30)
            out, err = output_of(job)
            self.assertEqual(job.returncode, EXIT_OK, err)
            batches = parse_text_report(out)
            last_file = sorted(os.listdir(os.path.join(cp, "batches")))[-1]
            with open(os.path.join(cp, "batches", last_file)) as f:
                last = json.load(f)
            self.assertEqual(last["status"], "complete")
            self.assertEqual(last["batch"], batches[-1]["batch"])
            self.assertEqual(len(batches[-1]["ranges"]), 2)  # the last batch was printed whole

    def test_second_signal_stops_at_once_with_130_and_the_checkpoint_stays_usable(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:3000"]) as c:
            cp = os.path.join(tmp, "cp")
            for b in range(1, 4):
                c.command(f"rtt {b} 1500")  # slow batches: the signals land while one is in flight
            args = self.job(c.bootstrap, "--checkpoint", cp, "--until", "latest",
                            "--conf", "stream.kafka.maxRatePerPartition=100")
            job = start(args)
            wait_for_batches(job, 1)
            job.send_signal(signal.SIGTERM)
            # A second signal sent while the first is still pending would merge with it.
            wait_for(lambda: "streamsubmit: stopping" in output_of(job)[1], what="the first signal")
            job.send_signal(signal.SIGTERM)
            job.wait(timeout=30)
            self.assertEqual(job.returncode, EXIT_INTERRUPTED)
            self.assertIn("interrupted", output_of(job)[1])
            for b in range(1, 4):
                c.command(f"rtt {b} 0")
            again = run(args, check=EXIT_OK)
            _, ends = kcat_counts(c.bootstrap, "orders")
        before = parse_text_report(output_of(job)[0])
        seen = {b["batch"]: b for b in before}
        seen.update({b["batch"]: b for b in parse_text_report(again.stdout)})
        for (topic, p), ranges in covered([seen[k] for k in sorted(seen)]).items():
            assert_contiguous(self, ranges, 0, ends[p], f"{topic}-{p}")

    def test_checkpoint_of_another_topic_set_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1", "clicks:1"],
                                                               produce=["orders:10"]) as c:
            cp = os.path.join(tmp, "cp")
            run(self.job(c.bootstrap, "--until", "latest", "--checkpoint", cp), check=EXIT_OK)
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "clicks", "--until", "latest",
                        "--checkpoint", cp], check=EXIT_USAGE)
            self.assertIn("checkpoint belongs to another job", proc.stderr)
            self.assertIn("hint:", proc.stderr)


class ApplicationHost(unittest.TestCase):
    """A C application (plugins/testing/recorder_app_plugin.c, which logs every call) in place of
    the bundled files sink: a plugin directory searched first whose streamsubmit-sink-files.so is it."""

    def run_recorded(self, tmp, args, check, **env):
        plugin_dir = os.path.join(tmp, "plugins")
        if not os.path.isdir(plugin_dir):
            os.makedirs(plugin_dir)
            os.symlink(os.path.join(TEST_PLUGIN_DIR, "test-recorder_app.so"),
                       os.path.join(plugin_dir, "streamsubmit-sink-files.so"))
        log = os.path.join(tmp, "calls.log")
        if os.path.exists(log):
            os.unlink(log)
        proc = run(args + ["--sink", "files", "--conf", "sink.files.dir=unused", "--output", "json"], check=check,
                   env=dict({"STREAMSUBMIT_PLUGIN_DIR": plugin_dir, "RECORDER_LOG": log}, **env))
        with open(log) as f:
            return proc, [line.split() for line in f.read().splitlines()]

    def test_process_per_range_then_commit_before_complete_abort_on_failure_recover_wins(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:3000"]) as c:
            cp = os.path.join(tmp, "cp")
            args = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--conf",
                    "kafka.auto.offset.reset=earliest", "--checkpoint", cp, "--master", "local[2]",
                    "--conf", "stream.kafka.maxRatePerPartition=1000", "--batch-interval", "200ms"]
            # Batch 1's commit fails: the job stops, the application was told to abort, the batch stays planned.
            failed, calls = self.run_recorded(tmp, args + ["--max-batches", "3"], None, RECORDER_FAIL_COMMIT_BATCH="1")
            self.assertEqual(failed.returncode, EXIT_APPLICATION, failed.stderr)
            self.assertIn("commit of batch 1 fails", failed.stderr)
            self.assertEqual([c[0] for c in calls if c[0] in ("commit", "commit-failed", "abort")],
                             ["commit", "commit-failed", "abort"])
            self.assertEqual(calls[0], ["create"])
            self.assertEqual(calls[-1], ["destroy"])
            first = parse_json_report(failed.stdout)
            self.assertEqual([d["batch"] for d in first], [0])  # batch 1 was never reported
            # The restart re-runs batch 1 with the same ranges; every call of a batch comes before its commit.
            again, calls = self.run_recorded(tmp, args + ["--until", "latest"], EXIT_OK)
            docs = parse_json_report(again.stdout)
            self.assertEqual(docs[0]["batch"], 1)
            recovered = {(c[1], int(c[2])): int(c[3]) for c in calls if c[0] == "recover"}
            self.assertEqual(recovered, {("orders", r["partition"]): r["fromOffset"] for r in docs[0]["ranges"]})
            seen = {}
            for c in calls:
                if c[0] in ("process", "finish"):
                    self.assertNotIn(int(c[1]), [b for b, kind in seen.items() if kind == "committed"])
                    seen.setdefault(int(c[1]), "open")
                elif c[0] == "commit":
                    seen[int(c[1])] = "committed"
            self.assertEqual(sorted(seen), [d["batch"] for d in docs])
            self.assertTrue(all(v == "committed" for v in seen.values()))
            got = sum(int(c[6]) for c in calls if c[0] == "process")
            self.assertEqual(got, sum(d["records"] for d in docs))
            self.assertEqual(sum(d["records"] for d in first) + got, 3000)
            for d in docs:  # one finish per non-empty range, after its records, each in its range
                finishes = [c for c in calls if c[0] == "finish" and int(c[1]) == d["batch"]]
                self.assertEqual(len(finishes), sum(1 for r in d["ranges"] if r["untilOffset"] > r["fromOffset"]))
                for c in calls:
                    if c[0] == "process" and int(c[1]) == d["batch"]:
                        self.assertTrue(int(c[4]) <= int(c[7]) <= int(c[8]) < int(c[5]), c)
            # recover's answer wins over the checkpoint: every partition continues at offset 10.
            from_ten, calls = self.run_recorded(tmp, args + ["--max-batches", "1"], EXIT_OK, RECORDER_RECOVER_OFFSET="10")
            self.assertIn("continues orders-0 at offset 10", from_ten.stderr)
            self.assertEqual({r["fromOffset"] for r in parse_json_report(from_ten.stdout)[0]["ranges"]}, {10})


class PackagesFromARepository(unittest.TestCase):
    """--packages: the connector comes from a Maven repository, as spark-submit's --packages."""

    def test_job_loads_the_published_plugin_and_pins_it_in_a_lockfile(self):
        root = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
        build = os.path.dirname(os.environ.get("STREAMSUBMIT_BIN", ""))
        version = run(["--version"], check=EXIT_OK).stdout.split()[1]
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:200"]) as c:
            repo = f"file://{tmp}/repo"
            # signed by a key publish-plugins generates in STREAMSUBMIT_SIGNING_HOME, trusted explicitly
            signing = os.path.join(tmp, "signing")
            subprocess.run([os.path.join(root, "scripts", "publish-plugins"), repo], check=True, capture_output=True,
                           env=dict(os.environ, BUILD_DIR=build, STREAMSUBMIT_SIGNING_HOME=signing), timeout=120)
            args = ["--packages", f"io.streamsubmit:streamsubmit-kafka:{version}", "--repositories", repo,
                    "--conf", f"resolver.trustedKeys={signing}/public.asc",
                    "--lockfile", f"{tmp}/streamsubmit.lock", "--bootstrap-servers", c.bootstrap, "--topics", "orders",
                    "--until", "latest", "--conf", "kafka.auto.offset.reset=earliest", "-v"]
            env = {"STREAMSUBMIT_CACHE": f"{tmp}/cache"}
            first = run(args, check=EXIT_OK, env=env)
            self.assertRegex(first.stderr, rf"plugin kafka \S+ from {tmp}/\S+-linux-\S+\.so")
            self.assertEqual(sum(b["records"] for b in parse_text_report(first.stdout)), 200)
            with open(f"{tmp}/streamsubmit.lock") as f:
                self.assertIn("streamsubmit-kafka", f.read())
            # The lockfile pins the file: a different plugin under the same coordinates is refused.
            so = [os.path.join(d, n) for d, _, ns in os.walk(f"{tmp}/repo") for n in ns if n.endswith(".so")][0]
            with open(so, "ab") as f:
                f.write(b"tampered")
            for ext in (".md5", ".sha1", ".sha256", ".sha512"):
                os.remove(so + ext)  # no sidecar to catch it: only the lockfile can
            tampered = run(args, env=env)
            self.assertEqual(tampered.returncode, 5, tampered.stderr)
            self.assertIn("sha256", tampered.stderr)

    def test_metrics_count_what_resolving_the_packages_cost(self):
        """streamsubmit_resolver_*: the requests the repository answered, the bytes of the plugin, and
        nothing at all on a warm cache."""
        root = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
        build = os.path.dirname(os.environ.get("STREAMSUBMIT_BIN", ""))
        version = run(["--version"], check=EXIT_OK).stdout.split()[1]
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"]) as c:
            signing = os.path.join(tmp, "signing")
            subprocess.run([os.path.join(root, "scripts", "publish-plugins"), f"file://{tmp}/repo"], check=True,
                           capture_output=True, env=dict(os.environ, BUILD_DIR=build,
                                                         STREAMSUBMIT_SIGNING_HOME=signing), timeout=120)
            server, repo, url = repo_server.start(f"{tmp}/repo")
            try:
                def resolver_metrics(cache):
                    port = free_port()
                    proc = start(["--packages", f"io.streamsubmit:streamsubmit-kafka:{version}", "--repositories", url,
                                  "--conf", f"resolver.trustedKeys={signing}/public.asc", "--bootstrap-servers",
                                  c.bootstrap, "--topics", "orders", "--metrics-address", f"127.0.0.1:{port}"],
                                 env={"STREAMSUBMIT_CACHE": cache})
                    try:
                        scraped = []

                        def scrape():
                            try:
                                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                                    scraped.append(r.read().decode())
                                    return True
                            except OSError:
                                return False
                        wait_for(scrape, timeout=60, what="the metrics endpoint", jobs=[proc])
                        body = scraped[-1]
                    finally:
                        proc.send_signal(signal.SIGTERM)
                        proc.wait(timeout=60)
                    return {l.split("{")[0].split(" ")[0]: float(l.rsplit(" ", 1)[1]) for l in body.splitlines()
                            if l.startswith("streamsubmit_resolver_")}

                cache = f"{tmp}/cache"
                cold = resolver_metrics(cache)
                so = [os.path.join(d, n) for d, _, ns in os.walk(f"{tmp}/repo") for n in ns
                      if n.startswith("streamsubmit-kafka") and n.endswith(".so")][0]
                self.assertEqual(cold["streamsubmit_resolver_requests_total"], len(repo.requests), repo.requests)
                self.assertGreaterEqual(cold["streamsubmit_resolver_downloaded_bytes_total"], os.path.getsize(so))
                self.assertEqual(cold["streamsubmit_resolver_artifacts"], 1)
                self.assertGreater(cold["streamsubmit_resolver_duration_seconds"], 0)
                asked = len(repo.requests)
                warm = resolver_metrics(cache)
                self.assertEqual(len(repo.requests), asked)
                self.assertEqual(warm["streamsubmit_resolver_requests_total"], 0)
                self.assertEqual(warm["streamsubmit_resolver_downloaded_bytes_total"], 0)
                self.assertEqual(warm["streamsubmit_resolver_artifacts"], 1)
            finally:
                server.shutdown()


class Configuration(unittest.TestCase):
    def test_defaults_file_then_conf_then_options(self):
        with tempfile.TemporaryDirectory() as conf_dir:
            with open(os.path.join(conf_dir, "streamsubmit-defaults.conf"), "w") as f:
                f.write("# site defaults\nstream.batchInterval 5s\nstream.output json\nkafka.client.id site\n"
                        "kafka.sasl.password hunter2\n")
            env = {"STREAMSUBMIT_CONF_DIR": conf_dir}
            shown = run(["config", "--conf", "stream.output=text", "--batch-interval", "3s", "--conf",
                         "stream.batchInterval=4s"], check=EXIT_OK, env=env).stdout
        lines = {line.split(" = ")[0]: line for line in shown.splitlines()}
        self.assertIn("= 3s  (command line)", lines["stream.batchInterval"])
        self.assertIn("= text  (--conf)", lines["stream.output"])
        self.assertIn("= site  (properties file", lines["kafka.client.id"])
        self.assertIn("= latest  (default)", lines["kafka.auto.offset.reset"])
        self.assertNotIn("hunter2", shown)  # secrets are redacted
        self.assertIn("kafka.sasl.password = *****", shown)


class ErrorsAndExitCodes(unittest.TestCase):
    def test_unreachable_brokers_exit_4(self):
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "orders", "--conf",
                    "stream.kafka.requestTimeout=2s"], check=EXIT_KAFKA, timeout=60)
        self.assertIn("streamsubmit: error: cannot reach Kafka", proc.stderr)
        self.assertIn("hint:", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_a_broker_slow_to_answer_at_start_is_waited_out_in_both_modes(self):
        """Brokers that take the connection but answer more slowly than stream.kafka.requestTimeout
        (here: a round trip of 1 s against 2.5 s; the mock broker takes two round trips to answer
        ApiVersions, and the first metadata request, sent only once
        ApiVersions has been answered, times out) are asked again with a warning, as during a run;
        once they answer the job reads every record. An address where nothing listens still
        ends the start with exit 4 (the test above)."""
        for mode in ("direct", "receiver"):
            with self.subTest(mode=mode), MockCluster(brokers=1, topics=["orders:2"], produce=["orders:40"]) as c:
                c.command("rtt 1 1000")
                job = start(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--mode", mode,
                             "--group", f"slow-{mode}", "--until", "latest", "--batch-interval", "200ms",
                             "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.requestTimeout=2500ms"])
                try:
                    wait_for(lambda: "retrying" in output_of(job)[1] or job.poll() is not None, timeout=60,
                             what="the start to time out once", jobs=[job])
                    c.command("rtt 1 0")
                    job.wait(timeout=120)
                finally:
                    if job.poll() is None:
                        job.kill()
                        job.wait()
                out, err = output_of(job)
                self.assertEqual(job.returncode, EXIT_OK, err[-3000:])
                self.assertIn("did not answer a metadata request within 2500 ms; retrying", err)
                self.assertNotIn("error:", err)
                counts, ends = kcat_counts(c.bootstrap, "orders")
                self.assertEqual(sum(counts.values()), 40)
                reported = {}
                for b in parse_text_report(out):
                    for _, p, frm, until in b["ranges"]:
                        reported.setdefault(p, []).append((frm, until))
                for p, end in ends.items():
                    spans = sorted(r for r in reported.get(p, []) if r[0] < r[1])
                    self.assertEqual(spans[0][0], 0, spans)
                    self.assertEqual(spans[-1][1], end, spans)
                    self.assertTrue(all(a[1] == b[0] for a, b in zip(spans, spans[1:])), spans)

    def test_closed_stdout_ends_the_job_quietly_exit_0(self):
        with MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            proc = subprocess.Popen([os.environ.get("STREAMSUBMIT_BIN", "streamsubmit"), "--bootstrap-servers",
                                     c.bootstrap, "--topics", "orders", "--until", "latest",
                                     "--conf", "kafka.auto.offset.reset=earliest"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            proc.stdout.close()  # the reader went away, as with `| head -0`
            err = proc.stderr.read()
            proc.wait(timeout=60)
        self.assertEqual(proc.returncode, EXIT_OK, err)  # as `kcat | head` does (test_first_hour.py: | head -1)
        self.assertNotIn("cannot write", err)

    def test_checkpoint_path_that_is_a_file_exit_2(self):
        with tempfile.NamedTemporaryFile() as f:
            proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "t", "--checkpoint", f.name],
                       check=EXIT_USAGE)
        self.assertIn(f.name, proc.stderr)

    def test_unknown_topic_exit_4(self):
        with MockCluster(topics=["orders:1"]) as c:
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "nosuchtopic"], check=EXIT_KAFKA)
        self.assertIn("nosuchtopic", proc.stderr)

    def test_librdkafka_rejects_a_key_by_name_exit_2(self):
        with MockCluster(topics=["orders:1"]) as c:
            proc = run(["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--conf", "kafka.no.such.key=1"],
                       check=EXIT_USAGE)
        self.assertIn("kafka.no.such.key", proc.stderr)

    def test_unknown_key_suggests_the_nearest(self):
        proc = run(["--topics", "t", "--conf", "stream.failOnDataLos=false"], check=EXIT_USAGE)
        self.assertIn("stream.failOnDataLoss", proc.stderr)

    def test_missing_topics_and_unsupported_spark_options(self):
        self.assertIn("--topics", run(["--bootstrap-servers", "127.0.0.1:1"], check=EXIT_USAGE).stderr)
        proc = run(["--deploy-mode", "cluster", "--topics", "t"], check=EXIT_USAGE)
        self.assertIn("--deploy-mode does not apply", proc.stderr)

    @unittest.skipUnless(TEST_PLUGIN_DIR, "TEST_PLUGIN_DIR not set")
    def test_a_plugin_that_is_no_source_is_refused_not_ignored_exit_3(self):
        path = os.path.join(TEST_PLUGIN_DIR, "test-noop_app.so")
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "t", "--plugins", path], check=EXIT_PLUGIN)
        self.assertIn(path, proc.stderr)
        self.assertIn("'noop-app' is an application", proc.stderr)
        self.assertIn("hint:", proc.stderr)

    def test_a_plugin_with_a_null_required_call_is_refused_at_load_exit_3(self):
        path = os.path.join(TEST_PLUGIN_DIR, "test-null_call.so")
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "t", "--plugins", path], check=EXIT_PLUGIN)
        self.assertIn("has no 'list_partitions'", proc.stderr)

    def test_files_sink_without_a_usable_directory_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            base = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest", "--sink", "files"]
            proc = run(base, check=EXIT_USAGE)
            self.assertIn("sink.files.dir", proc.stderr)
            a_file = os.path.join(tmp, "file")
            open(a_file, "w").close()  # a file where the directory should be (CI runs as root: no chmod tricks)
            proc = run(base + ["--conf", "sink.files.dir=" + os.path.join(a_file, "out")], check=EXIT_USAGE)
            self.assertIn("sink.files.dir=", proc.stderr)
            self.assertEqual(proc.stdout, "")

    def test_files_sink_refuses_a_roll_limit_that_is_not_one_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:1"], produce=["orders:10"]) as c:
            base = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--until", "latest", "--sink", "files",
                    "--conf", "sink.files.dir=" + os.path.join(tmp, "out")]
            for key, value, hint in (("rollRecords", "-5", "a whole number, 0 or more"),
                                     ("rollBytes", "1.5", "a whole number"),
                                     ("rollInterval", "soon", "a duration such as 500ms")):
                proc = run(base + ["--conf", f"sink.files.{key}={value}"], check=EXIT_USAGE)
                self.assertIn(f"sink.files.{key}", proc.stderr)
                self.assertIn("error:", proc.stderr)
                self.assertIn(hint, proc.stderr)
                self.assertEqual(proc.stdout, "")
            self.assertFalse(os.path.exists(os.path.join(tmp, "out")), "nothing written before the refusal")

    def test_plugin_of_another_abi_exit_3(self):
        path = os.path.join(TEST_PLUGIN_DIR, "test-wrong_abi.so")
        proc = run(["--bootstrap-servers", "127.0.0.1:1", "--topics", "t", "--plugins", path], check=EXIT_PLUGIN)
        self.assertIn(path, proc.stderr)
        self.assertIn("ABI", proc.stderr)


if __name__ == "__main__":
    main()
