"""Python jobs on a real Kafka broker (the ctest fixture's): the cases of python_job_cases.py,
shared with test_python_mock.py — every record as kcat reads it (foreach_batch; the partitioned
form on two reader threads), exceptions in process, commit and a decoder (exit 8, traceback, the
restart completes), the decoders (a non-UTF-8 value's error names its offset; bytes; json; a
custom one from --py-files), a venv with a pip-installed package and one of another Python
refused, and the job and its --py-files by coordinates from a signed loopback repository."""
from real_kafka import RealKafkaTestCase
from cluster_topics import KafkaTopics
from python_job_cases import PythonJobByCoordinatesCases, PythonJobCases
from streamsubmit_test import main


class PythonJobsOnKafka(KafkaTopics, PythonJobCases, RealKafkaTestCase):
    picky_prefix = "value-"  # kafka_harness.produce's values: value-N


class PythonJobByCoordinatesOnKafka(KafkaTopics, PythonJobByCoordinatesCases, RealKafkaTestCase):
    pass


if __name__ == "__main__":
    main()
