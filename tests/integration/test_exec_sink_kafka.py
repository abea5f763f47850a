"""The exec sink on a real broker, checked on the records the command received: a command that
fails on a chosen batch is retried sink.exec.retries times, then the job stops with exit 8 and
that batch left planned; the restart re-runs it with identical ranges and stdin; every record
reaches the command at least once (compared with kcat), and duplicates are whole re-run batches."""
import collections
import json
import os
import shutil
import signal
import tempfile
import unittest

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_APPLICATION, EXIT_OK, main, output_of, parse_text_report, run, start, wait_for


# Each run saves its stdin and environment as b<batch>-<n>.*, then fails while DIR/fail-<batch> exists.
# It also prints to stdout, which must end up on streamsubmit's stderr, never in the report.
COMMAND_SCRIPT = r"""
d="$1"
n=0
while [ -e "$d/b$STREAMSUBMIT_BATCH_ID${STREAMSUBMIT_PARTITION:+p$STREAMSUBMIT_PARTITION}-$n.in" ]; do n=$((n+1)); done
f="$d/b$STREAMSUBMIT_BATCH_ID${STREAMSUBMIT_PARTITION:+p$STREAMSUBMIT_PARTITION}-$n"
cat > "$f.in"
printf '%s\n%s\n%s\n' "$STREAMSUBMIT_RANGES" "${STREAMSUBMIT_TOPIC-unset}" "${STREAMSUBMIT_PARTITION-unset}" > "$f.env"
echo "command stdout: batch $STREAMSUBMIT_BATCH_ID"
[ ! -e "$d/fail-$STREAMSUBMIT_BATCH_ID" ] || exit 7
"""


