"""--sink kafka against a real broker: records mirrored (key, value, headers) or as the JSON
envelope; transactional: one transaction per batch with the batch's offsets, so that a
read_committed consumer of the output finds each input record exactly once whatever is killed,
and a paused instance whose transactional.id was taken over is fenced and exits."""
import json
import os
import random
import signal
import subprocess
import tempfile
import time

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_KAFKA, EXIT_OK, output_of, run, start, wait_for, main


def read_topic(bootstrap, topic, committed=True, fmt="%k\t%s\t%h\n"):
    iso = "read_committed" if committed else "read_uncommitted"
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-X", "isolation.level=" + iso, "-f", fmt], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return out.splitlines()


def read_visible(bootstrap, topic, at_least, fmt="%k\t%s\t%h\n"):
    """read_committed once at least `at_least` records are visible: commit_transaction returns
    when the commit is decided, the markers reach the output partitions a little later."""
    lines = []

    def enough():
        lines[:] = read_topic(bootstrap, topic, fmt=fmt)
        return len(lines) >= at_least
    wait_for(enough, timeout=60, interval=0.5, what=f"{at_least} committed records in {topic}")
    return lines


class KafkaSinkOnRealKafka(RealKafkaTestCase):
    def topics(self, partitions=3):
        src, out = kh.unique_name("in"), kh.unique_name("out")
        kh.create_topic(src, partitions)
        kh.create_topic(out, partitions)
        return src, out

    def settled(self, topic, count):
        """Waits until the brokers' end offsets count `count` records, so that a job started now
        with --until latest targets all of them."""
        wait_for(lambda: sum(kh.get_offsets(topic, bootstrap=self.bootstrap).values()) == count, timeout=60,
                 interval=0.5, what=f"{count} records in {topic}")

    def job(self, src, out, group, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", src, "--group", group, "--sink", "kafka",
                "--conf", f"sink.kafka.topic={out}", "--conf", "kafka.auto.offset.reset=earliest",
                "--batch-interval", "300ms"] + list(extra)

    def test_mirror_copies_keys_values_and_headers(self):
        src, out = self.topics()
        kh.produce(self.bootstrap, src, 2000)
        subprocess.run(["kcat", "-P", "-b", self.bootstrap, "-t", src, "-H", "h1=v1", "-H", "h2=v2", "-K", ":"],
                       input="hk:hv\n", text=True, check=True, timeout=60)
        self.settled(src, 2001)
        run(self.job(src, out, kh.unique_name("g"), "--until", "latest"), check=EXIT_OK, timeout=120)
        copied = read_visible(self.bootstrap, out, 2001)
        self.assertEqual(sorted(copied), sorted(read_topic(self.bootstrap, src)))
        self.assertIn("hk\thv\th1=v1,h2=v2", copied)

    def test_json_envelope_names_the_input_record(self):
        src, out = self.topics()
        kh.produce(self.bootstrap, src, 900)
        self.settled(src, 900)
        job = run(self.job(src, out, kh.unique_name("g"), "--until", "latest", "--conf", "sink.kafka.format=json",
                           "--conf", "sink.kafka.transactional=true", "--output", "json"), check=EXIT_OK, timeout=120)
        self.assertEqual(sum(json.loads(line)["records"] for line in job.stdout.splitlines()), 900, job.stdout)
        docs = [json.loads(v) for v in read_visible(self.bootstrap, out, 900, fmt="%s\n")]
        got = sorted((d["topic"], d["partition"], d["offset"], d["key"], d["value"]) for d in docs)
        want = sorted((src, int(p), int(o), k, v) for p, o, k, v in
                      (line.split("\t") for line in read_topic(self.bootstrap, src, fmt="%p\t%o\t%k\t%s\n")))
        self.assertEqual(got, want)

    def test_transactional_output_is_exactly_once_through_kill_9(self):
        src, out = self.topics()
        group = kh.unique_name("g")
        producer = kh.Producer(self.bootstrap, src, per_round=150, pause=0.05)
        rng = random.Random(int(os.environ.get("KAFKA_SINK_SEED", "5")))
        kills = 10
        with tempfile.TemporaryDirectory() as tmp:
            args = self.job(src, out, group, "--checkpoint", os.path.join(tmp, "cp"),
                            "--conf", "sink.kafka.transactional=true")
            producer.start()
            try:
                for _ in range(kills):
                    proc = start(args)
                    time.sleep(rng.uniform(0.5, 2.0))
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    self.assertNotIn("error:", output_of(proc)[1])
            finally:
                produced = producer.stop()
            self.settled(src, produced)
            run(args + ["--until", "latest"], check=EXIT_OK, timeout=180)
        committed = read_visible(self.bootstrap, out, produced, fmt="%k\n")
        uncommitted = read_topic(self.bootstrap, out, committed=False, fmt="%k\n")
        keys = [f"key-{i}" for i in range(produced)]
        self.assertEqual(sorted(committed), sorted(keys))  # each input record exactly once
        print(f"\nkafka sink, transactional: {kills} x kill -9, {produced} records produced, read_committed "
              f"output {len(committed)} (missing 0, duplicated 0), read_uncommitted {len(uncommitted)} "
              f"({len(uncommitted) - len(committed)} records of aborted transactions, never visible committed)")

    def test_a_paused_instance_is_fenced_by_its_successor(self):
        src, out = self.topics()
        group = kh.unique_name("g")
        kh.produce(self.bootstrap, src, 600)
        with tempfile.TemporaryDirectory() as tmp:
            args = self.job(src, out, group, "--conf", "sink.kafka.transactional=true")
            zombie = start(args + ["--checkpoint", os.path.join(tmp, "a")])
            wait_for(lambda: output_of(zombie)[0].count("batch ") >= 2, timeout=60, what="two batches")
            zombie.send_signal(signal.SIGSTOP)
            try:
                kh.produce(self.bootstrap, src, 600, start=600)
                self.settled(src, 1200)
                # Its successor (same transactional.id) fences it and reads on.
                run(args + ["--checkpoint", os.path.join(tmp, "b"), "--until", "latest"], check=EXIT_OK, timeout=120)
                kh.produce(self.bootstrap, src, 300, start=1200)
            finally:
                zombie.send_signal(signal.SIGCONT)
            zombie.wait(timeout=120)
            _, err = output_of(zombie)
            self.assertEqual(zombie.returncode, EXIT_KAFKA, err)
            self.assertIn("fenced", err)
        keys = read_visible(self.bootstrap, out, 1200, fmt="%k\n")
        self.assertEqual(len(keys), len(set(keys)), "a record was committed twice")
        self.assertTrue(set(f"key-{i}" for i in range(1200)) <= set(keys))


    def test_a_transaction_timeout_shorter_than_two_batches_is_refused(self):
        p = run(self.job("absent", "out", "g", "--conf", "sink.kafka.transactional=true", "--batch-interval", "40s"),
                timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("sink.kafka.transaction.timeout.ms (60000 ms) is not more than twice the batch interval", p.stderr)
        self.assertIn("hint: raise it above 80000 ms", p.stderr)


if __name__ == "__main__":
    main()
