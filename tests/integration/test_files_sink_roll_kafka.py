"""The files sink with rolling (sink.files.rollRecords, rollInterval) against a real Apache Kafka
broker: a partition's file spans batches and is renamed into place only when it rolls, yet every
record lands exactly once.

Delivery is checked on the records themselves: the union of the final files, record by record
(partition, offset, key bytes, value bytes), equals what kcat reads from every partition, while a
watcher reads every final file over and over (each must be whole and never change) and jobs are
killed with SIGKILL. Kills are aimed at the two places rolling adds and each is asserted:
 - inside an open file: batches were committed (the checkpoint, or the group's offsets, moved on)
   while their records sat in a temporary file; the restart says the files win, behind
   ("continues t-p at offset X (its own progress, not the checkpoint's Y)" with X < Y);
 - between a roll and the checkpoint: the sink announces the rename (a test hook pauses there)
   and the kill lands before its commit returns; the restart continues ahead of the checkpoint.
"""
import json
import os
import random
import re
import signal
import tempfile
import threading
import time

from delivered_records import kcat_records, temp_files
from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, main, output_of, run, start, wait_for
from test_files_sink_kafka import Watcher, sink_records
from test_group_kafka import Instance

ROLL_PAUSE_ENV = "STREAMSUBMIT_TEST_FILES_SINK_PAUSE_AFTER_ROLL_MS"
ROLLED = re.compile(r"test hook: files sink rolled files of batch (\d+)")
# direct and group mode (DirectStream), receiver mode (a receiver's assignment)
CONTINUES = re.compile(r"continues (\S+) at offset (\d+) \(its own progress, not the \w+'s (-?\d+)\)"
                       r"|(\S+) starts at offset (\d+) where the application says \(the group's committed offset: "
                       r"(-?\d+)\)")


def continued(stderr):
    """[(partition, files' offset, checkpoint's or group's offset)] the restart announced."""
    out = []
    for m in CONTINUES.finditer(stderr):
        g = m.groups()
        tp, files, host = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
        out.append((tp, int(files), int(host)))
    return out


def final_files(out_dir):
    return sorted(n for n in os.listdir(out_dir) if not n.startswith(".")) if os.path.isdir(out_dir) else []


def offsets_by_file(out_dir):
    """{name: [offsets]} of every final JSON Lines file."""
    out = {}
    for name in final_files(out_dir):
        with open(os.path.join(out_dir, name)) as f:
            out[name] = [json.loads(line)["offset"] for line in f]
    return out


def read_records(job):
    """Records of the batches a job reported (--output json) so far."""
    return sum(json.loads(line)["records"] for line in output_of(job)[0].splitlines(keepends=True)
               if line.endswith("\n"))


class Producer(threading.Thread):
    """Keeps producing keyed records (kcat) until stopped."""

    def __init__(self, bootstrap, topic, per_round=2000, pause=0.2):
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.per_round, self.pause = bootstrap, topic, per_round, pause
        self.stop, self.count, self.error = threading.Event(), 0, None

    def run(self):
        try:
            while not self.stop.is_set():
                self.count += kh.produce(self.bootstrap, self.topic, self.per_round, start=self.count)
                time.sleep(self.pause)
        except Exception as e:  # reported by the test
            self.error = e


