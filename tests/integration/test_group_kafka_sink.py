"""The transactional Kafka sink in group mode (stream.kafka.coordination=group) on a real broker.

Each batch's transaction carries the member's group metadata (generation, member id,
group.instance.id) taken when the batch was planned (KIP-447): the group refuses the offsets, and
so the transaction, of a member that lost its partitions or saw a rebalance. Checks read the
output with kcat (read_committed) and compare the JSON envelopes (input topic, partition,
offset, key, value) with what kcat reads from the input topic: every input record exactly once.
"""
import json
import os
import random
import re
import signal
import tempfile
import time

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_KAFKA, EXIT_OK, EXIT_USAGE, output_of, run, start, wait_for, main
from test_group_kafka import Instance

HOOK = re.compile(r"test hook: batch (\d+) processed \((\d+) records\); pausing")
COMMITTED = re.compile(r"^streamsubmit: batch (\d+) committed to group", re.M)
REBALANCED = "rebalanced while the batch ran"
FENCED = re.compile("fenced: the consumer group (no longer knows this member|gave this member's "
                    "kafka.group.instance.id to a newer member)")
# The churn's membership changes, in order (deterministic, so every kind is exercised): twice the
# ten below, the "at least 20 membership changes".
CHANGES = ["kill -9 + restart", "SIGTERM (remove)", "start (add)", "kill -9 + restart", "SIGSTOP + SIGCONT",
           "kill -9 + restart", "kill -9 (remove)", "start (add)", "kill -9 + restart", "SIGSTOP + SIGCONT"] * 2
PARTITIONS = 12  # the three instances on one 12-partition topic


def opened(proc):
    """Ids of the batches with records (so with an open transaction) the process was about to commit."""
    return [batch for batch, records in HOOK.findall(output_of(proc)[1]) if int(records) > 0]


def reported(proc):
    """Ids of the batches the process reported (after their transaction committed)."""
    out = output_of(proc)[0]
    return {str(json.loads(line)["batch"]) for line in out.splitlines(keepends=True) if line.endswith("\n")}


def envelopes(bootstrap, topic, committed=True):
    """(topic, partition, offset, key, value) of each JSON envelope in the output topic."""
    text = kh.consume_all(topic, bootstrap=bootstrap, read_committed=committed, fmt="%s\n")
    return [(d["topic"], d["partition"], d["offset"], d["key"], d["value"])
            for d in (json.loads(line) for line in text.splitlines())]


def input_records(bootstrap, topic):
    """The input topic as an independent client (kcat) reads it."""
    text = kh.consume_all(topic, bootstrap=bootstrap, fmt="%p\t%o\t%k\t%s\n")
    return [(topic, int(p), int(o), k, v) for p, o, k, v in (line.split("\t") for line in text.splitlines())]


