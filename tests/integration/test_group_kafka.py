"""Group-coordinated direct mode (stream.kafka.coordination=group) against a real broker.

Several streamsubmit processes stand for several hosts: they share one topic through a
consumer group, each planning ranges only for the partitions the group gives it, and commit
each batch's until offsets to the group. Every run's stdout (JSON reports) and stderr ("batch N
committed to group G") are kept, so the checks can tell committed batches from the others:
- the union of the committed batches covers every offset of [0, end) of every partition;
- no offset is in two committed batches (an offset read twice was read by a batch that
  never committed: its instance died or lost the partition before the commit);
- the group's committed offsets are the ends, and carry metadata naming a batch.
Tests use kafka.session.timeout.ms=6000 (the broker's minimum) and static membership.
"""
import json
import os
import random
import re
import signal
import tempfile
import time
import unittest

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, EXIT_USAGE, output_of, run, start, wait_for

COMMITTED = re.compile(r"^streamsubmit: batch (\d+) committed to group (\S+)$", re.M)
ABORTED = re.compile(r"^streamsubmit: warning: batch (\d+) aborted.*\((.*)\)", re.M)


def parse_run(out, err):
    """(batches {id: [(topic, p, from, until)]}, committed ids) of one process run; a torn
    last line (kill -9 while writing) is ignored."""
    batches = {}
    for line in out.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        doc = json.loads(line)
        batches[doc["batch"]] = [(r["topic"], r["partition"], r["fromOffset"], r["untilOffset"])
                                 for r in doc["ranges"] if r["untilOffset"] > r["fromOffset"]]
    committed = {int(m[1]) for m in COMMITTED.finditer(err)}
    return batches, committed


class Instance:
    """One 'host': the same command each time it is (re)started, all runs kept."""

    def __init__(self, args, name, env=None):
        self.args, self.name, self.env = args, name, env
        self.runs, self.proc = [], None

    def start(self):
        assert self.proc is None
        self.proc = start(self.args + ["--conf", f"kafka.group.instance.id={self.name}"], env=self.env)
        self.runs.append(self.proc)

    def stop(self, sig):
        proc, self.proc = self.proc, None
        proc.send_signal(sig)
        proc.wait(timeout=120)
        return proc

    def running(self):
        return self.proc is not None