class ExecSinkKafka(RealKafkaTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="exec-sink-")
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.out)
        self.script = os.path.join(self.tmp, "command.sh")
        with open(self.script, "w") as f:
            f.write(COMMAND_SCRIPT)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def job(self, topic, *extra, check=None):
        return run(["--bootstrap-servers", self.bootstrap, "--topics", topic, "--until", "latest",
                    "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "300ms",
                    "--conf", "stream.kafka.maxRatePerPartition=1000", "--master", "local[2]",
                    "--checkpoint", os.path.join(self.tmp, "checkpoint"), "--sink", "exec",
                    "--conf", f"sink.exec.command=sh {self.script} {self.out}", *extra],
                   timeout=300, check=check)

    def runs(self):
        """{batch (and partition) label: [(stdin, env lines) per attempt, in order]}."""
        found = collections.defaultdict(dict)
        for name in os.listdir(self.out):
            if name.endswith(".in"):
                label, attempt = name[:-3].rsplit("-", 1)
                with open(os.path.join(self.out, name)) as f:
                    stdin = f.read()
                with open(os.path.join(self.out, name[:-3] + ".env")) as f:
                    env = f.read().splitlines()
                found[label][int(attempt)] = (stdin, env)
        return {label: [attempts[i] for i in sorted(attempts)] for label, attempts in found.items()}

    def kcat(self, topic):
        text = kh.consume_all(topic, fmt="%p %o %k %s\n")
        return [tuple(line.split(" ", 3)) for line in text.splitlines()]

    def test_failed_batch_is_retried_then_stops_the_job_and_the_restart_reruns_it_identically(self):
        topic = kh.unique_name("exec")
        kh.create_topic(topic, partitions=3)
        kh.produce(self.bootstrap, topic, 3000)
        failing = 2
        open(os.path.join(self.out, f"fail-{failing}"), "w").close()

        first = self.job(topic, "--conf", "sink.exec.retries=2")
        self.assertEqual(first.returncode, EXIT_APPLICATION, first.stderr[-3000:])
        self.assertIn("sink.exec.retries=2", first.stderr)
        self.assertIn("command stdout: batch 0", first.stderr)
        self.assertNotIn("command stdout", first.stdout)
        reported = parse_text_report(first.stdout)
        self.assertEqual([b["batch"] for b in reported], list(range(failing)))  # the failed batch is not reported
        attempts = self.runs()[f"b{failing}"]
        self.assertEqual(len(attempts), 3)  # the first run and 2 retries
        self.assertTrue(attempts[0][0])
        self.assertTrue(all(a == attempts[0] for a in attempts), "retries got the same records and ranges")

        os.unlink(os.path.join(self.out, f"fail-{failing}"))
        second = self.job(topic, check=EXIT_OK)
        self.assertNotIn("command stdout", second.stdout)
        rerun = self.runs()[f"b{failing}"]
        self.assertEqual(len(rerun), 4)
        self.assertEqual(rerun[3], attempts[0], "the restart re-ran the batch with identical ranges and stdin")
        reported += parse_text_report(second.stdout)
        self.assertEqual([b["batch"] for b in reported], list(range(len(reported))))

        # Every record at least once; the same record twice only inside re-runs of one batch.
        expected = {(int(p), int(o)): (k, v) for p, o, k, v in self.kcat(topic)}
        self.assertEqual(len(expected), 3000)
        owner = {}
        delivered = collections.Counter()
        for label, batch_runs in self.runs().items():
            ranges = json.loads(batch_runs[0][1][0])
            self.assertEqual(batch_runs[0][1][1:], ["unset", "unset"])  # per batch: no topic/partition variables
            for stdin, _ in batch_runs:
                for line in stdin.splitlines():
                    r = json.loads(line)
                    self.assertEqual(set(r), {"topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers"})
                    key = (r["partition"], r["offset"])
                    self.assertEqual(expected[key], (r["key"], r["value"]))
                    self.assertTrue(any(x["partition"] == r["partition"] and x["fromOffset"] <= r["offset"] <
                                        x["untilOffset"] for x in ranges), f"{key} outside {ranges}")
                    self.assertEqual(owner.setdefault(key, label), label, f"{key} in two different batches")
                    delivered[key] += 1
        self.assertEqual(set(delivered), set(expected), "every record delivered")
        duplicated = {k for k, n in delivered.items() if n > 1}
        self.assertEqual(duplicated, {k for k, label in owner.items() if label == f"b{failing}"})

    def test_per_partition_runs_get_their_range_and_raw_values(self):
        topic = kh.unique_name("exec-part")
        kh.create_topic(topic, partitions=2)
        kh.produce(self.bootstrap, topic, 400)
        self.job(topic, "--conf", "sink.exec.per=partition", "--conf", "sink.exec.format=raw",
                 "--conf", "sink.exec.delimiter=\\x00", check=EXIT_OK)
        by_partition = collections.defaultdict(list)
        for p, o, _, v in self.kcat(topic):
            by_partition[int(p)].append((int(o), v))
        got = collections.defaultdict(list)
        for label, batch_runs in self.runs().items():
            self.assertEqual(len(batch_runs), 1)
            stdin, (ranges, run_topic, run_partition) = batch_runs[0]
            (only,) = json.loads(ranges)
            self.assertEqual((only["topic"], only["partition"]), (topic, int(run_partition)))
            self.assertEqual(run_topic, topic)
            values = stdin.split("\0")
            self.assertEqual(values[-1], "")
            expected = [v for o, v in by_partition[int(run_partition)] if only["fromOffset"] <= o < only["untilOffset"]]
            self.assertEqual(values[:-1], expected)
            got[int(run_partition)] += values[:-1]
        for p, records in by_partition.items():
            self.assertEqual(sorted(got[p]), sorted(v for _, v in records))

    def stdin_records(self):
        """[(partition, offset, key, value)] of every record every run got on its stdin, in order."""
        return [(r["partition"], r["offset"], r["key"], r["value"])
                for batch_runs in self.runs().values() for stdin, _ in batch_runs
                for r in map(json.loads, stdin.splitlines())]

    def test_receiver_mode_delivers_every_record_at_least_once_across_a_kill(self):
        """Receiver mode (no write-ahead log): the command gets Kafka's records; a kill -9 after a
        batch's command succeeded but before the group committed its offsets re-delivers exactly
        the records the group had not committed, and nothing is lost."""
        topic, group = kh.unique_name("exec-recv"), kh.unique_name("exec-recv-group")
        kh.create_topic(topic, partitions=2)
        kh.produce(self.bootstrap, topic, 2000)
        args = ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--mode", "receiver", "--group", group,
                "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "1s", "--sink", "exec",
                "--conf", f"sink.exec.command=sh {self.script} {self.out}"]
        # Every batch pauses 20 s after its output: the kill lands in the pause of the first batch
        # the command got (its stdin saved), before the group commits its offsets.
        job = start(args, env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "20000"})
        try:
            def paused():
                self.assertIsNone(job.poll(), output_of(job)[1][-3000:])
                # .env is written after the whole stdin was saved: that run is complete
                ran = [n.split("-")[0][1:] for n in os.listdir(self.out) if n.endswith(".env")]
                return ran and f"test hook: batch {ran[0]} was output" in output_of(job)[1]
            wait_for(paused, timeout=120, what="a batch run by the command and paused before its group commit")
            committed = kh.consumer_group_offsets(group, bootstrap=self.bootstrap)
        finally:
            job.send_signal(signal.SIGKILL)
            job.wait()
        before = self.stdin_records()
        uncommitted = {(p, o) for p, o, _, _ in before if o >= (committed.get((topic, p)) or 0)}
        self.assertTrue(uncommitted, f"the group had committed {committed}: the kill proves nothing")

        kh.produce(self.bootstrap, topic, 1000, start=2000)
        again = run(args + ["--until", "latest"], check=EXIT_OK, timeout=240)
        self.assertNotIn("command stdout", again.stdout)
        expected = {(int(p), int(o)): (k, v) for p, o, k, v in self.kcat(topic)}
        self.assertEqual(len(expected), 3000)
        delivered = collections.Counter()
        for p, o, k, v in self.stdin_records():
            self.assertEqual(expected[(p, o)], (k, v), f"record {p}/{o} differs from what kcat reads")
            delivered[(p, o)] += 1
        self.assertEqual(set(delivered), set(expected), "every record delivered")
        self.assertEqual({k for k, n in delivered.items() if n > 1}, uncommitted,
                         "duplicates are exactly the records the group had not committed at the kill")


if __name__ == "__main__":
    main()