class FilesSinkRollingOnRealKafka(RealKafkaTestCase):
    def job(self, topic, out_dir, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--conf", "kafka.auto.offset.reset=earliest",
                "--sink", "files", "--conf", "sink.files.dir=" + out_dir] + list(extra)

    def assert_same_records(self, got, expected):
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        self.assertEqual(missing[:5], [], f"{len(missing)} records missing from the files")
        self.assertEqual(extra[:5], [], f"{len(extra)} records in the files that kcat does not read")
        wrong = [k for k in expected if got[k][:2] != expected[k]]
        self.assertEqual(wrong[:5], [], f"{len(wrong)} records with other key or value bytes")

    def test_roll_records_writes_files_of_exactly_the_limit_across_batches(self):
        topic = kh.unique_name("roll-records")
        kh.create_topic(topic, 2)
        per_partition = 197_000  # 19 files of 10,000 and a last one of 7,000 per partition
        for p in (0, 1):
            kh.produce(self.bootstrap, topic, per_partition, partition=p, start=p * per_partition)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            proc = run(self.job(topic, out, "--until", "latest", "--batch-interval", "500ms", "--output", "json",
                                "--conf", "stream.kafka.maxRatePerPartition=15000",
                                "--conf", "sink.files.rollRecords=10000"), check=EXIT_OK, timeout=300)
            batches = [json.loads(line) for line in proc.stdout.splitlines()]
            files = offsets_by_file(out)
            got = sink_records(out)
        with_records = [b for b in batches if b["records"] > 0]
        self.assertGreater(len(with_records), 25, "7,500 records per partition per batch: 27 batches")
        for p in (0, 1):
            names = [n for n in files if n.startswith(f"{topic}+{p}+")]
            sizes = [len(files[n]) for n in names]
            self.assertEqual(sizes, [10_000] * 19 + [7_000], f"partition {p}")
            start = 0
            for name in names:  # named by the file's start, each continuing the one before
                self.assertEqual(name, f"{topic}+{p}+{start:020d}.jsonl")
                self.assertEqual(files[name], list(range(start, start + len(files[name]))))
                start += len(files[name])
        self.assert_same_records(got, kcat_records(self.bootstrap, topic))
        print(f"{len(with_records)} batches of 500 ms, {len(files)} files of 10,000 records (the last 7,000)")

    def test_roll_interval_closes_files_on_time_with_a_trickle_of_records(self):
        topic = kh.unique_name("roll-interval")
        kh.create_topic(topic, 1)
        interval, batch = 2.0, 0.3
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            job = start(self.job(topic, out, "--batch-interval", "300ms", "--output", "json",
                                 "--conf", "sink.files.rollInterval=2s"))
            try:
                wait_for(lambda: "\n" in output_of(job)[0] or job.poll() is not None, timeout=60,
                         what="the first batch")
                self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
                produced, first = 0, time.monotonic()
                appeared = []
                # A record every 100 ms: without the interval the file would never fill.
                while len(appeared) < 2 and time.monotonic() - first < 30:
                    kh.produce(self.bootstrap, topic, 1, start=produced)
                    produced += 1
                    if len(final_files(out)) > len(appeared):
                        appeared.append(time.monotonic() - first)
                    time.sleep(0.1)
                self.assertEqual(len(appeared), 2, "no file was rolled in 30 s")
                # The first file opened with the first record: it rolls at the end of the first batch
                # after 2 s (give the loaded machine another two batches), never before.
                self.assertGreaterEqual(appeared[0], interval)
                self.assertLessEqual(appeared[0], interval + 3 * batch + 1.0, appeared)
                # Every record read (and committed) before the stop, which rolls the last file.
                wait_for(lambda: read_records(job) >= produced, timeout=30, what=f"{produced} records read", jobs=[job])
            finally:
                job.send_signal(signal.SIGTERM)
                job.wait(timeout=60)
            self.assertEqual(job.returncode, EXIT_OK, output_of(job)[1][-2000:])
            self.assertEqual(temp_files(out), [])  # the clean stop rolled the last file
            got = sink_records(out)
        self.assert_same_records(got, kcat_records(self.bootstrap, topic))
        print(f"rollInterval=2s: files appeared {[round(a, 2) for a in appeared]} s after the first record")

    def kill_loop(self, name, extra, kills=16, expect_ahead=True):
        """kill -9 while producing, aimed alternately inside an open file and between a roll and
        the checkpoint (both asserted), then a bounded run; every record exactly once."""
        topic = kh.unique_name(name)
        kh.create_topic(topic, 3)
        producer = Producer(self.bootstrap, topic)
        with tempfile.TemporaryDirectory() as tmp:
            out, cp = os.path.join(tmp, "out"), os.path.join(tmp, "cp")
            args = self.job(topic, out, "--checkpoint", cp, "--batch-interval", "300ms", "--output", "json",
                            "--conf", "stream.kafka.maxRatePerPartition=4000",
                            "--conf", "sink.files.rollRecords=2500") + list(extra)
            watcher = Watcher(out)
            producer.start()
            watcher.start()
            rng = random.Random(28)
            aimed = {"open": 0, "roll": 0}
            runs = []
            try:
                wait_for(lambda: producer.count >= 4000, timeout=60, what="the first records")
                for i in range(kills):
                    at_roll = i % 2 == 1
                    job = start(args, env={ROLL_PAUSE_ENV: "3000"} if at_roll else {})
                    runs.append(job)
                    if at_roll:
                        wait_for(lambda: ROLLED.search(output_of(job)[1]) or job.poll() is not None, timeout=90,
                                 interval=0.02, what="a roll", jobs=[job])
                    else:
                        # Batches committed while their records sit in a temporary file.
                        wait_for(lambda: read_records(job) > 0 and temp_files(out) or job.poll() is not None,
                                 timeout=90, interval=0.02, what="an open file", jobs=[job])
                        time.sleep(rng.uniform(0.3, 0.9))
                    self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
                    job.send_signal(signal.SIGKILL)
                    job.wait()
                    aimed["roll" if at_roll else "open"] += 1
            finally:
                producer.stop.set()
                producer.join()
            self.assertIsNone(producer.error)
            final = run(args + ["--until", "latest"], check=EXIT_OK, timeout=300)
            runs_err = [output_of(j)[1] for j in runs[1:]] + [final.stderr]
            watcher.stop.set()
            watcher.join()
            self.assertEqual(watcher.problems[:5], [])
            self.assertEqual(temp_files(out), [])
            got = sink_records(out)
        # Each restart after a kill inside an open file read those records again (files behind);
        # after a kill between a roll and the checkpoint it went on after the rolled file.
        behind = sum(1 for err in runs_err if any(files < host for _, files, host in continued(err)))
        ahead = sum(1 for err in runs_err if any(files > host >= 0 for _, files, host in continued(err)))
        self.assertGreaterEqual(behind, kills // 4, f"only {behind} restarts found the files behind")
        if expect_ahead:  # with the log the group's offsets are committed before any output: never behind the files
            self.assertGreaterEqual(ahead, 1, "no restart found the files ahead of the checkpoint")
        expected = kcat_records(self.bootstrap, topic)
        self.assertGreaterEqual(len(expected), producer.count)
        self.assert_same_records(got, expected)
        replayed = sum("does not continue the rolled files" in err for err in runs_err)
        print(f"{name}: {replayed} restarts left replayed ranges to the re-read; {kills} kills ({aimed['open']} inside open files, {aimed['roll']} between a roll and the "
              f"checkpoint); {behind} restarts read records again behind the checkpoint, {ahead} went on ahead of "
              f"it; {len(got)} records exactly once, {watcher.reads} file reads by the watcher")

    def test_kill_minus_nine_direct_mode(self):
        self.kill_loop("roll-kill-direct", [])

    # A killed receiver's membership ends with its session: a short one lets the restart join soon.
    RECEIVER = ["--mode", "receiver", "--conf", "kafka.session.timeout.ms=6000",
                "--conf", "kafka.heartbeat.interval.ms=500"]

    def test_kill_minus_nine_receiver_mode_without_the_log(self):
        self.kill_loop("roll-kill-recv", self.RECEIVER + ["--group", kh.unique_name("roll-recv"),
                                          "--conf", "stream.receiver.writeAheadLog.enable=false"])

    def test_kill_minus_nine_receiver_mode_with_the_log(self):
        self.kill_loop("roll-kill-wal", self.RECEIVER + ["--group", kh.unique_name("roll-wal"),
                                         "--conf", "stream.receiver.writeAheadLog.enable=true"], expect_ahead=False)

    def test_kill_minus_nine_group_mode_three_instances_sharing_the_directory(self):
        """Group mode: three instances share the directory; each partition's progress there moves
        when its file rolls. Instances are killed (-9) and restarted while producing, aimed inside
        open files and between a roll and its commit; then every record is in the files once."""
        topic, group = kh.unique_name("roll-group"), kh.unique_name("roll-group")
        kh.create_topic(topic, 6)
        producer = Producer(self.bootstrap, topic, per_round=600)
        kills = 16
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            args = self.job(topic, out, "--group", group, "--conf", "stream.kafka.coordination=group",
                            "--batch-interval", "300ms", "--output", "json",
                            "--conf", "kafka.session.timeout.ms=6000", "--conf", "kafka.heartbeat.interval.ms=500",
                            "--conf", "sink.files.rollRecords=1500", "--conf", "sink.files.rollInterval=3s")
            instances = [Instance(args, f"{group}-{i}", env={ROLL_PAUSE_ENV: "1500"}) for i in range(3)]
            watcher = Watcher(out)
            rng = random.Random(2828)
            aimed = {"open": 0, "roll": 0}
            zombies = 0
            try:
                producer.start()
                watcher.start()
                for inst in instances:
                    inst.start()
                for i in range(kills):
                    inst, at_roll = instances[i % 3], i % 2 == 1
                    proc = inst.proc
                    if at_roll:
                        seen = len(ROLLED.findall(output_of(proc)[1]))
                        wait_for(lambda: len(ROLLED.findall(output_of(proc)[1])) > seen or proc.poll() is not None,
                                 timeout=90, interval=0.02, what="a roll", jobs=[proc])
                    else:
                        mine = f"~{proc.pid}~"
                        reported = output_of(proc)[0].count("\n")
                        wait_for(lambda: (any(mine in n for n in temp_files(out)) and
                                          output_of(proc)[0].count("\n") >= reported + 2) or proc.poll() is not None,
                                 timeout=90, interval=0.02, what="batches committed into an open file", jobs=[proc])
                        time.sleep(rng.uniform(0, 0.6))
                    self.assertIsNone(proc.poll(), output_of(proc)[1][-3000:])
                    inst.stop(signal.SIGKILL)
                    aimed["roll" if at_roll else "open"] += 1
                    inst.start()
                # Partitions that move for good: an instance paused past its session (a zombie: the
                # others take its partitions and roll their files, then it wakes up with its own
                # open files and its batch in flight), and one that leaves the group (SIGTERM).
                for inst in instances[:2]:
                    others = [i for i in instances if i is not inst]
                    marks = [len(output_of(i.proc)[1]) for i in others]
                    inst.proc.send_signal(signal.SIGSTOP)
                    wait_for(lambda: any("assigned" in output_of(i.proc)[1][m:] for i, m in zip(others, marks)),
                             timeout=60, what="the others to take the paused instance's partitions",
                             jobs=[i.proc for i in others])
                    time.sleep(4)  # past a roll of the taken partitions (rollInterval=3s)
                    inst.proc.send_signal(signal.SIGCONT)
                    zombies += 1
                    time.sleep(3)
                moved = instances[2].stop(signal.SIGTERM)
                self.assertEqual(moved.returncode, EXIT_OK, output_of(moved)[1][-3000:])
                instances[2].start()
                producer.stop.set()
                producer.join()
                self.assertIsNone(producer.error)
                expected = kcat_records(self.bootstrap, topic)
                # The files roll within rollInterval of their first record: wait for all of them.
                wait_for(lambda: len(sink_records(out)) >= len(expected), timeout=180, interval=1.0,
                         what=f"{len(expected)} records in the files", jobs=[i.proc for i in instances])
            finally:
                producer.stop.set()
                for inst in instances:
                    if inst.running():
                        inst.proc.send_signal(signal.SIGCONT)
                        inst.stop(signal.SIGTERM)
            runs = [r for inst in instances for r in inst.runs]
            for proc in (inst.runs[-1] for inst in instances):  # each stopped cleanly: SIGTERM
                self.assertEqual(proc.returncode, EXIT_OK, output_of(proc)[1][-3000:])
            for proc in runs:
                self.assertNotIn("error:", output_of(proc)[1])
            watcher.stop.set()
            watcher.join()
            self.assertEqual(watcher.problems[:5], [])
            got = sink_records(out)
        errs = [output_of(p)[1] for p in runs]
        behind = sum(1 for err in errs for _, files, host in continued(err) if files < host)
        ahead = sum(1 for err in errs for _, files, host in continued(err) if files > host >= 0)
        refused = sum(err.count("another instance committed") for err in errs)
        self.assertGreater(behind, 0, "no partition was read again behind the group's offset")
        self.assertGreater(refused, 0, "no stale instance's files were refused by a partition's progress")
        self.assert_same_records(got, expected)
        print(f"group mode, 3 instances: {kills} kills ({aimed['open']} inside open files, {aimed['roll']} between "
              f"a roll and its commit), {zombies} zombies, one instance left and came back; {behind} partitions read again behind the group's offset, {ahead} continued "
              f"ahead of it, {refused} commits refused by a partition's progress; {len(got)} records exactly once")


if __name__ == "__main__":
    main()
