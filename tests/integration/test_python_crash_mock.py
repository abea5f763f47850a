"""examples/python/to_sqlite.py under kill -9 on the embedded mock cluster, direct and receiver
mode: the cases of python_crash_cases.py (test_python_crash_kafka.py runs them on a real broker)."""
import os
import unittest

from cluster_topics import MockTopics
from python_crash_cases import ToSqliteCrashCases
from streamsubmit_test import main


class ToSqliteUnderKill9OnMock(MockTopics, ToSqliteCrashCases, unittest.TestCase):
    def not_in_progress(self, mode, mark, tmp, job):
        if mode == "direct":
            self.checkpoint_lacks(mark, os.path.join(tmp, "cp"))
        # Receiver mode's progress is the group's committed offsets, which Kafka's tools read
        # (test_python_crash_kafka.py); the mock cluster has no tool of its own for them.


if __name__ == "__main__":
    main()
