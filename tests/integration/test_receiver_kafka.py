"""Receiver mode against a real Apache Kafka broker (the ctest fixture's, or one started here).

Crash tests kill the receiver with SIGKILL at random moments while records are produced, restart
it each time, and check that the union of the reported ranges covers every produced offset; they
print the loss and duplicate counts. Tests set kafka.session.timeout.ms=6000 (the broker's
minimum): after a SIGKILL the group waits that long before it gives the dead member's partitions
to another one. The crash loops use static membership (kafka.group.instance.id) so that the
restarted process takes its place at once instead of waiting for the session timeout.
"""
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import time
import unittest

from delivered_records import files_sink_records, kcat_records
from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import (BIN, EXIT_APPLICATION, EXIT_KAFKA, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, output_of,
                               parse_json_report, run, start, wait_for)

TEST_PLUGIN_DIR = os.environ["TEST_PLUGIN_DIR"]  # set by ctest: the test plugins are required, never skipped


def parse_ranges(text):
    """(batches, [(topic, partition, from, until)]) from a text report; tolerates a torn last line."""
    batches, ranges = [], []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # the process was killed while writing
        parts = line.split()
        if parts and parts[0] == "batch":
            batches.append(int(parts[1]))
        elif len(parts) == 4:
            ranges.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3])))
        elif parts:
            raise AssertionError(f"unexpected stdout line: {line!r}")
    return batches, ranges


def coverage(ranges, ends):
    """(lost, duplicates) per the union of ranges against [0, end) of every partition."""
    seen, total = {}, 0
    for topic, p, frm, until in ranges:
        seen.setdefault(p, set()).update(range(frm, until))
        total += until - frm
    lost = sum(len(set(range(end)) - seen.get(p, set())) for p, end in ends.items())
    unique = sum(len(s) for s in seen.values())
    return lost, total - unique


WAL_HEADER_BYTES = 44  # a segment's header (runtime/receiver/write_ahead_log.h), then its records


def wal_segments(wal_dir):
    """The write-ahead log's segments (<batch>.wal), oldest first; the directory also holds the
    job's lock file and completed segments' files kept for reuse (<batch>.free)."""
    if not os.path.isdir(wal_dir):
        return []
    return sorted(name for name in os.listdir(wal_dir) if name.endswith(".wal"))