class GroupModeOnRealKafka(RealKafkaTestCase):
    def job(self, topic, group, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--group", group,
                "--conf", "stream.kafka.coordination=group", "--batch-interval", "300ms", "--output", "json",
                "--master", "local[2]", "--conf", "kafka.session.timeout.ms=6000",
                "--conf", "kafka.heartbeat.interval.ms=500", "--conf", "kafka.auto.offset.reset=earliest"] + list(extra)

    def topic(self, partitions, records=0):
        name = kh.unique_name("grp")
        kh.create_topic(name, partitions)
        if records:
            kh.produce(self.bootstrap, name, records)
        return name

    def wait_group_at_end(self, group, topic, timeout=120, instances=()):
        ends = kh.get_offsets(topic, bootstrap=self.bootstrap)
        want = {(topic, p): end for p, end in ends.items()}

        def done():
            for inst in instances:
                if inst.proc and inst.proc.poll() is not None:
                    out, err = output_of(inst.proc)
                    raise AssertionError(f"{inst.name} exited {inst.proc.returncode}\n{err[-3000:]}")
            return kh.consumer_group_offsets(group, bootstrap=self.bootstrap) == want
        wait_for(done, timeout=timeout, interval=1.0, what=f"group {group} to commit {want}")
        return ends

    def check_coverage(self, runs, ends):
        """(committed records, records read twice) after asserting the committed batches
        cover [0, end) of every partition exactly once.

        A run killed with -9 may die between its batch's group commit and the stderr line that
        says so; its last reported batch then counts as committed only where it exactly fills a
        gap the others left (the next owner started at its end, so the group had committed it)."""
        committed_ranges, in_flight, all_records = {}, [], 0
        self.unlogged_commits = 0
        for proc in runs:
            out, err = output_of(proc)
            batches, committed = parse_run(out, err)
            for bid, ranges in batches.items():
                all_records += sum(u - f for _, _, f, u in ranges)
                if bid in committed:
                    for topic, p, f, u in ranges:
                        committed_ranges.setdefault(p, []).append((f, u))
            last = max((bid for bid, ranges in batches.items() if ranges), default=None)
            if proc.returncode == -signal.SIGKILL and last is not None and last not in committed:
                in_flight.append(batches[last])
        for ranges in in_flight:
            if any(self.fills_gap(committed_ranges.get(p, []), f, u, ends.get(p)) for _, p, f, u in ranges):
                for _, p, f, u in ranges:
                    committed_ranges.setdefault(p, []).append((f, u))
                self.unlogged_commits += 1
        total = 0
        for p, end in ends.items():
            pos = 0
            for f, u in sorted(committed_ranges.get(p, [])):
                self.assertEqual(f, pos, f"partition {p}: committed batches leave a gap or overlap at {pos}: "
                                         f"{sorted(committed_ranges.get(p, []))}")
                pos = u
            self.assertEqual(pos, end, f"partition {p}: committed batches end at {pos}, the log at {end}")
            total += end
        return total, all_records - total

    @staticmethod
    def fills_gap(ranges, f, u, end):
        """Whether [f, u) is exactly a hole in the committed ranges of a partition whose log ends at `end`."""
        ends_at_f = f == 0 or any(e == f for _, e in ranges)
        starts_at_u = u == end or any(b == u for b, _ in ranges)
        covered = any(b < u and f < e for b, e in ranges)
        return ends_at_f and starts_at_u and not covered

    # ---- three instances, no churn ----
    def test_three_instances_split_the_partitions_and_commit_to_the_group(self):
        topic = self.topic(12, 6000)
        group = kh.unique_name("g")
        with tempfile.TemporaryDirectory() as tmp:
            instances = [Instance(self.job(topic, group, "--checkpoint", os.path.join(tmp, f"cp{i}")), f"{group}-{i}")
                         for i in range(3)]
            for inst in instances:
                inst.start()
            try:
                ends = self.wait_group_at_end(group, topic, instances=instances)
                kh.produce(self.bootstrap, topic, 1200, start=6000)
                ends = self.wait_group_at_end(group, topic, instances=instances)
            finally:
                for inst in instances:
                    if inst.running():
                        self.assertEqual(inst.stop(signal.SIGTERM).returncode, EXIT_OK)
        runs = [r for i in instances for r in i.runs]
        total, twice = self.check_coverage(runs, ends)
        self.assertEqual(total, 7200)
        # Nobody died: nothing is read twice, unless the three joins raced at the start. The
        # test broker completes a join at once (group.initial.rebalance.delay.ms=0), so a first
        # generation may hold fewer members; an early member's batch is then aborted when its
        # partitions are revoked and its new owner reads them again (check_coverage has shown
        # that each record is committed once either way).
        revoked = [r for r in runs if "revoked" in output_of(r)[1]]
        if not revoked:
            self.assertEqual(twice, 0)
        # Each instance reported only its own partitions, and every instance got some.
        owners = {}
        for inst in instances:
            out, err = output_of(inst.runs[0])
            batches, _ = parse_run(out, err)
            parts = {p for ranges in batches.values() for _, p, _, _ in ranges}
            self.assertTrue(parts, f"{inst.name} read nothing\n{err[-2000:]}")
            for p in parts:
                owners.setdefault(p, set()).add(inst.name)
            self.assertIn("assigned", err)
        self.assertEqual(sorted(owners), list(range(12)))
        # Kafka's own tool shows the group's progress; the metadata names the batch.
        described = kh.kafka_tool("kafka-consumer-groups", "--bootstrap-server", self.bootstrap, "--describe",
                                  "--group", group)
        self.assertIn(topic, described.stdout.decode() if isinstance(described.stdout, bytes) else described.stdout)

    def test_starting_options_apply_only_to_partitions_never_committed(self):
        topic = self.topic(2, 400)
        group = kh.unique_name("g")
        first = Instance(self.job(topic, group), f"{group}-a")
        first.start()
        try:
            self.wait_group_at_end(group, topic, instances=[first])
        finally:
            first.stop(signal.SIGTERM)
        kh.produce(self.bootstrap, topic, 200, start=400)
        # latest would skip the 200 new records; the group's committed offsets win.
        again = Instance(self.job(topic, group, "--conf", "kafka.auto.offset.reset=latest"), f"{group}-a")
        again.start()
        try:
            ends = self.wait_group_at_end(group, topic, instances=[again])
        finally:
            again.stop(signal.SIGTERM)
        total, twice = self.check_coverage(first.runs + again.runs, ends)
        self.assertEqual((total, twice), (600, 0))
        # A group that never committed starts where the starting options say: at the end.
        fresh = kh.unique_name("g")
        inst = Instance(self.job(topic, fresh, "--conf", "kafka.auto.offset.reset=latest"), f"{fresh}-a")
        inst.start()
        try:
            # Its first batch commits where it starts (nothing read yet), so a later owner starts there too.
            wait_for(lambda: COMMITTED.search(output_of(inst.proc)[1]), timeout=60, what="the first commit")
            kh.produce(self.bootstrap, topic, 100, start=600)
            self.wait_group_at_end(fresh, topic, instances=[inst])
        finally:
            inst.stop(signal.SIGTERM)
        out, err = output_of(inst.runs[0])
        batches, committed = parse_run(out, err)
        self.assertEqual(sum(u - f for bid in committed for _, _, f, u in batches[bid]), 100, out + err)

    def test_a_second_process_with_the_same_instance_id_fences_the_first(self):
        topic = self.topic(2, 100)
        group = kh.unique_name("g")
        first, second = Instance(self.job(topic, group), f"{group}-x"), Instance(self.job(topic, group), f"{group}-x")
        first.start()
        try:
            wait_for(lambda: COMMITTED.search(output_of(first.proc)[1]), timeout=60, what="the first commit")
            second.start()
            first.proc.wait(timeout=60)
            _, err = output_of(first.proc)
            self.assertEqual(first.proc.returncode, 4, err)
            self.assertIn("fenced out of consumer group", err)
            self.assertIn("hint: give every instance its own kafka.group.instance.id", err)
            first.proc = None
            self.wait_group_at_end(group, topic, instances=[second])
        finally:
            for inst in (first, second):
                if inst.running():
                    inst.stop(signal.SIGTERM)

    def test_bad_input_is_a_clear_error(self):
        topic = kh.unique_name("absent")
        no_group = run(["--bootstrap-servers", self.bootstrap, "--topics", topic,
                        "--conf", "stream.kafka.coordination=group"], check=EXIT_USAGE)
        self.assertIn("group coordination needs a consumer group", no_group.stderr)
        self.assertIn("hint: add --group", no_group.stderr)
        pattern = run(["--bootstrap-servers", self.bootstrap, "--topic-pattern", "x.*", "--group", "g",
                       "--conf", "stream.kafka.coordination=group"], check=EXIT_USAGE)
        self.assertIn("--topic-pattern is not supported", pattern.stderr)
        until = run(self.job(topic, "g", "--until", "latest"), check=EXIT_USAGE)
        self.assertIn("--until latest is not supported with group coordination", until.stderr)

    # ---- churn ----
    def test_churn_of_instances_loses_nothing_and_commits_each_offset_once(self):
        topic = self.topic(12)
        group = kh.unique_name("g")
        rng = random.Random(int(os.environ.get("GROUP_CHURN_SEED", "11")))
        names = [f"{group}-{i}" for i in range(5)]
        instances = {n: Instance(self.job(topic, group), n) for n in names}
        producer = kh.Producer(self.bootstrap, topic, per_round=240, pause=0.1)
        changes = {"kill -9 + restart": 0, "kill -9": 0, "SIGTERM (remove)": 0, "start (add)": 0,
                   "SIGSTOP > session timeout + SIGCONT": 0}
        try:
            self.churn(topic, group, instances, names, producer, changes, rng)
        finally:
            for inst in instances.values():  # also after a failure: no process outlives the test
                if inst.running():
                    inst.stop(signal.SIGKILL)
        runs = [r for i in instances.values() for r in i.runs]
        for proc in runs:
            self.assertNotIn("error:", output_of(proc)[1])
        self.assertEqual(sum(self.ends.values()), self.produced)
        total, twice = self.check_coverage(runs, self.ends)
        aborted = [m[1] for p in runs for m in ABORTED.findall(output_of(p)[1])]
        if os.environ.get("GROUP_CHURN_VERBOSE"):
            print("\n".join(aborted))
        aborted = len(aborted)
        uncommitted = 0
        for proc in runs:
            batches, committed = parse_run(*output_of(proc))
            uncommitted += sum(1 for bid, r in batches.items() if r and bid not in committed)
        print(f"\ngroup churn: {sum(changes.values())} membership changes {changes}, {len(runs)} runs, "
              f"{self.produced} records produced, missing 0, committed twice 0, read twice by uncommitted batches "
              f"{twice} ({uncommitted} uncommitted batches with records, {aborted} aborted after a rebalance, "
              f"{self.unlogged_commits} committed by a run killed before it logged the commit)")
        self.assertGreaterEqual(sum(changes.values()), 20)
        self.assertEqual(total, self.produced)

    def churn(self, topic, group, instances, names, producer, changes, rng):
        """Membership changes while producing; then every original instance runs until the
        group has committed the end of every partition, and all stop (SIGTERM)."""
        for n in names[:3]:
            instances[n].start()
        producer.start()
        try:
            while sum(changes.values()) < 22:
                time.sleep(rng.uniform(0.5, 2.0))
                running = [n for n in names if instances[n].running()]
                idle = [n for n in names if not instances[n].running()]
                action = rng.choice(["kill-restart", "kill-restart", "kill", "term", "add", "stop-cont"])
                if action in ("kill", "term") and len(running) <= 1 or action == "add" and not idle:
                    action = "kill-restart"
                victim = rng.choice(running) if running else None
                if action == "kill-restart":
                    instances[victim].stop(signal.SIGKILL)
                    instances[victim].start()
                    changes["kill -9 + restart"] += 1
                elif action == "kill":
                    instances[victim].stop(signal.SIGKILL)
                    changes["kill -9"] += 1
                elif action == "term":
                    proc = instances[victim].stop(signal.SIGTERM)
                    self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])
                    changes["SIGTERM (remove)"] += 1
                elif action == "add":
                    instances[rng.choice(idle)].start()
                    changes["start (add)"] += 1
                else:
                    proc = instances[victim].proc
                    proc.send_signal(signal.SIGSTOP)
                    time.sleep(8)  # past the 6 s session timeout: the group moves its partitions
                    proc.send_signal(signal.SIGCONT)
                    changes["SIGSTOP > session timeout + SIGCONT"] += 1
        finally:
            self.produced = producer.stop()
        for n in names[:3]:
            if not instances[n].running():
                instances[n].start()
        self.ends = self.wait_group_at_end(group, topic, timeout=180,
                                           instances=[i for i in instances.values() if i.running()])
        for inst in instances.values():
            if inst.running():
                proc = inst.stop(signal.SIGTERM)
                self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
