"""examples/python/to_sqlite.py under kill -9 on a real broker (the ctest fixture's): direct and
receiver mode (the cases of python_crash_cases.py, shared with test_python_crash_mock.py), and
group mode (stream.kafka.coordination=group) with 3 instances sharing one database file, each
killed in turn while the others run on. Each kill is asserted to land inside the job's SQLite
transaction or between its commit and the job's progress (checkpoint; group commit), and the
table then holds every record exactly once, byte for byte as kcat reads them."""
import os
import signal
import tempfile

from real_kafka import RealKafkaTestCase, kh
from cluster_topics import KafkaTopics
from python_crash_cases import (KILLS, PLACES, Crashable, ToSqliteCrashCases, example_args, kcat_rows, produce_round,
                                table_rows, write_wrapper)
from streamsubmit_test import EXIT_OK, main, output_of, start, wait_for

INSTANCES = 3


class ToSqliteUnderKill9OnKafka(KafkaTopics, ToSqliteCrashCases, RealKafkaTestCase):
    def not_in_progress(self, mode, mark, tmp, job):
        if mode == "direct":
            self.checkpoint_lacks(mark, os.path.join(tmp, "cp"))
        else:  # receiver mode: the group commits a batch's offsets once it completed
            self.group_lacks(mark, self.receiver_group)

    def group_lacks(self, mark, group):
        committed = kh.consumer_group_offsets(group, bootstrap=self.bootstrap)
        for topic, partition, _, until in mark["ranges"]:
            self.assertLess(committed.get((topic, partition)) or 0, until,
                            f"{topic}-{partition}: the group has batch {mark['batch']}'s offsets")

    def test_group_mode_three_instances_share_one_database(self):
        group = kh.unique_name("sqlite-group")
        with tempfile.TemporaryDirectory() as tmp, self.topic("orders", 6, 3000) as (bootstrap, topic):
            db = os.path.join(tmp, "records.db")
            wrapper = write_wrapper(tmp)
            crashing = [Crashable(tmp, f"i{n}") for n in range(INSTANCES)]

            def launch(n):
                return start(example_args(bootstrap, topic) + [
                    "--group", group, "--conf", "stream.kafka.coordination=group", "--batch-interval", "300ms",
                    "--conf", "kafka.session.timeout.ms=6000", "--conf", "kafka.heartbeat.interval.ms=500",
                    "--conf", f"kafka.group.instance.id={group}-{n}", wrapper, db], env=crashing[n].env)

            jobs = [launch(n) for n in range(INSTANCES)]
            try:
                landed = []
                for i in range(KILLS):
                    n, at = i % INSTANCES, PLACES[i % 2]
                    crashing[n].arm(at)
                    for r in range(6):  # fresh records until the armed instance stops at a batch of its own
                        produce_round(bootstrap, topic, i * 10 + r, count=300)
                        try:
                            wait_for(crashing[n].stopped, timeout=15, what=f"instance {n} to stop at {at}", jobs=jobs)
                            break
                        except AssertionError:
                            for job in jobs:
                                self.assertIsNone(job.poll(), output_of(job)[1][-3000:])
                    self.assertTrue(crashing[n].stopped(), f"instance {n} never stopped at {at}")
                    jobs[n].send_signal(signal.SIGKILL)
                    jobs[n].wait()
                    mark = crashing[n].where()
                    landed.append(mark["at"])
                    self.assert_landed(mark, at, db)
                    self.assertNotRegex(output_of(jobs[n])[1], r"batch %d committed to group" % mark["batch"])
                    self.group_lacks(mark, group)
                    rows = table_rows(db)
                    self.assertEqual(len(rows), len(set(r[:3] for r in rows)), "a record stored twice")
                    crashing[n].arm("none")
                    jobs[n] = launch(n)
                self.assertEqual(landed, [PLACES[i % 2] for i in range(KILLS)])
                ends = {(topic, p): end for p, end in kh.get_offsets(topic, bootstrap=bootstrap).items()}

                def at_end():
                    for job in jobs:
                        self.assertIsNone(job.poll(), output_of(job)[1][-3000:])
                    return kh.consumer_group_offsets(group, bootstrap=bootstrap) == ends
                wait_for(at_end, timeout=180, interval=1.0, what=f"group {group} to commit {ends}")
            finally:
                for job in jobs:
                    if job.poll() is None:
                        job.send_signal(signal.SIGTERM)
                        job.wait(timeout=120)
            for job in jobs:
                self.assertEqual(job.returncode, EXIT_OK, output_of(job)[1][-3000:])
            self.assertEqual(table_rows(db), kcat_rows(bootstrap, topic))


if __name__ == "__main__":
    main()
