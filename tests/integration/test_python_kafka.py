"""Python jobs on a real Kafka broker (the ctest fixture's): the cases of python_job_cases.py,
shared with test_python_mock.py — every record as kcat reads it (foreach_batch; the partitioned
form on two reader threads), exceptions in process, commit and a decoder (exit 8, traceback, the
restart completes), the decoders (a non-UTF-8 value's error names its offset; bytes; json; a
custom one from --py-files), a venv with a pip-installed package and one of another Python
refused, and the job and its --py-files by coordinates from a signed loopback repository."""
import os
import subprocess

from real_kafka import RealKafkaTestCase
from cluster_topics import KafkaTopics
from python_job_cases import FOREACH_JOB, PythonJobByCoordinatesCases, PythonJobCases, kcat_lines, produce, sorted_lines
from streamsubmit_test import EXIT_OK, main, run


class PythonJobsOnKafka(KafkaTopics, PythonJobCases, RealKafkaTestCase):
    picky_prefix = "value-"  # kafka_harness.produce's values: value-N

    def test_foreach_batch_utf8_multibyte_text_arrives_and_undecodable_values_are_dead_lettered(self):
        """foreach_batch with the utf8 decoders keeps the records as bytes until the job reads them,
        checked on the reader threads without Python: multi-byte text arrives as kcat reads it, and
        under tolerance=all what Python's codec refuses (a lone Latin-1 byte, an encoded surrogate)
        is rejected at stage decode, byte for byte in the dead-letter topic, never seen by the job."""
        script = self.write("job.py", FOREACH_JOB)
        out = os.path.join(self.dir, "out")
        values = [b"caf\xc3\xa9", b"caf\xe9", "\u20ac \U0001F600 ok".encode(), b"\xed\xa0\x80 surrogate", b"after"]
        with self.topic("text", 1, 0) as (bootstrap, topic), self.topic("text-dlq", 1, 0) as (_, dlq):
            produce(bootstrap, topic, values)
            run(self.job(bootstrap, topic, "--conf", "stream.errors.tolerance=all",
                         "--conf", "stream.errors.deadletterqueue.topic=" + dlq, script, out), check=EXIT_OK)
            want = kcat_lines(bootstrap, topic)
            dead = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", dlq, "-o", "beginning", "-e", "-q",
                                   "-f", "%s\n%h\n"], capture_output=True, timeout=120, check=True).stdout
        self.assertEqual(sorted_lines(out), [want[0], want[2], want[4]])
        self.assertEqual([line.split(b" ", 3)[3] for line in sorted_lines(out)],
                         [b"caf\xc3\xa9\n", "\u20ac \U0001F600 ok\n".encode(), b"after\n"])
        self.assertEqual(dead.count(b"__streamsubmit.errors.stage=decode"), 2, dead)
        self.assertEqual([l for l in dead.split(b"\n") if l and not l.startswith(b"__")], [b"caf\xe9", b"\xed\xa0\x80 surrogate"])


class PythonJobByCoordinatesOnKafka(KafkaTopics, PythonJobByCoordinatesCases, RealKafkaTestCase):
    pass


if __name__ == "__main__":
    main()
