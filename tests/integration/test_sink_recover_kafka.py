"""An application's recover() in receiver mode, on a real broker, with the files sink (which
recovers its progress from its own files): where the sink answers, its positions win over the
consumer group's committed offsets.

The kill lands after the sink renamed a batch's files into place and before the group heard of
it (STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS holds the job there; the test checks both sides
of the kill). Without recover, the restart would read those records again from the group's
offsets and rewrite the same file names with other batches' contents; with it, every file seen
before the kill stays byte for byte what it was, and the union of the files equals what kcat
reads: 0 missing, 0 duplicated.
"""
import hashlib
import json
import os
import signal
import tempfile

from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, main, output_of, run, start, wait_for
from test_files_sink_kafka import kcat_records, sink_records

PAUSE_ENV = "STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS"


def final_files(out_dir):
    """{name: sha256} of the sink's final (visible) files."""
    if not os.path.isdir(out_dir):
        return {}
    out = {}
    for name in os.listdir(out_dir):
        if not name.startswith("."):
            with open(os.path.join(out_dir, name), "rb") as f:
                out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def files_end(out_dir):
    """{(topic, partition): offset after the last record in the final files}."""
    ends = {}
    for name in final_files(out_dir):
        with open(os.path.join(out_dir, name), "rb") as f:
            for line in f.read().splitlines():
                doc = json.loads(line)
                key = (doc["topic"], doc["partition"])
                ends[key] = max(ends.get(key, 0), doc["offset"] + 1)
    return ends


class ReceiverRecoverOnRealKafka(RealKafkaTestCase):
    def test_sink_progress_wins_over_the_group_offsets_after_a_kill(self):
        topic, group = kh.unique_name("recover"), kh.unique_name("recover-group")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 4000)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            args = ["--bootstrap-servers", self.bootstrap, "--topics", topic, "--mode", "receiver", "--group", group,
                    "--conf", "kafka.auto.offset.reset=earliest", "--sink", "files", "--conf",
                    "sink.files.dir=" + out, "--batch-interval", "1s"]
            # Every batch (an empty one too) pauses 20 s after its output; the first files appear
            # just before the pause of the first batch with records: the kill lands in that pause.
            job = start(args, env={PAUSE_ENV: "20000"})
            try:
                def paused():
                    self.assertIsNone(job.poll(), output_of(job)[1][-3000:])
                    return final_files(out) and "test hook: batch" in output_of(job)[1]
                wait_for(paused, timeout=120, what="a batch output and paused before its group commit")
                before = final_files(out)
                sink_end = files_end(out)
                group_before = kh.consumer_group_offsets(group, bootstrap=self.bootstrap)
                self.assertIsNone(job.poll())
            finally:
                job.send_signal(signal.SIGKILL)
                job.wait()
            # The kill landed after the sink's commit and before the group's: the files hold records
            # past the group's committed offsets.
            self.assertTrue(sink_end)
            self.assertTrue(any((group_before.get(tp) or 0) < end for tp, end in sink_end.items()),
                            f"files end at {sink_end}, the group committed {group_before}: nothing to prove")
            self.assertEqual(final_files(out), before)

            kh.produce(self.bootstrap, topic, 2000, start=4000)  # the re-read batch would differ
            again = run(args + ["--until", "latest"], check=EXIT_OK, timeout=240)
            after = final_files(out)
            self.assertEqual({n: after.get(n) for n in before}, before, "a file seen before the kill changed")
            got = sink_records(out)  # fails on a duplicate
        expected = kcat_records(self.bootstrap, topic)
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        self.assertEqual((len(missing), len(extra)), (0, 0), f"missing {missing[:5]}, extra {extra[:5]}")
        self.assertEqual([k for k in expected if got[k][:2] != expected[k]][:5], [])
        self.assertIn("where the application says", again.stderr)


if __name__ == "__main__":
    main()
