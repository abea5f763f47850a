"""Where a test case shared by a mock-cluster suite and a real-Kafka suite gets its topics:
`topic(name, partitions, records)` is a context manager yielding (bootstrap, topic) for a new
topic of that many partitions holding that many records (keyed, spread by their keys)."""
import contextlib

from streamsubmit_test import MockCluster


class MockTopics:
    """A mock cluster of its own per topic (`streamsubmit mock-cluster`); the name is kept."""

    @contextlib.contextmanager
    def topic(self, name, partitions, records):
        with MockCluster(topics=["%s:%d" % (name, partitions)],
                         produce=["%s:%d" % (name, records)] if records else []) as c:
            yield c.bootstrap, name


class KafkaTopics:
    """A new topic on the real broker of a RealKafkaTestCase (cls.bootstrap), under a name no
    other test uses (the broker is shared); records produced by kcat."""

    @contextlib.contextmanager
    def topic(self, name, partitions, records):
        from real_kafka import kh
        topic = kh.unique_name(name)
        kh.create_topic(topic, partitions, bootstrap=self.bootstrap)
        if records:
            kh.produce(self.bootstrap, topic, records)
        yield self.bootstrap, topic
