"""The files sink against a real Apache Kafka broker: delivery checked on the records themselves.

Every check compares the union of the sink's output files, record by record (partition, offset,
key bytes, value bytes), with what kcat (an independent client) reads from [0, end) of every
partition: nothing missing, nothing duplicated, and no partial file ever visible to a reader
that watches the directory while jobs are killed with SIGKILL mid-batch.
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time

from delivered_records import DELAY_ENV, files_sink_records, kcat_records, temp_files
from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, main, output_of, run, start, wait_for


def is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def sink_records(out_dir):
    """{(topic, partition, offset): (key, value, headers)} from the final files; fails on a
    duplicate record or a line that does not parse."""
    records, duplicates = files_sink_records(out_dir)
    assert not duplicates, f"records delivered twice: {duplicates[:5]}"
    return records


class Watcher(threading.Thread):
    """Reads every final file of a directory over and over while jobs write into it: each must
    be whole (ends with a newline, every line parses) and never change once seen."""

    def __init__(self, out_dir):
        super().__init__(daemon=True)
        self.out_dir, self.stop, self.seen, self.problems, self.reads = out_dir, threading.Event(), {}, [], 0

    def run(self):
        while not self.stop.is_set():
            try:
                names = os.listdir(self.out_dir)
            except FileNotFoundError:
                names = []
            for name in names:
                if name.startswith("."):
                    continue
                try:
                    with open(os.path.join(self.out_dir, name), "rb") as f:
                        data = f.read()
                except FileNotFoundError:
                    self.problems.append(f"{name} disappeared")
                    continue
                self.reads += 1
                digest = hashlib.sha256(data).hexdigest()
                if not data.endswith(b"\n"):
                    self.problems.append(f"{name} seen without its last newline ({len(data)} bytes)")
                else:
                    try:
                        for line in data.splitlines():
                            json.loads(line)
                    except ValueError as e:
                        self.problems.append(f"{name}: a line that does not parse: {e}")
                if self.seen.setdefault(name, digest) != digest:
                    self.problems.append(f"{name} changed after it was visible")
            time.sleep(0.05)


class Producer(threading.Thread):
    """Keeps producing keyed records (kcat) until stopped."""

    def __init__(self, bootstrap, topic):
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.stop, self.count, self.error = bootstrap, topic, threading.Event(), 0, None

    def run(self):
        try:
            while not self.stop.is_set():
                self.count += kh.produce(self.bootstrap, self.topic, 2000, start=self.count)
                time.sleep(0.2)
        except Exception as e:  # reported by the test
            self.error = e


class FilesSinkOnRealKafka(RealKafkaTestCase):
    def job(self, topics, out_dir, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topics, "--conf", "kafka.auto.offset.reset=earliest",
                "--sink", "files", "--conf", "sink.files.dir=" + out_dir] + list(extra)

    def assert_same_records(self, got, expected):
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        self.assertEqual(missing, [], f"{len(missing)} records missing from the files")
        self.assertEqual(extra, [], f"{len(extra)} records in the files that kcat does not read")
        wrong = [k for k in expected if got[k][:2] != expected[k]]
        self.assertEqual(wrong[:5], [], f"{len(wrong)} records with other key or value bytes")

    def test_kill_minus_nine_while_producing_then_exactly_once(self):
        topic = kh.unique_name("files-crash")
        kh.create_topic(topic, 3)
        producer = Producer(self.bootstrap, topic)
        with tempfile.TemporaryDirectory() as tmp:
            out, cp = os.path.join(tmp, "out"), os.path.join(tmp, "cp")
            args = self.job(topic, out, "--checkpoint", cp, "--batch-interval", "300ms",
                            "--conf", "stream.kafka.maxRatePerPartition=4000")
            watcher = Watcher(out)
            producer.start()
            watcher.start()
            rng = random.Random(10)
            kills, mid_write = 22, 0
            try:
                wait_for(lambda: producer.count >= 4000, timeout=60, what="the first records")
                for i in range(kills):
                    slow = i % 2 == 0  # half the runs pause mid-write, so kills land inside a batch
                    job = start(args, env={DELAY_ENV: "400"} if slow else {})
                    if slow:
                        wait_for(lambda: job.poll() is not None or temp_files(out), timeout=60, interval=0.02,
                                 what="a batch being written")
                        time.sleep(rng.uniform(0, 0.3))
                    else:
                        time.sleep(rng.uniform(0.0, 2.0))
                    self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
                    job.send_signal(signal.SIGKILL)
                    job.wait()
                    # A temporary file left behind: the process died with a batch half written.
                    if temp_files(out):
                        mid_write += 1
            finally:
                producer.stop.set()
                producer.join()
            self.assertIsNone(producer.error)
            final = run(args + ["--until", "latest"], check=EXIT_OK, timeout=300)
            watcher.stop.set()
            watcher.join()
            self.assertIn("resuming from checkpoint", final.stderr)
            self.assertEqual(watcher.problems[:5], [])
            self.assertGreater(watcher.reads, 0)
            self.assertGreaterEqual(mid_write, 5, f"only {mid_write} of {kills} kills landed mid-write")
            self.assertEqual(temp_files(out), [])
            got = sink_records(out)
            for name, digest in watcher.seen.items():  # what readers saw is what is there now
                with open(os.path.join(out, name), "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), digest, name)
        expected = kcat_records(self.bootstrap, topic)
        # kcat's producer is not idempotent: a retried request may store a record twice, never fewer.
        self.assertGreaterEqual(len(expected), producer.count)
        self.assert_same_records(got, expected)
        print(f"{kills} kills, {mid_write} mid-write, {len(got)} records, {watcher.reads} file reads by the watcher")

    def test_binary_tombstones_headers_big_values_compaction_and_aborted_transactions_in_both_modes(self):
        raw, compacted, txn = (kh.unique_name(p) for p in ("files-raw", "files-compact", "files-txn"))
        kh.create_topic(raw, 1, {"max.message.bytes": 3 * 1024 * 1024})
        kh.create_topic(compacted, 1, {"cleanup.policy": "compact", "segment.ms": 500,
                                       "min.cleanable.dirty.ratio": 0.01, "delete.retention.ms": 1000})
        kh.create_topic(txn, 1)
        rng = random.Random(7)
        # Binary keys and values (every byte but kcat's delimiters 0x1e/0x1f), empty ones, a header.
        binary = [(bytes(rng.choice([b for b in range(256) if b not in (0x1e, 0x1f)]) for _ in range(rng.randint(1, 40))),
                   bytes(rng.choice([b for b in range(256) if b not in (0x1e, 0x1f)]) for _ in range(rng.randint(0, 300))))
                  for _ in range(200)]
        binary.append((b"empty value", b""))
        self.kcat_produce(raw, b"".join(k + b"\x1f" + v + b"\x1e" for k, v in binary),
                          ["-K", "\\x1f", "-D", "\\x1e", "-H", "trace=abc", "-H", "empty="])
        self.kcat_produce(raw, b"tomb-1\x1f\x1etomb-2\x1f\x1e", ["-K", "\\x1f", "-D", "\\x1e", "-Z"])  # null values
        self.kcat_produce(raw, b"no key\x1e", ["-D", "\\x1e"])  # a null key
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "big")
            with open(big, "wb") as f:
                f.write(bytes(rng.getrandbits(8) for _ in range(1024 * 1024)))
            for _ in range(2):  # a file argument is one record: 1 MiB values
                self.kcat_produce(raw, None, ["-X", "message.max.bytes=3000000", big])
            for _ in range(3):  # the same keys three times: older copies get compacted away
                kh.produce(self.bootstrap, compacted, 200, partition=0)
            time.sleep(1)
            kh.produce(self.bootstrap, compacted, 1, partition=0, start=1000)  # rolls the segment
            wait_for(lambda: len(kh.consume_all(compacted, bootstrap=self.bootstrap)) < 601, timeout=90,
                     what="compaction")
            kh.produce_transactional(self.bootstrap, txn, committed=10, aborted=10, partition=0)
            kh.produce(self.bootstrap, txn, 5, partition=0)

            # Both modes read records through the same conversion: with and without headers,
            # null and empty values (receiver mode also copies them into its blocks).
            got = {}
            for mode, extra in (("direct", []), ("receiver", ["--mode", "receiver", "--group", kh.unique_name("files-g")])):
                out = os.path.join(tmp, "out-" + mode)
                proc = run(self.job(",".join((raw, compacted, txn)), out, "--until", "latest", "--output", "json", *extra),
                           check=EXIT_OK, timeout=300)
                if mode == "direct":
                    docs = [json.loads(line) for line in proc.stdout.splitlines()]
                    self.assertTrue(all(d["durationMs"]["commit"] > 0 for d in docs if d["records"] > 0))
                got[mode] = sink_records(out)
        expected = {}
        for topic in (raw, compacted, txn):
            expected.update(kcat_records(self.bootstrap, topic))
        for mode, records in got.items():
            with self.subTest(mode=mode):
                self.check_binary_records(records, expected, raw, txn, len(binary))

    def check_binary_records(self, got, expected, raw, txn, with_header):
        self.assert_same_records(got, expected)
        values = [got[k][1] for k in sorted(got) if k[0] == raw]
        self.assertEqual(sum(v is None for v in values), 2)  # tombstones stay null, not empty
        self.assertEqual(sum(v == b"" for v in values), 1)  # and an empty value stays empty
        self.assertEqual(sum(v is not None and len(v) == 1024 * 1024 for v in values), 2)
        self.assertEqual(sum(got[k][0] is None for k in got if k[0] == raw), 3)  # "no key" and the two file records
        self.assertGreater(sum(not is_utf8(got[k][0]) for k in got if k[0] == raw and got[k][0]), 100)
        with_headers = [got[k][2] for k in got if k[0] == raw and got[k][2]]
        self.assertEqual(len(with_headers), with_header)
        self.assertTrue(all(h == [["trace", "abc"], ["empty", ""]] for h in with_headers), with_headers[:2])
        self.assertEqual(sum(1 for k in got if k[0] == txn), 15)  # aborted records are not delivered

    def kcat_produce(self, topic, data, extra):
        cmd = ["kcat", "-P", "-b", self.bootstrap, "-t", topic, "-p", "0", "-X", "acks=all"] + extra
        p = subprocess.run(cmd, input=data, capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))

    def test_receiver_wal_delivers_records_deleted_from_kafka_after_a_crash(self):
        topic, group = kh.unique_name("files-wal"), kh.unique_name("files-wal-group")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 3000)
        expected = kcat_records(self.bootstrap, topic)
        with tempfile.TemporaryDirectory() as tmp:
            out, cp = os.path.join(tmp, "out"), os.path.join(tmp, "cp")
            # Blocks are logged and their offsets committed every 200 ms; the batch that would
            # hand them to the sink is due only after a minute: the kill lands before it.
            args = self.job(topic, out, "--mode", "receiver", "--group", group, "--checkpoint", cp,
                            "--conf", "stream.receiver.writeAheadLog.enable=true")
            job = start(args + ["--batch-interval", "60s"])
            ends = kh.get_offsets(topic, bootstrap=self.bootstrap)
            want = {(topic, p): end for p, end in ends.items()}
            wait_for(lambda: kh.consumer_group_offsets(group, bootstrap=self.bootstrap) == want, timeout=90,
                     what="every offset committed after the log write")
            for p, end in ends.items():
                kh.delete_records(topic, p, end)
            self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
            job.send_signal(signal.SIGKILL)
            job.wait()
            self.assertEqual([n for n in os.listdir(out) if not n.startswith(".")] if os.path.isdir(out) else [], [],
                             "the sink had the records before the kill: the test proves nothing")
            self.assertEqual(kh.get_offsets(topic, "earliest", bootstrap=self.bootstrap), ends)  # gone from Kafka
            again = run(args + ["--batch-interval", "1s", "--until", "latest"], check=EXIT_OK, timeout=180)
            self.assertIn("replaying", again.stderr)
            got = sink_records(out)
        self.assert_same_records(got, expected)

    def test_receiver_mode_writes_what_direct_mode_writes_from_memory_and_from_the_log(self):
        """Headers (a null value among them), binary and null keys, tombstones and empty values reach
        the sink in receiver mode as in direct mode: the same JSON lines, byte for byte, with the
        write-ahead log off, on, and replayed after a kill -9."""
        topic = kh.unique_name("files-fidelity")
        kh.create_topic(topic, 1)
        rng = random.Random(11)
        pick = [b for b in range(256) if b not in (0x1e, 0x1f)]
        binary = b"".join(bytes(rng.choice(pick) for _ in range(rng.randint(1, 20))) + b"\x1f" +
                          bytes(rng.choice(pick) for _ in range(rng.randint(0, 60))) + b"\x1e" for _ in range(30))
        self.kcat_produce(topic, binary + b"empty value\x1f\x1e",
                          ["-K", "\\x1f", "-D", "\\x1e", "-H", "trace=abc", "-H", "nil", "-H", "empty="])
        self.kcat_produce(topic, b"tomb\x1f\x1e", ["-K", "\\x1f", "-D", "\\x1e", "-Z"])
        self.kcat_produce(topic, b"no key\x1e", ["-D", "\\x1e", "-H", "only=1"])

        def lines(out):
            got = []
            for name in sorted(n for n in os.listdir(out) if not n.startswith(".")):
                with open(os.path.join(out, name), "rb") as f:
                    got += f.read().splitlines()
            return sorted(got, key=lambda line: json.loads(line)["offset"])

        with tempfile.TemporaryDirectory() as tmp:
            direct = os.path.join(tmp, "direct")
            run(self.job(topic, direct, "--until", "latest"), check=EXIT_OK, timeout=120)
            expected = lines(direct)
            self.assertEqual(len(expected), 33)
            docs = [json.loads(line) for line in expected]
            self.assertEqual(docs[0]["headers"], [["trace", "abc"], ["nil", None], ["empty", ""]])
            self.assertEqual([d["value"] for d in docs[30:32]], ["", None])  # empty value, then a tombstone
            self.assertIsNone(docs[32]["key"])
            self.assertGreater(sum("keyEncoding" in d for d in docs), 10)  # binary keys, base64
            for wal in ("false", "true"):
                out = os.path.join(tmp, "receiver-wal-" + wal)
                run(self.job(topic, out, "--mode", "receiver", "--group", kh.unique_name("fidelity"),
                             "--checkpoint", os.path.join(tmp, "cp-" + wal), "--until", "latest",
                             "--conf", "stream.receiver.writeAheadLog.enable=" + wal), check=EXIT_OK, timeout=120)
                self.assertEqual(lines(out), expected, "receiver mode, write-ahead log " + wal)

            # From the log: the blocks are logged and committed, the job killed before its batch.
            out, cp, group = os.path.join(tmp, "replayed"), os.path.join(tmp, "cp-kill"), kh.unique_name("fidelity")
            args = self.job(topic, out, "--mode", "receiver", "--group", group, "--checkpoint", cp,
                            "--conf", "stream.receiver.writeAheadLog.enable=true")
            job = start(args + ["--batch-interval", "60s"])
            want = {(topic, p): end for p, end in kh.get_offsets(topic, bootstrap=self.bootstrap).items()}
            wait_for(lambda: kh.consumer_group_offsets(group, bootstrap=self.bootstrap) == want, timeout=90,
                     what="every offset committed after the log write")
            self.assertIsNone(job.poll(), output_of(job)[1][-2000:])
            job.send_signal(signal.SIGKILL)
            job.wait()
            self.assertFalse(os.path.isdir(out) and [n for n in os.listdir(out) if not n.startswith(".")],
                             "the sink had the records before the kill: the replay would prove nothing")
            again = run(args + ["--batch-interval", "1s", "--until", "latest"], check=EXIT_OK, timeout=120)
            self.assertIn("replaying", again.stderr)
            self.assertEqual(lines(out), expected, "receiver mode, replayed from the write-ahead log")


if __name__ == "__main__":
    main()