class TransactionalSinkInGroupMode(RealKafkaTestCase):
    def job(self, src, out, group, name=None):
        return ["--bootstrap-servers", self.bootstrap, "--topics", src, "--group", group,
                "--conf", "stream.kafka.coordination=group"] + \
               (["--conf", f"kafka.group.instance.id={name}"] if name else []) + \
               ["--conf", "kafka.session.timeout.ms=6000", "--conf", "kafka.heartbeat.interval.ms=500",
                "--conf", "kafka.auto.offset.reset=earliest", "--batch-interval", "300ms", "--output", "json",
                "--sink", "kafka", "--conf", f"sink.kafka.topic={out}", "--conf", "sink.kafka.format=json",
                "--conf", "sink.kafka.transactional=true"]

    def topics(self, partitions):
        src, out = kh.unique_name("gin"), kh.unique_name("gout")
        kh.create_topic(src, partitions)
        kh.create_topic(out, 3)
        return src, out

    def wait_group_at_end(self, group, src, procs, timeout=120):
        want = {(src, p): end for p, end in kh.get_offsets(src, bootstrap=self.bootstrap).items()}

        def done():
            for proc in procs:
                if proc.poll() is not None:
                    raise AssertionError(f"an instance exited {proc.returncode}\n{output_of(proc)[1][-3000:]}")
            return kh.consumer_group_offsets(group, bootstrap=self.bootstrap) == want
        wait_for(done, timeout=timeout, interval=1.0, what=f"group {group} to commit {want}")
        return sum(end for end in want.values())

    def assert_exactly_once(self, src, out, produced):
        """The read_committed output holds every input record once, byte for byte; returns how
        many records of aborted transactions read_uncommitted shows on top."""
        wanted = input_records(self.bootstrap, src)
        self.assertEqual(len(wanted), produced)
        got = []

        def visible():  # the commit markers reach the output partitions shortly after the commit
            got[:] = envelopes(self.bootstrap, out)
            return len(got) >= produced
        wait_for(visible, timeout=60, interval=0.5, what=f"{produced} committed records")
        self.assertEqual(len(got), len(set(got)), "a record was committed twice")
        self.assertEqual(sorted(got), sorted(wanted))
        return len(envelopes(self.bootstrap, out, committed=False)) - len(got)

    def test_a_zombie_paused_inside_its_transaction_is_fenced_by_the_group_generation(self):
        src, out = self.topics(6)
        group = kh.unique_name("g")
        producer = kh.Producer(self.bootstrap, src, per_round=120, pause=0.05)
        # Only the zombie pauses between processing a batch and committing it, so the SIGSTOP
        # lands inside its open transaction (the hook's line names the batch).
        zombie = start(self.job(src, out, group, f"{group}-a"), env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMMIT_MS": "6000"})
        peer = start(self.job(src, out, group, f"{group}-b"))
        procs = [zombie, peer]
        producer.start()
        try:
            wait_for(lambda: "(now 3 partitions)" in output_of(peer)[1] and zombie.poll() is None, timeout=90,
                     what="both instances to own 3 partitions", jobs=procs)
            seen = len(opened(zombie))
            wait_for(lambda: len(opened(zombie)) > seen, timeout=60, interval=0.05,
                     what="the zombie to open a batch's transaction", jobs=[zombie])
            # "processed" means handed to the producer, which sends within its linger time; on a
            # loaded machine that can take longer than this test's poll, so the stop waits a
            # little, well inside the hook's 6 s pause, for the open transaction to hold records.
            time.sleep(2)
            zombie.send_signal(signal.SIGSTOP)
            batch = opened(zombie)[-1]
            stopped = len(output_of(peer)[1])
            # Past the session timeout the group gives the zombie's partitions to the peer,
            # which commits batches with them.
            wait_for(lambda: "(now 6 partitions)" in output_of(peer)[1][stopped:], timeout=60,
                     what="the peer to take the zombie's partitions", jobs=procs)
            taken = len(output_of(peer)[1])
            wait_for(lambda: len(COMMITTED.findall(output_of(peer)[1][taken:])) >= 2, timeout=60,
                     what="the peer to commit two batches with 6 partitions", jobs=procs)
            zombie.send_signal(signal.SIGCONT)
            zombie.wait(timeout=90)
            _, err = output_of(zombie)
            self.assertEqual(zombie.returncode, EXIT_KAFKA, err[-3000:])
            self.assertIn(f"send_offsets_to_transaction of batch {batch} failed", err)
            self.assertRegex(err, FENCED)
            self.assertNotRegex(err, rf"batch {batch} committed to group")
            time.sleep(1)
        finally:
            produced = producer.stop()
            for proc in procs:
                if proc.poll() is None and proc is not peer:
                    proc.send_signal(signal.SIGCONT)
                    proc.kill()
        try:
            self.assertEqual(self.wait_group_at_end(group, src, [peer]), produced)
        finally:
            peer.send_signal(signal.SIGTERM)
            peer.wait(timeout=60)
        self.assertEqual(peer.returncode, EXIT_OK, output_of(peer)[1][-3000:])
        aborted = self.assert_exactly_once(src, out, produced)
        self.assertGreater(aborted, 0, "the zombie's open transaction had written records")
        reason = next(line for line in output_of(zombie)[1].splitlines() if "error:" in line)
        print(f"\nkafka sink, group mode zombie: batch {batch} paused inside its transaction past the session "
              f"timeout, refused on SIGCONT (exit 4); {produced} records, read_committed exactly once, "
              f"{aborted} records of aborted transactions never visible\n{reason}")

    def run_churn(self, src, group, args, zombies_exit):
        """The CHANGES on instances of `args`; returns (runs, stats) after checking every run's
        stderr and that every kill and stop landed between a batch's processing and its commit."""
        names = [f"{group}-{i}" for i in range(4)]
        # Every batch waits 400 ms between processing and committing, so each kill can be aimed there.
        instances = {n: Instance(args, n, env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMMIT_MS": "400"}) for n in names}
        producer = kh.Producer(self.bootstrap, src, per_round=120, pause=0.1)
        stats = {"kills before the batch's commit": 0, "zombies refused": 0}
        try:
            self.churn(src, group, instances, names, producer, stats, zombies_exit)
        finally:
            for inst in instances.values():  # also after a failure: no process outlives the test
                if inst.running():
                    inst.proc.send_signal(signal.SIGCONT)
                    inst.stop(signal.SIGKILL)
        runs = [r for i in instances.values() for r in i.runs]
        for proc in runs:
            err = output_of(proc)[1]
            if proc.returncode == EXIT_KAFKA and zombies_exit:
                self.assertRegex(err, FENCED)
            else:
                self.assertNotIn("error:", err)
        kills = CHANGES.count("kill -9 + restart") + CHANGES.count("kill -9 (remove)")
        self.assertEqual(stats["kills before the batch's commit"], kills)
        self.assertEqual(stats["zombies refused"], CHANGES.count("SIGSTOP + SIGCONT"))
        return runs, stats

    def test_churn_of_instances_outputs_every_record_exactly_once(self):
        src, out = self.topics(PARTITIONS)
        group = kh.unique_name("g")
        # Transactions of removed instances expire after 10 s.
        args = self.job(src, out, group) + ["--conf", "sink.kafka.transaction.timeout.ms=10000"]
        runs, stats = self.run_churn(src, group, args, zombies_exit=True)
        aborted = self.assert_exactly_once(src, out, self.produced)
        rebalanced = sum(output_of(p)[1].count(REBALANCED) for p in runs)
        print(f"\nkafka sink, group churn: {len(CHANGES)} membership changes, {len(runs)} runs, {stats}, "
              f"{self.produced} records produced, read_committed output: missing 0, duplicated 0; "
              f"{rebalanced} batches aborted by a rebalance; {aborted} records of aborted transactions never "
              f"visible")

    def test_churn_with_the_files_sink_in_one_shared_directory_writes_every_record_once(self):
        src, _ = self.topics(PARTITIONS)
        group = kh.unique_name("g")
        with tempfile.TemporaryDirectory() as tmp:
            args = self.job(src, "unused", group)
            args = args[:args.index("--sink")] + ["--sink", "files", "--conf", f"sink.files.dir={tmp}"]
            runs, stats = self.run_churn(src, group, args, zombies_exit=False)
            got = []
            for name in os.listdir(tmp):
                if name.endswith(".jsonl"):
                    with open(os.path.join(tmp, name)) as f:
                        got += [(d["topic"], d["partition"], d["offset"], d["key"], d["value"])
                                for d in map(json.loads, f)]
        wanted = input_records(self.bootstrap, src)
        self.assertEqual(len(wanted), self.produced)
        duplicated = len(got) - len(set(got))
        missing = len(set(wanted) - set(got))
        self.assertEqual((missing, duplicated), (0, 0))
        self.assertEqual(sorted(got), sorted(wanted))
        refused = sum(output_of(p)[1].count("another instance committed") for p in runs)
        recovered = sum(output_of(p)[1].count("(its own progress, not the group's") for p in runs)
        self.assertGreater(refused, 0, "no zombie commit was refused by the directory's progress")
        print(f"\nfiles sink, group churn: {len(CHANGES)} membership changes, {len(runs)} runs, {stats}, "
              f"{self.produced} records produced, files: missing 0, duplicated 0; {refused} batches refused by "
              f"a partition's progress in the shared directory, {recovered} partitions continued at the "
              f"directory's progress ahead of the group's offset")

    def churn(self, src, group, instances, names, producer, stats, zombies_exit):
        """The CHANGES while producing; kills and stops aimed between a batch's processing and its
        commit (inside the Kafka sink's open transaction). Then the first three instances run until
        the group has committed every partition's end."""
        def aim(inst):
            """Stops (SIGSTOP) the instance inside a batch's open transaction; returns the batch's id.
            Whether it landed there is judged while the process is frozen: its batch not reported
            yet. On a loaded machine the 400 ms window can pass before the signal: then it goes on
            (SIGCONT) and the next batch is tried."""
            for _ in range(20):
                seen = len(opened(inst.proc))
                wait_for(lambda: len(opened(inst.proc)) > seen or inst.proc.poll() is not None, timeout=60,
                         interval=0.02, what=f"{inst.name} to open a transaction")
                self.assertIsNone(inst.proc.poll(), output_of(inst.proc)[1][-3000:])
                batch = opened(inst.proc)[-1]
                inst.proc.send_signal(signal.SIGSTOP)
                if batch not in reported(inst.proc):
                    return batch
                inst.proc.send_signal(signal.SIGCONT)
            self.fail(f"{inst.name}: 20 batches committed before SIGSTOP reached them")

        def kill(inst):
            batch = aim(inst)
            proc = inst.stop(signal.SIGKILL)
            stats["kills before the batch's commit"] += batch not in reported(proc)

        def pause_past_session(inst):
            batch = aim(inst)
            # Its session (6 s, last heartbeat at most 0.5 s ago) cannot expire before 5.5 s:
            # an assignment after that is the group giving its partitions away.
            time.sleep(5.5)
            others = [i for i in instances.values() if i.running() and i is not inst]
            marks = [len(output_of(i.proc)[1]) for i in others]
            # Two batches: the second was planned with the partitions taken over.
            wait_for(lambda: any(re.search(r"assigned(.|\n)*committed to group(.|\n)*committed to group",
                                           output_of(i.proc)[1][m:]) for i, m in zip(others, marks)),
                     timeout=60, what="another instance to take the paused one's partitions and commit two batches")
            inst.proc.send_signal(signal.SIGCONT)
            if not zombies_exit:  # its batch is refused (files: a partition's progress moved on), it rejoins
                wait_for(lambda: f"batch {batch} aborted" in output_of(inst.proc)[1] or inst.proc.poll() is not None,
                         timeout=60, what=f"{inst.name}'s batch {batch} to be refused")
                self.assertIsNone(inst.proc.poll(), output_of(inst.proc)[1][-3000:])
                stats["zombies refused"] += 1
                return
            inst.proc.wait(timeout=90)
            err = output_of(inst.proc)[1]
            self.assertEqual(inst.proc.returncode, EXIT_KAFKA, err[-3000:])
            self.assertIn(f"send_offsets_to_transaction of batch {batch} failed", err)
            stats["zombies refused"] += 1
            inst.proc = None
            inst.start()

        for n in names[:3]:
            instances[n].start()
        producer.start()
        try:
            for change in CHANGES:
                time.sleep(1)
                running = [instances[n] for n in names if instances[n].running()]
                idle = [instances[n] for n in names if not instances[n].running()]
                victim = running[0] if change.startswith("kill") else running[-1]
                if change == "kill -9 + restart":
                    kill(victim)
                    victim.start()
                elif change == "kill -9 (remove)":
                    kill(victim)
                elif change == "SIGTERM (remove)":
                    proc = victim.stop(signal.SIGTERM)
                    self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])
                elif change == "start (add)":
                    idle[-1].start()
                else:
                    pause_past_session(victim)
        finally:
            self.produced = producer.stop()
        for n in names[:3]:
            if not instances[n].running():
                instances[n].start()
        running = [i for i in instances.values() if i.running()]
        self.assertEqual(self.wait_group_at_end(group, src, [i.proc for i in running], timeout=180), self.produced)
        for inst in running:
            proc = inst.stop(signal.SIGTERM)
            self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])

    def test_group_mode_needs_one_transactional_id_per_instance(self):
        p = run(self.job("absent", "out", "g"), timeout=60)
        self.assertEqual(p.returncode, EXIT_USAGE, p.stderr)
        self.assertIn("needs one transactional.id per instance", p.stderr)


if __name__ == "__main__":
    main()
