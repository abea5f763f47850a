"""Dead letters (stream.errors.*) on a real broker.

Poison records (a value holding POISON) scattered through 100,000 good ones; the test application
tests/plugins/test-reject_app.so rejects them (ABI 2.2 reject) and writes every other record to a
file. In direct, receiver and group mode the file holds exactly the good records and the
dead-letter topic exactly the poison ones, each compared with what kcat reads from the input
(key, value and headers byte for byte), followed by the __streamsubmit.errors.* context headers.
Also: the transactional Kafka sink killed (kill -9) between the dead-letter produce and the
commit, ten times: exactly once in both topics for a read_committed reader; maxPerBatch exceeded
(exit 8), tolerance=none (exit 8), a missing dead-letter topic (exit 4, at start), and one the
job may not use (Kafka's StandardAuthorizer, an ACL added by kafka-acls: exit 4 at start, or at
the batch when only Write is denied, and a re-run once the ACL is gone delivers everything).
"""
import json
import os
import re
import signal
import subprocess
import tempfile

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import (EXIT_APPLICATION, EXIT_KAFKA, EXIT_OK, EXIT_USAGE, output_of, parse_json_report, run,
                               start, wait_for, main)

APP = os.path.join(os.environ.get("TEST_PLUGIN_DIR", ""), "test-reject_app.so")
GOOD = 100_000
ROUNDS = 20          # good records come in 20 rounds, each followed by a few poison ones
POISON_PER_ROUND = 3
CONTEXT = "__streamsubmit.errors."
DEAD_LETTERS = re.compile(r"test hook: batch (\d+) produced (\d+) dead letters")