class ReceiverModeOnRealKafka(RealKafkaTestCase):
    def job(self, topics, group, *extra):
        return ["--mode", "receiver", "--bootstrap-servers", self.bootstrap, "--topics", topics, "--group", group,
                "--batch-interval", "300ms", "--conf", "kafka.session.timeout.ms=6000"] + list(extra)

    def topic(self, prefix, partitions, records=0):
        name = kh.unique_name(prefix)
        kh.create_topic(name, partitions)
        if records:
            kh.produce(self.bootstrap, name, records)
        return name

    def ends(self, topic):
        return kh.get_offsets(topic, bootstrap=self.bootstrap)

    # ---- one instance, no write-ahead log ----
    def test_until_latest_reads_everything_and_commits_after_output(self):
        topic = self.topic("recv", 3, 3000)
        group = kh.unique_name("g")
        proc = run(self.job(f"{topic}:2", group, "--until", "latest", "--output", "json"), check=EXIT_OK, timeout=60)
        docs = parse_json_report(proc.stdout)
        self.assertTrue(all(d["mode"] == "receiver" for d in docs))
        self.assertEqual(sum(d["records"] for d in docs), 3000)
        ends = self.ends(topic)
        ranges = [(r["topic"], r["partition"], r["fromOffset"], r["untilOffset"]) for d in docs for r in d["ranges"]]
        self.assertEqual(coverage(ranges, ends), (0, 0))
        self.assertEqual(kh.consumer_group_offsets(group, bootstrap=self.bootstrap),
                         {(topic, p): end for p, end in ends.items()})
        # The group is at the end now: a second run has nothing to receive and stops.
        again = run(self.job(f"{topic}:2", group, "--until", "latest"), check=EXIT_OK, timeout=60)
        self.assertEqual(parse_ranges(again.stdout)[1], [])

    def test_auto_commit_is_said_to_be_ignored_once_and_the_member_still_commits_after_output(self):
        topic = self.topic("autocommit", 2, 400)
        group = kh.unique_name("g")
        proc = run(self.job(f"{topic}:2", group, "--until", "latest", "--conf", "kafka.enable.auto.commit=true"),
                   check=EXIT_OK, timeout=60)
        self.assertEqual(proc.stderr.count("kafka.enable.auto.commit=true is ignored in receiver mode"), 1,
                         proc.stderr)
        self.assertEqual(sum(u - f for _, _, f, u in parse_ranges(proc.stdout)[1]), 400)
        self.assertEqual(kh.consumer_group_offsets(group, bootstrap=self.bootstrap),
                         {(topic, p): end for p, end in self.ends(topic).items()})

    def test_until_latest_pauses_each_partition_once_it_reaches_its_end(self):
        topic = self.topic("ends", 4, 2000)
        proc = run(self.job(f"{topic}:2", kh.unique_name("g"), "--until", "latest", "-v"), check=EXIT_OK, timeout=60)
        paused = re.findall(r"receiver (\d) \(%s\): reached the end \(--until latest\), paused \[([^]]*)\]" %
                            re.escape(topic), proc.stderr)
        names = sorted(n for _, listed in paused for n in listed.split(","))
        self.assertEqual(names, sorted("%s-%d" % (topic, p) for p in range(4)), proc.stderr)
        # Partition i of a topic with 2 threads is its thread i mod 2's.
        self.assertTrue(all(int(n.rsplit("-", 1)[1]) % 2 == int(r) for r, listed in paused for n in listed.split(",")))
        self.assertEqual(sum(u - f for _, _, f, u in parse_ranges(proc.stdout)[1]), 2000)

    def test_the_group_member_fetches_none_of_the_partitions_its_threads_read(self):
        # The threads' handles fetch the member's partitions; the member only keeps the group.
        # It used to assign them before pausing them, and its broker thread had often fetched
        # all four by then (dropped, but fetched and parsed). A race: several fresh groups.
        topic = self.topic("memberfetch", 4, 4000)
        for attempt in range(8):
            proc = run(self.job(f"{topic}:2", kh.unique_name("g"), "--until", "latest", "-v",
                                "--conf", "kafka.debug=fetch,cgrp"), check=EXIT_OK, timeout=60)
            self.assertEqual(sum(u - f for _, _, f, u in parse_ranges(proc.stdout)[1]), 4000)
            members = set(re.findall(r"librdkafka JOINGROUP \(([^)]+)\)", proc.stderr))
            self.assertEqual(len(members), 1, proc.stderr[-3000:])
            fetched = {}  # handle -> partitions it asked the broker for
            for handle, partition in re.findall(r"librdkafka FETCH \(([^)]+)\): .*Fetch topic %s \[(\d+)\]" %
                                                re.escape(topic), proc.stderr):
                fetched.setdefault(handle, set()).add(int(partition))
            self.assertNotIn(next(iter(members)), fetched, "attempt %d: the member fetched" % attempt)
            # The trace shows the fetches: two other handles, two partitions each.
            self.assertEqual(sorted(sorted(p) for p in fetched.values()), [[0, 2], [1, 3]], fetched)

    def test_partitions_that_start_at_their_end_are_done_at_once(self):
        # An empty partition, or a caught-up group's, brings no record to say it is done; the
        # job looks up where each starts. It used to wait for 3 s of idling instead (at
        # 300 ms batches, ten empty batches). Such a partition is paused before any consumer
        # is given it, so none fetches it: the broker would hold that fetch for
        # fetch.wait.max.ms, and the same consumer's other partitions waited behind it.
        topic = kh.unique_name("atend")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 200, partition=0)
        kh.produce(self.bootstrap, topic, 100, partition=1, start=200)  # partition 2 stays empty
        group = kh.unique_name("g")

        def run_once():
            proc = run(self.job(f"{topic}:2", group, "--until", "latest", "--output", "json", "-v",
                                "--conf", "kafka.auto.offset.reset=earliest", "--conf", "kafka.debug=fetch"),
                       check=EXIT_OK, timeout=60)
            ended = re.findall(r"reached the end \(--until latest\), paused \[([^]]*)\]", proc.stderr)
            self.assertEqual(sorted(n for listed in ended for n in listed.split(",")),
                             ["%s-%d" % (topic, p) for p in range(3)], proc.stderr[-3000:])
            fetched = {int(p) for p in re.findall(r"librdkafka FETCH \([^)]+\): .*Fetch topic %s \[(\d+)\]" %
                                                  re.escape(topic), proc.stderr)}
            return parse_json_report(proc.stdout), fetched

        docs, fetched = run_once()  # a fresh group: partition 2 starts at its end, 0 and 1 at their start
        self.assertEqual(sum(d["records"] for d in docs), 300)
        self.assertLess(len(docs), 5, docs)
        self.assertEqual(fetched, {0, 1})
        self.assertEqual(kh.consumer_group_offsets(group, bootstrap=self.bootstrap),
                         {(topic, 0): 200, (topic, 1): 100})
        docs, fetched = run_once()  # caught up: every partition starts at its end
        self.assertEqual(sum(d["records"] for d in docs), 0)
        self.assertLess(len(docs), 5, docs)
        self.assertEqual(fetched, set())

    # ---- large values: kept in the connector's buffers, not copied (ABI 2.5) ----
    def produce_large_values(self, topic, partitions, per_partition, seed):
        """Binary keys and values of 3-9 KiB through kcat, some with headers, plus a tombstone, an
        empty value and small values among them in partition 0."""
        rng = random.Random(seed)
        pick = bytes(b for b in range(256) if b not in (0x1e, 0x1f))

        def blob(lo, hi):
            return bytes(rng.choice(pick) for _ in range(rng.randint(lo, hi)))

        def kcat(partition, data, extra=()):
            cmd = ["kcat", "-P", "-b", self.bootstrap, "-t", topic, "-p", str(partition), "-K", "\\x1f", "-D",
                   "\\x1e", "-X", "acks=all"] + list(extra)
            p = subprocess.run(cmd, input=data, capture_output=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))

        for p in range(partitions):
            kcat(p, b"".join(blob(1, 16) + b"\x1f" + blob(3072, 9216) + b"\x1e" for _ in range(per_partition)))
            kcat(p, b"".join(blob(1, 16) + b"\x1f" + blob(3072, 9216) + b"\x1e" for _ in range(20)),
                 ["-H", "trace=abc", "-H", "empty="])
        kcat(0, b"small\x1fv\x1eempty\x1f\x1e")
        kcat(0, b"tomb\x1f\x1e", ["-Z"])
        kcat(0, b"".join(blob(1, 16) + b"\x1f" + blob(3072, 9216) + b"\x1e" for _ in range(20)))

    def test_large_values_are_kept_without_a_copy_and_delivered_byte_for_byte(self):
        # The receivers keep deliveries of large values in the connector's buffers instead of
        # copying them into their blocks (-v counts them); the files sink must still write every
        # record as kcat reads it, with the write-ahead log off and on.
        topic = self.topic("kept", 3)
        self.produce_large_values(topic, 3, 300, seed=21)
        expected = kcat_records(self.bootstrap, topic)
        self.assertEqual(len(expected), 3 * 320 + 23)
        for wal in ("false", "true"):
            with self.subTest(wal=wal), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out")
                proc = run(self.job(f"{topic}:2", kh.unique_name("g"), "--until", "latest", "-v",
                                    "--checkpoint", os.path.join(tmp, "cp"), "--sink", "files",
                                    "--conf", "sink.files.dir=" + out,
                                    "--conf", "stream.receiver.writeAheadLog.enable=" + wal),
                           check=EXIT_OK, timeout=120)
                kept = [int(n) for n in re.findall(r"(\d+) records kept in the connector's buffers, not copied",
                                                   proc.stderr)]
                self.assertEqual(len(kept), 2, proc.stderr[-2000:])
                self.assertGreater(sum(kept), 3 * 300, "the large values were copied: the test proves nothing")
                self.assertNotIn("internal error", proc.stderr)
                got, duplicates = files_sink_records(out)
                self.assertEqual(duplicates, [])
                self.assertEqual(sorted(set(expected) - set(got)), [])
                self.assertEqual(sorted(set(got) - set(expected)), [])
                wrong = [k for k in expected if got[k][:2] != expected[k]]
                self.assertEqual(wrong[:5], [], f"{len(wrong)} records with other key or value bytes")
                with_headers = [got[k][2] for k in got if got[k][2]]
                self.assertEqual(len(with_headers), 3 * 20)
                self.assertTrue(all(h == [["trace", "abc"], ["empty", ""]] for h in with_headers), with_headers[:2])

    def test_a_failing_job_releases_the_records_its_blocks_kept_before_it_closes_the_consumer(self):
        # A batch's commit fails (the recorder application, test-only) while the receivers, held
        # to 2,000 records/s, still receive: blocks of kept records wait for the next batches.
        # They are freed before the consumer whose buffers they point into is closed (the source
        # says so loudly otherwise, and its close then hung for 10 s).
        topic = self.topic("keptfail", 2)
        self.produce_large_values(topic, 2, 600, seed=5)
        with tempfile.TemporaryDirectory() as tmp:
            plugin_dir = os.path.join(tmp, "plugins")
            os.makedirs(plugin_dir)
            os.symlink(os.path.join(TEST_PLUGIN_DIR, "test-recorder_app.so"),
                       os.path.join(plugin_dir, "streamsubmit-sink-files.so"))
            # Batch 1 fails 0.2 s after the start: on a loaded machine the group can still be
            # joining then, and nothing was received to keep. Such a run proves nothing: again.
            for attempt in range(3):
                proc = run(self.job(f"{topic}:2", kh.unique_name("g"), "--until", "latest", "-v", "--sink", "files",
                                    "--conf", "sink.files.dir=unused", "--batch-interval", "100ms",
                                    "--conf", "stream.blockInterval=20ms", "--conf", "stream.receiver.maxRate=2000"),
                           check=None, timeout=120,
                           env={"STREAMSUBMIT_PLUGIN_DIR": plugin_dir, "RECORDER_LOG": os.path.join(tmp, "calls.log"),
                                "RECORDER_FAIL_COMMIT_BATCH": "1"})
                self.assertEqual(proc.returncode, EXIT_APPLICATION, proc.stderr[-2000:])
                self.assertIn("commit of batch 1 fails", proc.stderr)
                if sum(int(n) for n in re.findall(r"received (\d+) records in", proc.stderr)) > 0:
                    break
            kept = [int(n) for n in re.findall(r"(\d+) records kept in the connector's buffers", proc.stderr)]
            self.assertGreater(sum(kept), 0, proc.stderr[-2000:])
            self.assertNotIn("record leases still held", proc.stderr)
            self.assertNotIn("did not close within", proc.stderr)

    def test_several_topics_with_their_own_thread_counts(self):
        orders, clicks = self.topic("orders", 2, 1200), self.topic("clicks", 1, 300)
        group = kh.unique_name("g")
        proc = run(self.job(f"{orders}:2,{clicks}:1", group, "--until", "latest"), check=EXIT_OK, timeout=90)
        _, ranges = parse_ranges(proc.stdout)
        for topic, count in ((orders, 1200), (clicks, 300)):
            ends = self.ends(topic)
            seen = {}
            for t, p, frm, until in ranges:
                if t == topic:
                    seen.setdefault(p, []).append((frm, until))
            self.assertEqual(sorted(seen), sorted(ends), topic)
            for p, spans in seen.items():  # each partition once, in order, to its end
                pos = 0
                for frm, until in sorted(spans):
                    self.assertEqual(frm, pos, f"{topic}-{p}")
                    pos = until
                self.assertEqual(pos, ends[p], f"{topic}-{p}")
            self.assertEqual(sum(u - f for t, _, f, u in ranges if t == topic), count)

    def test_a_misspelled_topic_ends_the_job_at_start(self):
        """As in direct mode: exit 4 naming the topic, before any batch (not after
        stream.kafka.missingTopicTimeout of empty batches)."""
        topic = self.topic("orders", 1, 10)
        typo = topic + "-typo"
        proc = run(self.job(typo, kh.unique_name("g")), check=EXIT_KAFKA, timeout=60)
        self.assertIn(f"topic '{typo}' does not exist on {self.bootstrap}", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_bad_input_is_a_clear_error(self):
        topic = kh.unique_name("absent")  # never created: every check comes first
        no_group = run(["--mode", "receiver", "--bootstrap-servers", self.bootstrap, "--topics", topic],
                       check=EXIT_USAGE)
        self.assertIn("receiver mode needs a consumer group", no_group.stderr)
        self.assertIn("hint: add --group", no_group.stderr)
        no_dir = run(self.job(topic, "g", "--conf", "stream.receiver.writeAheadLog.enable=true"), check=EXIT_USAGE)
        self.assertIn("the write-ahead log needs a checkpoint directory", no_dir.stderr)
        bad_threads = run(self.job(f"{topic}:0", "g"), check=EXIT_USAGE)
        self.assertIn("invalid receiver thread count", bad_threads.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            blocker = os.path.join(tmp, "file")
            open(blocker, "w").close()
            # A checkpoint path that cannot be a directory: exit 2 (usage) or 1 (I/O), naming it.
            blocked = run(self.job(topic, "g", "--checkpoint", os.path.join(blocker, "cp"),
                                   "--conf", "stream.receiver.writeAheadLog.enable=true"))
            self.assertIn(blocked.returncode, (EXIT_RUNTIME, EXIT_USAGE))
            self.assertIn(blocker, blocked.stderr)
            ro = os.path.join(tmp, "ro")
            wal_dir = os.path.join(ro, "wal")
            os.makedirs(wal_dir)
            args = self.job(topic, "g", "--checkpoint", ro, "--conf", "stream.receiver.writeAheadLog.enable=true")
            if os.geteuid() != 0:
                os.chmod(wal_dir, 0o500)
                unwritable = run(args)
                os.chmod(wal_dir, 0o700)
            else:  # root writes through permission bits: a read-only bind mount in a private mount namespace
                unwritable = subprocess.run(
                    ["unshare", "-m", "--propagation", "private", "sh", "-c",
                     'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"', wal_dir, BIN] + args,
                    capture_output=True, text=True, timeout=120)
            self.assertEqual(unwritable.returncode, EXIT_RUNTIME, unwritable.stderr)
            self.assertIn("write-ahead log directory is not writable", unwritable.stderr)
            cp = os.path.join(tmp, "cp")
            os.makedirs(cp)
            with open(os.path.join(cp, "metadata.json"), "w") as f:
                json.dump({"format": 1, "subscription": "receiver group=other topics=" + topic}, f)
            foreign = run(self.job(topic, "g", "--checkpoint", cp, "--conf",
                                   "stream.receiver.writeAheadLog.enable=true"), check=EXIT_USAGE)
            self.assertIn("checkpoint belongs to another job", foreign.stderr)

    # ---- crash loops ----
    def crash_loop(self, wal, kills=20):
        topic = self.topic("crash", 3)
        group = kh.unique_name("g")
        producer = kh.Producer(self.bootstrap, topic)
        producer.start()
        all_ranges, starts, replays, cut_tails = [], [], 0, 0
        with tempfile.TemporaryDirectory() as tmp:
            args = self.job(f"{topic}:2", group, "--checkpoint", os.path.join(tmp, "cp"),
                            "--conf", "stream.blockInterval=100ms",
                            "--conf", f"kafka.group.instance.id={group}",
                            "--conf", f"stream.receiver.writeAheadLog.enable={'true' if wal else 'false'}")
            rng = random.Random(int(os.environ.get("RECEIVER_CRASH_SEED", "7")))
            try:
                for _ in range(kills):
                    t0 = time.monotonic()
                    proc = start(args)
                    time.sleep(rng.uniform(0.4, 1.6))
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    starts.append(time.monotonic() - t0)
                    out, err = output_of(proc)
                    self.assertNotIn("error:", err)
                    all_ranges += parse_ranges(out)[1]
                    replays += "replaying" in err
                    cut_tails += "torn tail" in err
            finally:
                produced = producer.stop()
            before_final = sum(until - frm for _, _, frm, until in all_ranges)
            final = run(args + ["--until", "latest"], check=EXIT_OK, timeout=120)
            all_ranges += parse_ranges(final.stdout)[1]
            if wal:
                wal_dir = os.path.join(tmp, "cp", "wal")
                self.assertEqual(wal_segments(wal_dir), [])  # every segment completed
                # Completed segments' files were kept and written over by later batches: most kills
                # left the newest segment in such a file, whose old bytes recovery cut off.
                kept = [n for n in os.listdir(wal_dir) if n.endswith(".free")]
                self.assertTrue(1 <= len(kept) <= 4, kept)
                self.assertGreater(cut_tails, kills // 2)
        ends = self.ends(topic)
        self.assertEqual(sum(ends.values()), produced)
        lost, dups = coverage(all_ranges, ends)
        print(f"\nreceiver crash loop ({'with' if wal else 'without'} the write-ahead log): {kills} x SIGKILL, "
              f"{produced} records produced, {before_final} reported by the killed runs, "
              f"{replays} runs replayed the log, {cut_tails} cut a tail; lost {lost}, duplicates {dups}", flush=True)
        self.assertEqual(lost, 0)
        self.assertGreater(before_final, produced // 2)  # the killed runs did receive (not only the final one)
        return final

    def test_zero_loss_with_the_write_ahead_log_across_20_kills(self):
        self.crash_loop(wal=True)

    def test_at_least_once_without_the_write_ahead_log_across_20_kills(self):
        self.crash_loop(wal=False)

    # ---- the log itself ----
    def killed_wal_run(self, tmp, topic, group):
        """Runs with long batches so that the open batch's segment holds several blocks, then SIGKILL."""
        args = self.job(topic, group, "--checkpoint", os.path.join(tmp, "cp"), "--batch-interval", "20s",
                        "--conf", "stream.receiver.writeAheadLog.enable=true",
                        "--conf", "stream.receiver.maxRate=2000", "--conf", "stream.blockInterval=100ms")
        proc = start(args)
        wal = os.path.join(tmp, "cp", "wal")

        def segment_has_blocks():
            segs = wal_segments(wal)
            return segs and os.path.getsize(os.path.join(wal, segs[-1])) > 2000
        wait_for(segment_has_blocks, timeout=30, what="a write-ahead log segment with blocks")
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return args, os.path.join(wal, wal_segments(wal)[-1])

    def test_torn_tail_is_truncated_and_the_job_continues(self):
        topic = self.topic("torn", 1, 3000)
        with tempfile.TemporaryDirectory() as tmp:
            args, segment = self.killed_wal_run(tmp, topic, kh.unique_name("g"))
            size = os.path.getsize(segment)
            with open(segment, "r+b") as f:
                f.truncate(size - 5)  # the last record loses its end, as in a crash mid-write
            proc = run(args + ["--until", "latest", "--batch-interval", "300ms"], check=EXIT_OK, timeout=60)
            self.assertIn("torn tail", proc.stderr)
            self.assertIn(segment, proc.stderr)
            self.assertEqual(wal_segments(os.path.dirname(segment)), [])
        # The replayed batch comes first and keeps the number of the batch it belonged to.
        batches, ranges = parse_ranges(proc.stdout)
        self.assertEqual(batches[0], int(os.path.basename(segment)[:-4]))
        self.assertGreater(len(ranges), 0)

    def test_corrupted_record_in_the_middle_is_reported_with_file_and_offset(self):
        topic = self.topic("corrupt", 1, 3000)
        with tempfile.TemporaryDirectory() as tmp:
            args, segment = self.killed_wal_run(tmp, topic, kh.unique_name("g"))
            with open(segment, "r+b") as f:
                f.seek(WAL_HEADER_BYTES + 30)  # inside the first record's payload
                byte = f.read(1)
                f.seek(WAL_HEADER_BYTES + 30)
                f.write(bytes([byte[0] ^ 0xFF]))
            proc = run(args + ["--until", "latest"], check=EXIT_USAGE, timeout=60)
            self.assertIn("write-ahead log is corrupt", proc.stderr)
            self.assertIn(f"({segment}, offset {WAL_HEADER_BYTES})", proc.stderr)
            self.assertEqual(proc.stdout, "")
            self.assertTrue(os.path.exists(segment))  # never deleted or skipped

    # ---- rebalances ----
    def test_two_instances_split_the_partitions_and_one_takes_over(self):
        topic = self.topic("split", 4)
        group = kh.unique_name("g")
        producer = kh.Producer(self.bootstrap, topic, per_round=40, pause=0.1)
        producer.start()
        args = self.job(topic, group, "--conf", "stream.blockInterval=100ms")
        a, b = start(args), start(args)
        try:
            def partitions_of(proc):
                return {p for _, p, _, _ in parse_ranges(output_of(proc)[0])[1]}
            wait_for(lambda: partitions_of(a) and partitions_of(b) and
                     len(partitions_of(a) | partitions_of(b)) == 4, timeout=60, what="both instances receiving")
            a.send_signal(signal.SIGKILL)
            a.wait()
            a_out = output_of(a)[0]
            mark = len(output_of(b)[0])
            wait_for(lambda: {p for _, p, _, _ in parse_ranges(output_of(b)[0][mark:])[1]} == {0, 1, 2, 3},
                     timeout=60, what="the survivor to take every partition")
        finally:
            produced = producer.stop()
        ends = self.ends(topic)
        self.assertEqual(sum(ends.values()), produced)

        def b_done():
            got = {}
            for _, p, _, until in parse_ranges(output_of(b)[0])[1]:
                got[p] = max(got.get(p, 0), until)
            return all(got.get(p, 0) >= end for p, end in ends.items())
        wait_for(b_done, timeout=60, what="the survivor to reach the end")
        b.send_signal(signal.SIGTERM)
        b.wait(timeout=30)
        self.assertEqual(b.returncode, EXIT_OK)
        lost, dups = coverage(parse_ranges(a_out)[1] + parse_ranges(output_of(b)[0])[1], ends)
        print(f"\nreceiver two instances, one killed: {produced} records, lost {lost}, duplicates {dups}", flush=True)
        self.assertEqual(lost, 0)

    # ---- rate and memory ----
    def test_max_rate_is_respected(self):
        topic = self.topic("rate", 1, 2000)
        t0 = time.monotonic()
        proc = run(self.job(topic, kh.unique_name("g"), "--until", "latest", "--output", "json",
                            "--conf", "stream.receiver.maxRate=1000"), check=EXIT_OK, timeout=60)
        elapsed = time.monotonic() - t0
        docs = parse_json_report(proc.stdout)
        self.assertEqual(sum(d["records"] for d in docs), 2000)
        self.assertGreaterEqual(elapsed, 1.5)  # 2000 records at 1000/s, less a 200-record burst
        for d in docs[:-1]:  # 300 ms batches: 300 records plus the burst, with scheduling slack
            self.assertLessEqual(d["records"], 300 + 200 + 100, d)

    def test_a_tiny_buffer_bounds_every_batch_and_loses_nothing(self):
        topic = self.topic("tiny", 2, 6000)
        limit = 100000
        proc = run(self.job(topic, kh.unique_name("g"), "--until", "latest", "--output", "json",
                            "--conf", "stream.receiver.maxBufferedBytes=%d" % limit), check=EXIT_OK, timeout=90)
        docs = parse_json_report(proc.stdout)
        # Batches close early at half the buffer: none holds more than the buffer (key and value
        # bytes plus 40 bytes a record, what the buffer counts), give or take what a poll sized
        # by the average record so far overshoots: this topic's keys and values grow by a digit
        # (key-999 -> key-1000), so a later record costs up to ~4% more than that average.
        for d in docs:
            self.assertLessEqual(d["bytes"] + 40 * d["records"], limit * 1.05, d)
        ranges = [(r["topic"], r["partition"], r["fromOffset"], r["untilOffset"]) for d in docs for r in d["ranges"]]
        self.assertEqual(coverage(ranges, self.ends(topic)), (0, 0))
        self.assertGreater(len([d for d in docs if d["records"] > 0]), 3)  # spread over several batches


    def test_early_batches_are_committed_at_most_once_per_block_interval(self):
        # A small buffer closes a batch every few hundred records; committing after each would
        # be a round trip to the coordinator per batch. The job's group thread commits what was
        # output at most once per block interval (200 ms), the receiver thread never while it
        # receives, and what is left at the stop goes out once.
        topic, group = self.topic("cadence", 2, 60000), kh.unique_name("g")
        t0 = time.monotonic()
        proc = run(self.job(f"{topic}:1", group, "--until", "latest", "--output", "json", "-v",
                            "--conf", "stream.receiver.maxBufferedBytes=50000"), check=EXIT_OK, timeout=90)
        elapsed = time.monotonic() - t0
        batches = [d for d in parse_json_report(proc.stdout) if d["records"] > 0]
        by_thread = re.search(r"receiver 0 \([^)]*\): received 60000 records in \d+ polls, committed (\d+) times",
                              proc.stderr)
        by_group = re.search(r"receiver group: committed (\d+) times", proc.stderr)
        self.assertIsNotNone(by_thread, proc.stderr[-3000:])
        self.assertIsNotNone(by_group, proc.stderr[-3000:])
        self.assertLessEqual(int(by_thread.group(1)), 1, "the receiver thread commits only what is left at the stop")
        commits = int(by_thread.group(1)) + int(by_group.group(1))
        bound = elapsed / 0.2 + 2  # one per block interval of the run, and the stop's
        self.assertGreater(len(batches), bound, "fewer batches than the bound: the test proves nothing")
        self.assertLessEqual(commits, bound, f"{len(batches)} batches in {elapsed:.2f} s")
        print(f"\nreceiver commit cadence: {len(batches)} batches, {commits} commits in {elapsed:.2f} s", flush=True)
        # Nothing is left uncommitted: the stop commits the rest.
        self.assertEqual(kh.consumer_group_offsets(group, bootstrap=self.bootstrap),
                         {(topic, p): end for p, end in self.ends(topic).items()})

    def test_a_slow_application_pauses_fetching_and_resumes_without_loss_or_duplicates(self):
        # A full buffer first just waits; only after 1 s full are the partitions paused (which
        # drops librdkafka's prefetched records, fetched again on resume). A slow application
        # (10 ms a record) behind a 16 KiB buffer (~140 records per early batch, ~1.4 s each)
        # keeps it full for longer than that.
        app = os.path.join(os.environ.get("TEST_PLUGIN_DIR", ""), "test-slow_app.so")
        topic, count = self.topic("pause", 2, 600), 600
        with tempfile.TemporaryDirectory(prefix="pause-") as tmp:
            out = os.path.join(tmp, "records.txt")
            proc = run(self.job(f"{topic}:1", kh.unique_name("g"), "--until", "latest", "--output", "json",
                                "--conf", "stream.receiver.maxBufferedBytes=16384", "-v", app, f"out={out}",
                                "delayMicros=10000"), check=EXIT_OK, timeout=120)
            with open(out) as f:
                got = [line.split(" ", 3) for line in f.read().splitlines()]
        pauses = re.search(r"fetching paused (\d+) times because the receive buffer was full", proc.stderr)
        self.assertIsNotNone(pauses, "the partitions were never paused:\n" + proc.stderr[-3000:])
        self.assertGreaterEqual(int(pauses.group(1)), 1)
        # -v's summary of the thread says where its time went: before each pause it waited 1 s for room.
        waited = re.search(r"receiver 0 \([^)]*\): received 600 records in \d+ polls, committed \d+ times \(\d+ ms\); waited \d+ ms "
                           r"in polls that brought none, (\d+) ms for buffer room", proc.stderr)
        self.assertIsNotNone(waited, proc.stderr[-3000:])
        self.assertGreaterEqual(int(waited.group(1)), 500)
        seen = {}
        for t, p, off, value in got:
            self.assertEqual(t, topic)
            self.assertNotIn((int(p), int(off)), seen, "a record reached the application twice")
            seen[(int(p), int(off))] = value
        kafka = {}
        for line in kh.consume_all(topic, bootstrap=self.bootstrap, fmt="%p %o %s\n").splitlines():
            p, off, value = line.split(" ", 2)
            kafka[(int(p), int(off))] = value
        self.assertEqual(len(kafka), count)
        self.assertEqual(seen, kafka, "after resuming, every record reached the application once, with Kafka's value")
        docs = parse_json_report(proc.stdout)
        ranges = [(r["topic"], r["partition"], r["fromOffset"], r["untilOffset"]) for d in docs for r in d["ranges"]]
        self.assertEqual(coverage(ranges, self.ends(topic)), (0, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
