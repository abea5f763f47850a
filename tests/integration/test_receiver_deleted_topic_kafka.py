"""Receiver mode and a topic deleted while it is read (kafka-topics --delete), on a real broker:
the same contract as direct mode. After stream.kafka.missingTopicTimeout the job ends with exit 4
naming the topic; with stream.failOnDataLoss=false it warns once, stops reading that topic and
goes on delivering the other one. (Receiver mode has no --topic-pattern.)"""
import signal

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import (EXIT_KAFKA, EXIT_OK, main, output_of, parse_text_report, start, wait_for,
                               wait_for_batches, wait_for_exit)


class DeletedTopicInReceiverMode(RealKafkaTestCase):
    def running(self, topics, *extra):
        job = start(["--mode", "receiver", "--group", kh.unique_name("g"), "--bootstrap-servers", self.bootstrap,
                     "--topics", topics, "--batch-interval", "500ms",
                     "--conf", "stream.kafka.missingTopicTimeout=3s"] + list(extra))
        wait_for_batches(job, 2, timeout=120)
        return job

    def test_deleted_topic_ends_the_job_with_exit_4_naming_it(self):
        topic = kh.unique_name("rgone")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 100)
        job = self.running(topic)
        # Two batches may pass before the group's first assignment (a slow join on a busy machine):
        # delete the topic once its records are in, or none is there to check.
        wait_for(lambda: sum(b["records"] for b in parse_text_report(output_of(job)[0])) >= 100
                 or job.poll() is not None, timeout=60, what="the topic's 100 records")
        kh.delete_topic(topic)
        wait_for_exit(job, 60, "its topic was deleted")
        out, err = output_of(job)
        self.assertEqual(job.returncode, EXIT_KAFKA, err)
        self.assertIn(f"streamsubmit: error: topic '{topic}' was deleted while the job read it", err)
        self.assertEqual(err.count("does not exist on the brokers; waiting up to 3 s"), 1, err)
        self.assertEqual(sum(b["records"] for b in parse_text_report(out)), 100, out)

    def test_with_fail_on_data_loss_false_the_topic_is_dropped_with_one_warning(self):
        gone, kept = kh.unique_name("rgone"), kh.unique_name("rkept")
        for t in (gone, kept):
            kh.create_topic(t, 1)
            kh.produce(self.bootstrap, t, 50)
        job = self.running(f"{gone},{kept}", "--conf", "stream.failOnDataLoss=false")
        self.addCleanup(lambda: job.poll() is None and (job.kill(), job.wait()))  # a failed wait leaves none behind
        wait_for(lambda: sum(b["records"] for b in parse_text_report(output_of(job)[0])) >= 100
                 or job.poll() is not None, timeout=60, what="both topics' first records")
        kh.delete_topic(gone)
        wait_for(lambda: "was deleted; dropping" in output_of(job)[1] or job.poll() is not None, timeout=60,
                 what="the warning about the deleted topic")
        kh.produce(self.bootstrap, kept, 30, start=50)
        reported = lambda: sum(b["records"] for b in parse_text_report(output_of(job)[0]))  # noqa: E731
        wait_for(lambda: reported() >= 130 or job.poll() is not None, timeout=60, what="the kept topic's new records")
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
        out, err = output_of(job)
        self.assertEqual(job.returncode, EXIT_OK, err)
        self.assertEqual(err.count("was deleted; dropping"), 1, err)
        self.assertIn(f"topic '{gone}' was deleted; dropping", err)
        self.assertNotIn("UNKNOWN_TOPIC_OR_PART", err)  # no warning at every fetch
        batches = parse_text_report(out)
        self.assertEqual(sum(b["records"] for b in batches), 130, out)
        kept_ranges = sorted((frm, until) for b in batches for topic, _, frm, until in b["ranges"] if topic == kept)
        self.assertEqual(kept_ranges[-1][1], 80, kept_ranges)

    def test_with_fail_on_data_loss_false_no_topic_left_ends_the_job(self):
        topic = kh.unique_name("rgone")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 20)
        job = self.running(f"{topic}:2", "--conf", "stream.failOnDataLoss=false")
        kh.delete_topic(topic)
        wait_for_exit(job, 60, "its only topic was deleted")
        err = output_of(job)[1]
        self.assertEqual(job.returncode, EXIT_KAFKA, err)
        self.assertIn("streamsubmit: error: every topic of the job was deleted", err)


if __name__ == "__main__":
    main()
