"""Direct mode against a real Apache Kafka broker (KRaft, one node on 127.0.0.1).

The broker is the ctest fixture's (KAFKA_FIXTURE_DIR/bootstrap), or one started here
when the file runs alone. Data is produced and checked with kcat and Kafka's own tools.
"""
import json
import os
import signal
import tempfile
import time

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import (EXIT_KAFKA, EXIT_OK, assert_contiguous, covered, kcat_counts, main, output_of,
                               parse_json_report, parse_text_report, run, start, wait_for, wait_for_batches,
                               wait_for_exit)



class DirectModeOnRealKafka(RealKafkaTestCase):
    def job(self, topic, *extra):
        return ["--bootstrap-servers", self.bootstrap, "--topics", topic,
                "--conf", "kafka.auto.offset.reset=earliest"] + list(extra)

    def test_30000_keyed_records_rate_limited_until_latest(self):
        topic = kh.unique_name("orders")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 30000)
        proc = run(self.job(topic, "--until", "latest", "--batch-interval", "1s",
                            "--conf", "stream.kafka.maxRatePerPartition=3000"), check=EXIT_OK, timeout=300)
        batches = parse_text_report(proc.stdout)
        counts, ends = kcat_counts(self.bootstrap, topic)
        self.assertEqual(sum(counts.values()), 30000)
        self.assertEqual(sum(b["records"] for b in batches), 30000)
        by_tp = covered(batches)
        self.assertEqual(sorted(p for _, p in by_tp), [0, 1, 2])
        for (t, p), ranges in by_tp.items():
            assert_contiguous(self, ranges, 0, ends[p], f"{t}-{p}")
            for frm, until in ranges:
                self.assertLessEqual(until - frm, 3000)

    def test_kill_minus_nine_then_restart_from_checkpoint(self):
        topic = kh.unique_name("crash")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 30000)
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            args = self.job(topic, "--until", "latest", "--checkpoint", cp, "--batch-interval", "1s",
                            "--conf", "stream.kafka.maxRatePerPartition=100")
            # A test-only pause between a batch's output and its "complete" record, announced on
            # stderr: the kill lands in the second one, so the restart must re-run that batch.
            first = start(args, env={"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "4000"})
            wait_for(lambda: output_of(first)[1].count("test hook: batch") >= 2 or first.poll() is not None,
                     timeout=120, what="the second batch output and not yet complete")
            first.send_signal(signal.SIGKILL)
            first.wait()
            before = parse_text_report(output_of(first)[0])
            with open(os.path.join(cp, "batches", sorted(os.listdir(os.path.join(cp, "batches")))[-1])) as f:
                last = json.load(f)
            second = run(args, check=EXIT_OK, timeout=300)
        after = parse_text_report(second.stdout)
        self.assertIn("resuming from checkpoint", second.stderr)
        self.assertEqual(last["status"], "planned")  # the kill landed where it matters
        self.assertEqual(before[-1]["batch"], last["batch"])
        self.assertEqual(after[0]["batch"], last["batch"])
        self.assertEqual(sorted(after[0]["ranges"]),
                         sorted((r["topic"], r["partition"], r["from"], r["until"]) for r in last["ranges"]))
        seen = {b["batch"]: b for b in before}
        for b in after:
            if b["batch"] in seen:  # only a re-run batch may repeat, and identically
                self.assertEqual(sorted(seen[b["batch"]]["ranges"]), sorted(b["ranges"]))
            seen[b["batch"]] = b
        self.assertEqual(sorted(seen), list(range(len(seen))))
        _, ends = kcat_counts(self.bootstrap, topic)
        for (t, p), ranges in covered([seen[k] for k in sorted(seen)]).items():
            assert_contiguous(self, ranges, 0, ends[p], f"{t}-{p}")

    def test_deleted_records_are_data_loss_unless_allowed(self):
        topic = kh.unique_name("retention")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 1000)
        with tempfile.TemporaryDirectory() as tmp:
            cp = os.path.join(tmp, "cp")
            args = self.job(topic, "--checkpoint", cp, "--batch-interval", "1s",
                            "--conf", "stream.kafka.maxRatePerPartition=100")
            run(args + ["--max-batches", "1"], check=EXIT_OK)  # position is now 100
            kh.delete_records(topic, 0, 500)
            failed = run(args + ["--until", "latest"], check=EXIT_KAFKA)
            self.assertIn("data loss", failed.stderr)
            self.assertIn(f"{topic}-0", failed.stderr)
            self.assertIn("earliest offset is now 500", failed.stderr)
            self.assertIn("stream.failOnDataLoss=false", failed.stderr)
            self.assertEqual(failed.stdout, "")
            allowed = run(args + ["--until", "latest", "--conf", "stream.failOnDataLoss=false"], check=EXIT_OK)
        self.assertIn("warning: data loss: 400 records", allowed.stderr)
        batches = parse_text_report(allowed.stdout)
        assert_contiguous(self, covered(batches)[(topic, 0)], 500, 1000, topic)

    def test_transaction_markers_and_aborted_records_leave_gaps_without_hanging(self):
        topic = kh.unique_name("txn")
        kh.create_topic(topic, 1)
        offsets = kh.produce_transactional(self.bootstrap, topic, committed=10, aborted=10, partition=0)
        kh.produce(self.bootstrap, topic, 5, partition=0)
        proc = run(self.job(topic, "--until", "latest", "--output", "json"), check=EXIT_OK, timeout=60)
        docs = parse_json_report(proc.stdout)
        ranges = [(r["fromOffset"], r["untilOffset"]) for d in docs for r in d["ranges"]]
        end = kh.get_offsets(topic, bootstrap=self.bootstrap)[0]
        assert_contiguous(self, ranges, 0, end, topic)
        self.assertGreater(end, offsets["aborted_last"] + 1)
        self.assertEqual(sum(d["records"] for d in docs), 15)  # aborted records and markers are not records

    def test_compacted_topic_completes_on_position_not_count(self):
        topic = kh.unique_name("compact")
        kh.create_topic(topic, 1, {"cleanup.policy": "compact", "segment.ms": 500,
                                   "min.cleanable.dirty.ratio": 0.01, "delete.retention.ms": 1000})
        for _ in range(3):  # the same 200 keys three times: the older copies get compacted away
            kh.produce(self.bootstrap, topic, 200, partition=0)
        time.sleep(1)
        kh.produce(self.bootstrap, topic, 1, partition=0, start=1000)  # rolls the segment
        wait_for(lambda: len(kh.consume_all(topic, bootstrap=self.bootstrap)) < 601, timeout=60,
                 what="compaction")
        present = kh.consume_all(topic, bootstrap=self.bootstrap)
        end = max(o for _, _, o in present) + 1
        proc = run(self.job(topic, "--until", "latest", "--batch-interval", "1s",
                            "--conf", "stream.kafka.maxRatePerPartition=50"), check=EXIT_OK, timeout=120)
        batches = parse_text_report(proc.stdout)
        assert_contiguous(self, covered(batches)[(topic, 0)], 0, end, topic)
        self.assertEqual(sum(b["records"] for b in batches), len(present))

    def test_partition_added_mid_run_is_read_from_earliest(self):
        topic = kh.unique_name("grow")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 100)
        job = start(self.job(topic, "--batch-interval", "500ms"))
        try:
            wait_for_batches(job, 2)
            kh.add_partitions(topic, 1, bootstrap=self.bootstrap)
            kh.produce(self.bootstrap, topic, 50, partition=2)
            wait_for(lambda: f"\n{topic} 2 0 50\n" in output_of(job)[0], timeout=60,
                     what="a range [0, 50) of the new partition")
        finally:
            job.send_signal(signal.SIGTERM)
            job.wait(timeout=30)
        self.assertEqual(job.returncode, EXIT_OK)
        self.assertIn("new partition", output_of(job)[1])

    def test_committed_offsets_show_in_kafka_consumer_groups(self):
        topic = kh.unique_name("commit")
        group = kh.unique_name("group")
        kh.create_topic(topic, 3)
        kh.produce(self.bootstrap, topic, 3000)
        run(self.job(topic, "--until", "latest", "--group", group, "--conf", "stream.kafka.commitOffsets=true"),
            check=EXIT_OK)
        committed = kh.consumer_group_offsets(group, bootstrap=self.bootstrap)
        latest = kh.get_offsets(topic, bootstrap=self.bootstrap)
        self.assertEqual(committed, {(topic, p): end for p, end in latest.items()})

    def test_topic_pattern_and_starting_timestamp(self):
        prefix = kh.unique_name("pat")
        for suffix in ("a", "b"):
            kh.create_topic(f"{prefix}-{suffix}", 1)
            kh.produce(self.bootstrap, f"{prefix}-{suffix}", 100)
        time.sleep(0.05)
        cut = int(time.time() * 1000)
        time.sleep(0.05)
        for suffix in ("a", "b"):
            kh.produce(self.bootstrap, f"{prefix}-{suffix}", 20, start=100)
        proc = run(["--bootstrap-servers", self.bootstrap, "--topic-pattern", f"{prefix}-.*", "--until", "latest",
                    "--conf", f"stream.startingTimestamp={cut}"], check=EXIT_OK)
        by_tp = covered(parse_text_report(proc.stdout))
        self.assertEqual(sorted(by_tp), [(f"{prefix}-a", 0), (f"{prefix}-b", 0)])
        for tp, ranges in by_tp.items():
            assert_contiguous(self, ranges, 100, 120, str(tp))