def kcat_json(bootstrap, topic, committed=True):
    """Every record of topic as kcat -J shows it (key, payload, headers as a flat list)."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J",
           "-X", "isolation.level=" + ("read_committed" if committed else "read_uncommitted")]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=300).stdout.decode()
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def pairs(flat):
    return list(zip(flat[0::2], flat[1::2])) if flat else []


def produce_poison(bootstrap, topic, start, count, value=lambda i: f"POISON-{i}"):
    """Keyed poison records with headers (a repeated name, an empty value) via kcat."""
    data = "".join(f"pkey-{i}\t{value(i)}\n" for i in range(start, start + count))
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X", "acks=all",
                    "-X", "message.max.bytes=2000000",
                    "-H", "trace=poison", "-H", "trace=again", "-H", "empty="],
                   input=data.encode(), check=True, timeout=120)


def produce_input(bootstrap, topic, good=GOOD, rounds=ROUNDS, poison_per_round=POISON_PER_ROUND,
                  poison_value=lambda i: f"POISON-{i}"):
    per_round = good // rounds
    for r in range(rounds):
        kh.produce(bootstrap, topic, per_round, start=r * per_round, extra_kcat_args=("-H", "src=good"))
        produce_poison(bootstrap, topic, r * poison_per_round, poison_per_round, poison_value)
    return good, rounds * poison_per_round


class DeadLetters(RealKafkaTestCase):
    def topics(self, partitions=4):
        src, dlq = kh.unique_name("dl-in"), kh.unique_name("dl-dlq")
        kh.create_topic(src, partitions)
        kh.create_topic(dlq, 2)
        return src, dlq

    def errors(self, dlq, *extra):
        conf = ["stream.errors.tolerance=all", f"stream.errors.deadletterqueue.topic={dlq}",
                "stream.errors.maxPerBatch=0", "stream.errors.log.enable=true"] + list(extra)
        return [a for c in conf for a in ("--conf", c)]

    def app(self, out):
        return ["--conf", f"app.out={out}", APP]

    def input_split(self, src):
        """(good, poison) of the input as kcat -J reads it, keyed by (partition, offset)."""
        records = kcat_json(self.bootstrap, src)
        bad = ("POISON", "BROKEN")
        good = {(r["partition"], r["offset"]): r for r in records if not (r["payload"] or "").startswith(bad)}
        poison = {(r["partition"], r["offset"]): r for r in records if (r["payload"] or "").startswith(bad)}
        return good, poison

    def assert_file_holds_good(self, src, out, good):
        with open(out, encoding="utf-8") as f:
            got = f.read().splitlines()
        want = [f"{src} {p} {o} {r['payload']}" for (p, o), r in good.items()]
        self.assertEqual(len(got), len(set(got)), "a good record was written twice")
        self.assertEqual(sorted(got), sorted(want))

    def assert_dead_letters(self, src, dlq, poison, committed=True, job="dl-job", stage="application",
                            error_class="PoisonRecord", message="the value holds the marker"):
        """The dead-letter topic holds each poison record once: key, value and headers as the
        input's, then the context headers naming it."""
        letters = kcat_json(self.bootstrap, dlq, committed)
        seen = set()
        for d in letters:
            headers = pairs(d.get("headers"))
            original = [h for h in headers if not h[0].startswith(CONTEXT)]
            context = dict((n[len(CONTEXT):], v) for n, v in headers if n.startswith(CONTEXT))
            self.assertEqual(headers[:len(original)], original, "context headers come after the record's own")
            coords = (int(context["partition"]), int(context["offset"]))
            self.assertNotIn(coords, seen, f"dead letter {coords} twice")
            seen.add(coords)
            self.assertIn(coords, poison)
            source = poison[coords]
            self.assertEqual(context["topic"], src)
            self.assertEqual((d["key"], d["payload"]), (source["key"], source["payload"]))
            self.assertEqual(original, pairs(source.get("headers")))
            self.assertEqual(original, [("trace", "poison"), ("trace", "again"), ("empty", "")])  # as produced
            def expected(x):  # a value, or what a source record's value makes it
                return x(source) if callable(x) else x
            self.assertEqual(context["stage"], expected(stage))
            self.assertEqual(context["exception.class.name"], expected(error_class))
            self.assertIn(expected(message), context["exception.message"])
            self.assertEqual(context["job.name"], job)
            self.assertRegex(context["batch.id"], r"^\d+$")
        self.assertEqual(seen, set(poison))
        return len(letters)

    def run_mode(self, mode):
        src, dlq = self.topics()
        good_n, poison_n = produce_input(self.bootstrap, src)
        group = kh.unique_name("g")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "good.txt")
            args = ["--bootstrap-servers", self.bootstrap, "--name", "dl-job", "--output", "json",
                    "--batch-interval", "500ms", "--conf", "kafka.auto.offset.reset=earliest",
                    "--conf", "stream.kafka.maxOffsetsPerBatch=20000"] + self.errors(dlq)
            if mode == "direct":
                args += ["--topics", src, "--until", "latest"]
            elif mode == "receiver":
                args += ["--mode", "receiver", "--topics", f"{src}:2", "--group", group, "--until", "latest"]
            else:
                args += ["--topics", src, "--group", group, "--conf", "stream.kafka.coordination=group"]
            args += self.app(out)
            if mode == "group":
                proc = start(args)
                want = {(src, p): end for p, end in kh.get_offsets(src, bootstrap=self.bootstrap).items()}
                try:
                    wait_for(lambda: kh.consumer_group_offsets(group, bootstrap=self.bootstrap) == want,
                             timeout=240, interval=1.0, what="the group to commit the input's end", jobs=[proc])
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=120)
                stdout, stderr = output_of(proc)
                code = proc.returncode
            else:
                p = run(args, timeout=600)
                stdout, stderr, code = p.stdout, p.stderr, p.returncode
            self.assertEqual(code, EXIT_OK, stderr[-3000:])
            good, poison = self.input_split(src)
            self.assertEqual((len(good), len(poison)), (good_n, poison_n))
            self.assert_file_holds_good(src, out, good)
        reports = parse_json_report(stdout)
        self.assertEqual(sum(r["rejected"] for r in reports), poison_n)
        self.assertEqual(sum(r["records"] for r in reports), good_n + poison_n)
        self.assertEqual(stderr.count("rejected record"), poison_n)  # stream.errors.log.enable
        self.assertEqual(self.assert_dead_letters(src, dlq, poison), poison_n)
        print(f"\ndead letters, {mode} mode: {good_n} good records in the output, {poison_n} poison records in "
              f"the dead-letter topic with their headers, in {len(reports)} batches")

    def test_direct_mode(self):
        self.run_mode("direct")

    def test_receiver_mode(self):
        self.run_mode("receiver")

    def test_group_mode(self):
        self.run_mode("group")

    def test_kill_9_between_the_dead_letter_produce_and_the_commit_keeps_both_topics_exactly_once(self):
        """The transactional Kafka sink (JSON envelopes) refuses the poison records as too large
        (their escaped envelope passes message.max.bytes; stage sink): they go to the dead-letter
        topic in the batch's transaction. Ten kills, each while a batch waits to commit after
        its dead letters were produced; then a run to the end."""
        src, dlq = self.topics()
        out = kh.unique_name("dl-out")
        kh.create_topic(out, 4)
        # 200,000 control bytes: 200 KB in Kafka, 1.2 MB as a JSON string ("\u0001" each).
        good_n, poison_n = produce_input(self.bootstrap, src, rounds=20, poison_per_round=2,
                                         poison_value=lambda i: f"POISON-{i}-" + "\x01" * 200_000)
        group = kh.unique_name("g")
        checkpoint = tempfile.mkdtemp()
        args = ["--bootstrap-servers", self.bootstrap, "--topics", src, "--group", group, "--name", "dl-job",
                "--checkpoint", checkpoint, "--until", "latest", "--output", "json", "--batch-interval", "200ms",
                "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxOffsetsPerBatch=2000",
                "--sink", "kafka", "--conf", f"sink.kafka.topic={out}", "--conf", "sink.kafka.format=json",
                "--conf", "sink.kafka.transactional=true"] + self.errors(dlq)[:-2]
        killed = []
        while len(killed) < 10:
            proc = start(args, env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMMIT_MS": "1500"})
            try:
                def aimed():
                    return [b for b, n in DEAD_LETTERS.findall(output_of(proc)[1]) if int(n) > 0 and b not in killed]
                wait_for(lambda: aimed() or proc.poll() is not None, timeout=120, interval=0.02,
                         what="a batch with dead letters to wait for its commit")
                self.assertIsNone(proc.poll(), f"the job ended before {len(killed)} kills\n"
                                               f"{output_of(proc)[1][-3000:]}")
                batch = aimed()[0]
                proc.kill()
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            stdout, stderr = output_of(proc)
            committed = {str(r["batch"]) for r in parse_json_report(stdout)}
            self.assertNotIn(batch, committed, "the kill landed after the batch's commit")
            self.assertNotIn("error:", stderr)
            killed.append(batch)
        p = run(args, timeout=600)
        self.assertEqual(p.returncode, EXIT_OK, p.stderr[-3000:])
        good, poison = self.input_split(src)
        self.assertEqual((len(good), len(poison)), (good_n, poison_n))
        envelopes = [json.loads(line) for line in
                     kh.consume_all(out, bootstrap=self.bootstrap, fmt="%s\n").splitlines()]
        got = [(e["topic"], e["partition"], e["offset"], e["key"], e["value"]) for e in envelopes]
        want = [(src, p_, o, r["key"], r["payload"]) for (p_, o), r in good.items()]
        self.assertEqual(len(got), len(set(got)), "a record was committed twice")
        self.assertEqual(sorted(got), sorted(want))
        letters = self.assert_dead_letters(src, dlq, poison, stage="sink", error_class="RecordTooLarge",
                                           message="too large")
        aborted = len(kcat_json(self.bootstrap, dlq, committed=False)) - letters
        self.assertGreater(aborted, 0, "no dead letter of a killed batch's transaction reached the topic")
        print(f"\ndead letters, transactional Kafka sink: {len(killed)} kills between the dead-letter produce and "
              f"the commit (batches {', '.join(killed)}); read_committed: {good_n} good records once in the output, "
              f"{poison_n} dead letters once; {aborted} dead letters of aborted transactions never visible")

    def test_python_job_rejects_with_streamsubmit_reject_and_its_decoder(self):
        """A Python job (partitioned form) raises streamsubmit.Reject(reason, record) for POISON
        values (stage application) and its value decoder refuses BROKEN ones (stage decode)."""
        self.python_job_rejects(picky=True)

    def test_python_job_rejects_with_streamsubmit_reject_records_kept_as_bytes(self):
        """The same job with the default decoders, whose records are kept as bytes until the job
        reads them: the Reject's record is found by its coordinates and dead-lettered with the
        bytes kept, the rest of its range processed."""
        self.python_job_rejects(picky=False)

    def python_job_rejects(self, picky):
        src, dlq = self.topics(2)
        kh.produce(self.bootstrap, src, 2000, extra_kcat_args=("-H", "src=good"))
        produce_poison(self.bootstrap, src, 0, 10)
        if picky:
            produce_poison(self.bootstrap, src, 10, 10, value=lambda i: f"BROKEN-{i}")
        kh.produce(self.bootstrap, src, 2000, start=2000, extra_kcat_args=("-H", "src=good"))
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "picky.py"), "w") as f:
                f.write("def decode(b):\n"
                        "    if b.startswith(b'BROKEN'):\n"
                        "        raise ValueError('picky refuses ' + b.decode())\n"
                        "    return b.decode()\n")
            job = os.path.join(tmp, "job.py")
            with open(job, "w") as f:
                f.write("import builtins, streamsubmit\n"
                        "lines = []\n"
                        "def open(args, conf):\n"
                        "    global path\n"
                        "    path = args[0]\n"
                        "def process(batch, range, records):\n"
                        "    for r in records:\n"
                        "        if r.value.startswith('POISON'):\n"
                        "            raise streamsubmit.Reject('poison value ' + r.value, r)\n"
                        "        lines.append(f'{r.topic} {r.partition} {r.offset} {r.value}\\n')\n"
                        "def commit(batch):\n"
                        "    with builtins.open(path, 'a') as f:\n"
                        "        f.writelines(lines)\n"
                        "    lines.clear()\n"
                        "def abort(batch):\n"
                        "    lines.clear()\n")
            out = os.path.join(tmp, "good.txt")
            decoder = ["--py-files", os.path.join(tmp, "picky.py"), "--conf", "app.python.valueDecoder=picky:decode"]
            p = run(["--bootstrap-servers", self.bootstrap, "--topics", src, "--until", "latest", "--name", "dl-job",
                     "--output", "json", "--conf", "kafka.auto.offset.reset=earliest",
                     "--conf", "stream.kafka.maxOffsetsPerBatch=1000"] + (decoder if picky else [])
                    + self.errors(dlq) + [job, out], timeout=300)
            self.assertEqual(p.returncode, EXIT_OK, p.stderr[-3000:])
            good, poison = self.input_split(src)
            rejected = 20 if picky else 10
            self.assertEqual((len(good), len(poison)), (4000, rejected))
            self.assert_file_holds_good(src, out, good)
        self.assertEqual(sum(r["rejected"] for r in parse_json_report(p.stdout)), rejected)
        self.assertNotIn("Traceback", p.stderr)  # a tolerated rejection is a log line, not a traceback

        def poisoned(r):
            return r["payload"].startswith("POISON")
        self.assertEqual(self.assert_dead_letters(
            src, dlq, poison, stage=lambda r: "application" if poisoned(r) else "decode",
            error_class=lambda r: "Reject" if poisoned(r) else "ValueError",
            message=lambda r: ("poison value " if poisoned(r) else "picky refuses ") + r["payload"]), rejected)

    def small_job(self, dlq_conf):
        src, dlq = self.topics(1)
        kh.produce(self.bootstrap, src, 50)
        produce_poison(self.bootstrap, src, 0, 5)
        out = os.path.join(tempfile.mkdtemp(), "good.txt")
        args = ["--bootstrap-servers", self.bootstrap, "--topics", src, "--until", "latest",
                "--conf", "kafka.auto.offset.reset=earliest", "--output", "json"]
        return args + dlq_conf(dlq) + self.app(out), dlq

    def test_more_rejections_than_max_per_batch_fail_the_batch(self):
        args, dlq = self.small_job(lambda dlq: self.errors(dlq)[:-4] + ["--conf", "stream.errors.maxPerBatch=4"])
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_APPLICATION, p.stderr[-3000:])
        self.assertIn("rejected more than stream.errors.maxPerBatch (4) records", p.stderr)
        self.assertIn("hint:", p.stderr)
        self.assertEqual(p.stdout, "")  # no batch completed
        self.assertEqual(kcat_json(self.bootstrap, dlq), [])  # nothing dead-lettered for a failed batch

    def test_tolerance_none_fails_the_batch_as_before(self):
        args, _ = self.small_job(lambda dlq: [])
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_APPLICATION, p.stderr[-3000:])
        self.assertRegex(p.stderr, r"rejected record \S+-0@50 \(application, PoisonRecord\): the value holds the "
                                   r"marker; stream.errors.tolerance=none fails the batch")
        self.assertIn("stream.errors.tolerance=all", p.stderr)  # the hint

    def test_a_missing_dead_letter_topic_is_exit_4_at_start(self):
        missing = kh.unique_name("absent")
        args, _ = self.small_job(lambda dlq: self.errors(missing))
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_KAFKA, p.stderr[-3000:])
        self.assertIn(f"the dead-letter topic {missing} does not exist", p.stderr)
        self.assertIn(f"stream.errors.deadletterqueue.topic={missing}", p.stderr)
        self.assertEqual(p.stdout, "")

    def acls(self, *args):
        """Kafka's own kafka-acls against the broker (its StandardAuthorizer: scripts/kafka-up)."""
        return kh.kafka_tool("kafka-acls", "--bootstrap-server", self.bootstrap, *args).stdout.decode()

    def deny_write(self, topic, may_describe):
        """A DENY Write ACL for User:ANONYMOUS (the PLAINTEXT listener's principal) on topic. Alone
        it also hides the topic (an ACL names it and none allows Describe); with may_describe an
        ALLOW Describe (and Read, for kcat) keeps it visible."""
        if may_describe:
            self.acls("--add", "--allow-principal", "User:ANONYMOUS", "--operation", "Describe", "--operation", "Read",
                      "--topic", topic)
        self.acls("--add", "--deny-principal", "User:ANONYMOUS", "--operation", "Write", "--topic", topic)
        wait_for(lambda: "DENY" in self.acls("--list", "--topic", topic), timeout=60, what="the ACL to apply")
        self.addCleanup(self.allow_again, topic)

    def allow_again(self, topic):
        if self.acls("--list", "--topic", topic).count("principal="):
            self.acls("--remove", "--force", "--topic", topic)
            wait_for(lambda: "principal=" not in self.acls("--list", "--topic", topic), timeout=60,
                     what="the ACLs to go")

    def test_a_dead_letter_topic_the_job_may_not_use_is_exit_4_at_start(self):
        args, dlq = self.small_job(lambda dlq: self.errors(dlq))
        self.deny_write(dlq, may_describe=False)
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_KAFKA, p.stderr[-3000:])
        self.assertIn(f"the job may not use the dead-letter topic {dlq}: Broker: Topic authorization failed", p.stderr)
        self.assertIn(f"stream.errors.deadletterqueue.topic={dlq}", p.stderr)
        self.assertIn("hint:", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_a_dead_letter_topic_the_job_may_not_write_fails_the_batch_with_exit_4_then_reruns_it(self):
        """Visible but not writable: Kafka says so only when the dead letters are produced, so
        the first batch that rejects records fails (exit 4 naming the topic), uncommitted: a
        restart once the ACL is gone re-runs it and delivers everything once."""
        checkpoint = tempfile.mkdtemp()
        args, dlq = self.small_job(lambda dlq: self.errors(dlq) + ["--name", "dl-job", "--checkpoint", checkpoint])
        out = args[args.index(APP) - 1][len("app.out="):]
        self.deny_write(dlq, may_describe=True)
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_KAFKA, p.stderr[-3000:])
        self.assertIn(f"were not delivered to {dlq}: Broker: Topic authorization failed", p.stderr)
        self.assertIn(f"stream.errors.deadletterqueue.topic={dlq}", p.stderr)
        self.assertEqual(p.stdout, "")  # no batch committed
        with open(out) as f:
            self.assertEqual(f.read(), "", "the failed batch reached the application's output")
        self.allow_again(dlq)
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_OK, p.stderr[-3000:])
        self.assertIn("resuming from checkpoint", p.stderr)
        src = args[args.index("--topics") + 1]
        good, poison = self.input_split(src)
        self.assertEqual((len(good), len(poison)), (50, 5))
        self.assert_file_holds_good(src, out, good)
        self.assertEqual(self.assert_dead_letters(src, dlq, poison), 5)

    def test_the_transactional_sink_fails_a_batch_whose_dead_letter_topic_it_may_not_write(self):
        """The dead letters in the batch's transaction: the transaction fails (exit 4 naming the
        dead-letter topic) and nothing of it is visible; without the ACL a re-run commits it."""
        src, dlq = self.topics(1)
        out = kh.unique_name("dl-out")
        kh.create_topic(out, 1)
        good_n, poison_n = produce_input(self.bootstrap, src, good=300, rounds=3, poison_per_round=1,
                                         poison_value=lambda i: f"POISON-{i}-" + "\x01" * 200_000)
        args = ["--bootstrap-servers", self.bootstrap, "--topics", src, "--group", kh.unique_name("g"),
                "--name", "dl-job", "--until", "latest", "--output", "json",
                "--conf", "kafka.auto.offset.reset=earliest", "--sink", "kafka", "--conf", f"sink.kafka.topic={out}",
                "--conf", "sink.kafka.format=json", "--conf", "sink.kafka.transactional=true"] + self.errors(dlq)[:-2]
        self.deny_write(dlq, may_describe=True)
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_KAFKA, p.stderr[-3000:])
        self.assertIn("Topic authorization failed", p.stderr)
        self.assertIn(f"the dead-letter topic {dlq}; nothing of it is committed", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(kcat_json(self.bootstrap, out), [])  # read_committed: the aborted batch is not visible
        self.allow_again(dlq)
        p = run(args, timeout=300)
        self.assertEqual(p.returncode, EXIT_OK, p.stderr[-3000:])
        good, poison = self.input_split(src)
        self.assertEqual((len(good), len(poison)), (good_n, poison_n))
        envelopes = [json.loads(line) for line in kh.consume_all(out, bootstrap=self.bootstrap, fmt="%s\n").splitlines()]
        self.assertEqual(sorted((e["partition"], e["offset"], e["value"]) for e in envelopes),
                         sorted((p_, o, r["payload"]) for (p_, o), r in good.items()))
        self.assertEqual(self.assert_dead_letters(src, dlq, poison, stage="sink", error_class="RecordTooLarge",
                                                  message="too large"), poison_n)

    def test_a_dead_letter_topic_without_tolerance_all_is_a_usage_error(self):
        args, dlq = self.small_job(lambda dlq: ["--conf", f"stream.errors.deadletterqueue.topic={dlq}"])
        p = run(args, timeout=120)
        self.assertEqual(p.returncode, EXIT_USAGE, p.stderr[-3000:])
        self.assertIn("a dead-letter topic needs stream.errors.tolerance=all", p.stderr)


if __name__ == "__main__":
    main()
