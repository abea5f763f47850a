#!/usr/bin/env python3
"""Self-test of kafka_harness against a real Apache Kafka broker.

    python3 tests/integration/harness/selftest.py [-v] [unittest args...]

Starts one broker (or uses STREAMSUBMIT_TEST_BOOTSTRAP), exercises every helper, stops it.
KAFKA_VERSION selects the Kafka version (default: scripts/lib/kafka.sh's). Exits non-zero
on failure. Prints timings (produce, retention, compaction) to stderr.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kafka_harness as kh  # noqa: E402


def note(msg):
    print("selftest: " + msg, file=sys.stderr, flush=True)


class HarnessSelfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = kh.KafkaBroker()
        t0 = time.monotonic()
        cls.bootstrap = cls.broker.start()
        note("broker %s up in %.1f s (owned=%s)" % (cls.bootstrap, time.monotonic() - t0, cls.broker.owned))

    @classmethod
    def tearDownClass(cls):
        t0 = time.monotonic()
        cls.broker.stop()
        note("broker stopped in %.1f s" % (time.monotonic() - t0))

    def test_free_port(self):
        p = kh.free_port()
        self.assertTrue(1024 <= p <= 65535)

    def test_produce_30000_over_3_partitions(self):
        topic = kh.unique_name("bulk")
        kh.create_topic(topic, 3)
        t0 = time.monotonic()
        kh.produce(self.bootstrap, topic, 30000)
        dt = time.monotonic() - t0
        note("produced 30000 keyed records in %.2f s" % dt)
        self.assertLess(dt, 10.0)
        offs = kh.get_offsets(topic)
        self.assertEqual(sorted(offs), [0, 1, 2])
        self.assertEqual(sum(offs.values()), 30000)
        self.assertTrue(all(v > 5000 for v in offs.values()), offs)  # keys spread over partitions
        recs = kh.consume_all(topic)
        self.assertEqual(len(recs), 30000)
        for p in range(3):
            self.assertEqual(sorted(o for t, pp, o in recs if pp == p), list(range(offs[p])))
        self.assertEqual(kh.get_offsets(topic, which="earliest"), {0: 0, 1: 0, 2: 0})

    def test_produce_unkeyed_and_pinned(self):
        topic = kh.unique_name("unkeyed")
        kh.create_topic(topic, 2)
        kh.produce(self.bootstrap, topic, 100, keyed=False)
        kh.produce(self.bootstrap, topic, 10, keyed=False, partition=1)
        offs = kh.get_offsets(topic)
        self.assertEqual(sum(offs.values()), 110)
        self.assertGreaterEqual(offs[1], 10)

    def test_delete_records(self):
        topic = kh.unique_name("delrec")
        kh.create_topic(topic, 1)
        kh.produce(self.bootstrap, topic, 100)
        kh.delete_records(topic, 0, 40)
        self.assertEqual(kh.get_offsets(topic, which="earliest"), {0: 40})
        self.assertEqual(kh.get_offsets(topic), {0: 100})
        recs = kh.consume_all(topic)
        self.assertEqual([o for _, _, o in recs], list(range(40, 100)))

    def test_add_partitions(self):
        topic = kh.unique_name("addpart")
        kh.create_topic(topic, 2)
        self.assertEqual(kh.add_partitions(topic, 2), 4)
        self.assertEqual(sorted(kh.get_offsets(topic)), [0, 1, 2, 3])
        kh.produce(self.bootstrap, topic, 10, partition=3)
        self.assertEqual(kh.get_offsets(topic)[3], 10)

    def test_transactions(self):
        topic = kh.unique_name("txn")
        kh.create_topic(topic, 1)
        r = kh.produce_transactional(self.bootstrap, topic, committed=5, aborted=7)
        self.assertEqual((r["committed_first"], r["committed_last"]), (0, 4))
        # offset 5 is the commit marker; 6..12 aborted; 13 the abort marker
        self.assertEqual((r["aborted_first"], r["aborted_last"]), (6, 12))
        self.assertEqual(kh.get_offsets(topic), {0: 14})
        committed = kh.consume_all(topic)  # librdkafka: read_committed
        self.assertEqual([o for _, _, o in committed], [0, 1, 2, 3, 4])
        everything = kh.consume_all(topic, read_committed=False)
        self.assertEqual([o for _, _, o in everything], [0, 1, 2, 3, 4] + list(range(6, 13)))
        values = kh.consume_all(topic, read_committed=False, fmt="%o %k %s\n").split("\n")
        self.assertIn("6 k0 aborted-0", values)

    def test_consumer_groups(self):
        topic = kh.unique_name("grp")
        group = kh.unique_name("group")
        kh.create_topic(topic, 2)
        self.assertEqual(kh.consumer_group_offsets(group), {})
        kh.produce(self.bootstrap, topic, 50)
        self.assertEqual(kh.consume_group(group, topic), 50)
        ends = kh.get_offsets(topic)
        got = kh.wait_for(lambda: kh.consumer_group_offsets(group) or None, timeout=20,
                          what="committed offsets of " + group)
        self.assertEqual(got, {(topic, p): o for p, o in ends.items()})

    def test_retention_takes_effect(self):
        """Time-based retention: how long until old records leave (informational + bound)."""
        topic = kh.unique_name("retention")
        kh.create_topic(topic, 1, {"retention.ms": 1000, "segment.ms": 1000})
        kh.produce(self.bootstrap, topic, 100)
        t0 = time.monotonic()
        kh.wait_for(lambda: kh.get_offsets(topic, which="earliest").get(0) == 100, timeout=40,
                    interval=0.5, what="retention of " + topic)
        note("retention.ms=1000: log start offset moved to the end %.1f s after producing" %
             (time.monotonic() - t0))

    def test_compaction_takes_effect(self):
        """Compaction: needs a rolled segment (segment.ms + a later append) and a dirty ratio."""
        topic = kh.unique_name("compact")
        kh.create_topic(topic, 1, {"cleanup.policy": "compact", "segment.ms": 500,
                                   "min.cleanable.dirty.ratio": 0.01, "delete.retention.ms": 1000})
        for _ in range(5):  # 5 x the same 20 keys
            kh.produce(self.bootstrap, topic, 20, partition=0)
        time.sleep(0.6)
        kh.produce(self.bootstrap, topic, 1, partition=0, start=1000)  # rolls the segment
        t0 = time.monotonic()
        kh.wait_for(lambda: len(kh.consume_all(topic)) <= 21, timeout=40, interval=0.5,
                    what="compaction of " + topic)
        note("compaction: 101 records -> %d within %.1f s" % (len(kh.consume_all(topic)), time.monotonic() - t0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