class DeletedTopicOnRealKafka(RealKafkaTestCase):
    """A topic deleted while it is read ends the job, is dropped, or (pattern) just goes away."""

    def running(self, args):
        job = start(["--bootstrap-servers", self.bootstrap, "--conf", "kafka.auto.offset.reset=earliest",
                     "--batch-interval", "500ms", "--conf", "stream.kafka.missingTopicTimeout=3s"] + args)
        wait_for_batches(job, 2, timeout=120)
        return job

    def test_deleted_topic_ends_the_job_with_exit_4_naming_it(self):
        topic = kh.unique_name("gone")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 100)
        job = self.running(["--topics", topic])
        kh.delete_topic(topic)
        wait_for_exit(job, 60, "its topic was deleted")
        err = output_of(job)[1]
        self.assertEqual(job.returncode, EXIT_KAFKA, err)
        self.assertIn(f"streamsubmit: error: topic '{topic}' was deleted while the job read it", err)

    def test_with_fail_on_data_loss_false_the_topic_is_dropped_with_one_warning(self):
        gone, kept = kh.unique_name("gone"), kh.unique_name("kept")
        for t in (gone, kept):
            kh.create_topic(t, 1)
            kh.produce(self.bootstrap, t, 50)
        job = self.running(["--topics", f"{gone},{kept}", "--conf", "stream.failOnDataLoss=false"])
        kh.delete_topic(gone)
        wait_for(lambda: "was deleted; dropping" in output_of(job)[1] or job.poll() is not None, timeout=60,
                 what="the warning about the deleted topic")
        kh.produce(self.bootstrap, kept, 30, start=50)
        wait_for(lambda: covered(parse_text_report(output_of(job)[0])).get((kept, 0), [(0, 0)])[-1][1] >= 80
                 or job.poll() is not None, timeout=60, what="the kept topic's new records")
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
        out, err = output_of(job)
        self.assertEqual(job.returncode, EXIT_OK, err)
        self.assertEqual(err.count("was deleted; dropping"), 1, err)
        by_tp = covered(parse_text_report(out))
        assert_contiguous(self, by_tp[(kept, 0)], 0, by_tp[(kept, 0)][-1][1], kept)
        self.assertGreaterEqual(by_tp[(kept, 0)][-1][1], 80)

    def test_a_pattern_just_drops_a_deleted_topic(self):
        prefix = kh.unique_name("patgone")
        for suffix in ("a", "b"):
            kh.create_topic(f"{prefix}-{suffix}", 1)
            kh.produce(self.bootstrap, f"{prefix}-{suffix}", 20)
        job = self.running(["--topic-pattern", f"{prefix}-.*"])
        kh.delete_topic(f"{prefix}-a")
        wait_for(lambda: "no longer exists" in output_of(job)[1] or job.poll() is not None, timeout=60,
                 what="the deleted topic to be dropped")
        self.assertIsNone(job.poll(), output_of(job)[1][-3000:])
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
        self.assertEqual(job.returncode, EXIT_OK, output_of(job)[1])


if __name__ == "__main__":
    main()
