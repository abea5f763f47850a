"""The real broker for an integration test module: the ctest fixture's (its address is in
KAFKA_FIXTURE_DIR/bootstrap), or one started for the test class when the file runs alone.

Import this before kafka_harness, so the harness defaults to the fixture's broker.
"""
import os
import unittest

_fixture = os.path.join(os.environ.get("KAFKA_FIXTURE_DIR", ""), "bootstrap")
if os.environ.get("KAFKA_FIXTURE_DIR") and os.path.exists(_fixture):
    with open(_fixture) as f:
        os.environ["STREAMSUBMIT_TEST_BOOTSTRAP"] = f.read().strip()

import kafka_harness as kh  # noqa: E402


class RealKafkaTestCase(unittest.TestCase):
    """Gives the class a started broker as cls.bootstrap."""

    @classmethod
    def setUpClass(cls):
        cls.broker = kh.KafkaBroker()
        cls.bootstrap = cls.broker.start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
