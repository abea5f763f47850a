"""Receiver mode's one group member per process (issue 21), against the real broker.

Two processes with `T:2` each share a group: the group shows two members (not four), every
receiver thread of each process receives, and when one is killed with SIGKILL the other takes
its partitions with nothing lost. Delivery is checked on what the files sink wrote against what
kcat reads from the topic, key and value bytes included."""
import os
import re
import signal
import tempfile
import unittest

from delivered_records import files_sink_records, kcat_records
from real_kafka import RealKafkaTestCase, kh
from streamsubmit_test import EXIT_OK, output_of, start, wait_for


def group_members(bootstrap, group):
    """The member rows of `kafka-consumer-groups --describe --members`: [(client id, #partitions)]."""
    p = kh.kafka_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe", "--members",
                      "--group", group, check=False)
    rows, header = [], None
    for line in p.stdout.decode(errors="replace").splitlines():
        cols = line.split()
        if cols and cols[0] == "GROUP":
            header = cols
            continue
        if header and cols and cols[0] == group:
            row = dict(zip(header, cols))
            rows.append((row.get("CLIENT-ID"), int(row.get("#PARTITIONS", "0"))))
    return rows


def assigned_by_thread(stderr):
    """{receiver index: its partitions now} from the -v lines "receiver 1 (t): assigned [t-2,t-3]"
    and "... revoked [...]", in order (a process alone at first had every partition)."""
    out = {}
    for m in re.finditer(r"receiver (\d+) \([^)]*\): (assigned|revoked) \[([^\]]*)\]", stderr):
        parts = {int(p.rsplit("-", 1)[1]) for p in m.group(3).split(",") if p}
        held = out.setdefault(int(m.group(1)), set())
        if m.group(2) == "assigned":
            held |= parts
        else:
            held -= parts
    return {i: p for i, p in out.items() if p}


def delivered_partitions(out_dir):
    try:
        records, _ = files_sink_records(out_dir)
    except (FileNotFoundError, ValueError):
        return set()
    return {p for (_, p, _) in records}


class OneMemberPerProcess(RealKafkaTestCase):
    def job(self, topic, group, out_dir):
        return ["--mode", "receiver", "--bootstrap-servers", self.bootstrap, "--topics", f"{topic}:2",
                "--group", group, "--batch-interval", "300ms", "--conf", "stream.blockInterval=100ms",
                "--conf", "kafka.session.timeout.ms=6000", "--sink", "files", "--conf", "sink.files.dir=" + out_dir,
                "-v"]

    def test_two_processes_with_two_threads_are_two_members_and_one_takes_over(self):
        topic = kh.unique_name("members")
        kh.create_topic(topic, 4)
        group = kh.unique_name("g")
        producer = kh.Producer(self.bootstrap, topic, per_round=40, pause=0.1)
        producer.start()
        with tempfile.TemporaryDirectory() as tmp:
            dir_a, dir_b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            a, b = start(self.job(topic, group, dir_a)), start(self.job(topic, group, dir_b))
            try:
                # Each process is one member with two of the four partitions, one per thread.
                wait_for(lambda: len(group_members(self.bootstrap, group)) == 2 and
                         sorted(n for _, n in group_members(self.bootstrap, group)) == [2, 2],
                         timeout=60, what="two members with two partitions each")
                for proc, out_dir in ((a, dir_a), (b, dir_b)):
                    wait_for(lambda: sorted(len(p) for p in assigned_by_thread(output_of(proc)[1]).values()) == [1, 1],
                             timeout=30, what="each receiver thread assigned one partition")
                    threads = assigned_by_thread(output_of(proc)[1])
                    self.assertEqual(sorted(len(p) for p in threads.values()), [1, 1], threads)
                    # Every thread receives: records of each thread's partition were delivered.
                    wanted = set().union(*threads.values())
                    wait_for(lambda: wanted <= delivered_partitions(out_dir), timeout=30,
                             what="records from every thread's partition")
                a.send_signal(signal.SIGKILL)
                a.wait()
                # The survivor is the only member and reads all four partitions, with its two threads.
                wait_for(lambda: [n for _, n in group_members(self.bootstrap, group)] == [4], timeout=60,
                         what="the survivor to own every partition")
            finally:
                produced = producer.stop()
            ends = kh.get_offsets(topic, bootstrap=self.bootstrap)
            self.assertEqual(sum(ends.values()), produced)
            wait_for(lambda: kh.consumer_group_offsets(group, bootstrap=self.bootstrap) ==
                     {(topic, p): end for p, end in ends.items()}, timeout=60, what="the survivor to commit the end")
            b.send_signal(signal.SIGTERM)
            b.wait(timeout=60)
            self.assertEqual(b.returncode, EXIT_OK)
            b_err = output_of(b)[1]
            counts = {int(i): int(n) for i, n in re.findall(r"receiver (\d+) \([^)]*\): received (\d+) records", b_err)}
            self.assertEqual(sorted(counts), [0, 1], b_err[-2000:])
            self.assertTrue(all(n > 0 for n in counts.values()), counts)

            expected = kcat_records(self.bootstrap, topic)
            delivered, duplicates = {}, 0
            for out_dir in (dir_a, dir_b):
                records, dups = files_sink_records(out_dir)
                duplicates += len(dups)
                for k, v in records.items():
                    duplicates += k in delivered
                    delivered[k] = v
            missing = sorted(set(expected) - set(delivered))
            wrong = sorted(k for k in delivered if k not in expected or delivered[k][:2] != expected[k])
            print(f"\nreceiver, two members of two threads, one killed: {produced} records, missing {len(missing)}, "
                  f"duplicates {duplicates}", flush=True)
            self.assertEqual(missing, [])
            self.assertEqual(wrong, [])

    def test_a_joining_member_does_not_wait_for_an_idle_member_s_block_interval(self):
        # A's threads sit in polls that bring nothing (an empty topic) until their next block
        # boundary, 30 s after start. Its revocation, which B's join waits for, must wake them
        # rather than wait for that boundary.
        topic = kh.unique_name("idle")
        kh.create_topic(topic, 4)
        group = kh.unique_name("g")
        slow_blocks = ["--mode", "receiver", "--bootstrap-servers", self.bootstrap, "--topics", f"{topic}:2",
                       "--group", group, "--batch-interval", "30s", "--conf", "stream.blockInterval=30s", "-v"]
        a = start(slow_blocks)
        b = None
        try:
            wait_for(lambda: len(assigned_by_thread(output_of(a)[1])) == 2, timeout=30,
                     what="A's two threads assigned")
            b = start(slow_blocks)
            wait_for(lambda: "finished the revoked partitions" in output_of(a)[1], timeout=60,
                     what="A to finish its revocation")
            took = [int(ms) for ms in re.findall(r"threads finished the revoked partitions in (\d+) ms",
                                                 output_of(a)[1])]
            self.assertLess(took[0], 5000, output_of(a)[1][-2000:])
            wait_for(lambda: sorted(len(p) for p in assigned_by_thread(output_of(b)[1]).values()) == [1, 1],
                     timeout=30, what="B's two threads assigned one partition each")
        finally:
            for proc in (a, b):
                if proc:
                    proc.send_signal(signal.SIGTERM)
            for proc in (a, b):
                if proc:
                    proc.wait(timeout=60)
        self.assertEqual((a.returncode, b.returncode), (EXIT_OK, EXIT_OK))


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
