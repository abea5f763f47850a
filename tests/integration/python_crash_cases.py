"""examples/python/to_sqlite.py under kill -9, run against any cluster (test_python_crash_mock.py:
the mock cluster; test_python_crash_kafka.py: a real broker, and group mode there too).

Kills land inside the job's SQLite transaction and between its commit and the checkpoint,
alternately. The job stops at the chosen place and says so in a mark file, and each kill is
checked to have landed there: inside, the job's connection had its transaction open; after the
commit, the database holds the batch's offsets while the job's progress (its checkpoint, or its
group's committed offsets) does not have the batch yet. The table then holds every record
exactly once, byte for byte as kcat reads them.

A test class mixes ToSqliteCrashCases into a TestCase and gives topic(name, partitions, records)
(cluster_topics.py)."""
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import textwrap

from streamsubmit_test import EXIT_OK, run, start, wait_for

EXAMPLE = os.path.join(os.environ["STREAMSUBMIT_SOURCE_DIR"], "examples", "python", "to_sqlite.py")

# The example with two places to stop at: inside its transaction (after the rows are written,
# before COMMIT) and after its commit returned (before streamsubmit marks the batch complete).
# The file CRASH_CONTROL says where to stop (transaction, after-commit, or none), read at each
# batch so a test can arm one instance of several; the job writes CRASH_MARK (JSON: where, the
# batch, its ranges, whether its connection was in a transaction), then waits for the kill.
WRAPPER = textwrap.dedent("""
    import json, os, time, to_sqlite
    from to_sqlite import recover, process, abort, close
    MARK, CONTROL = os.environ["CRASH_MARK"], os.environ["CRASH_CONTROL"]
    def armed():
        try:
            with open(CONTROL) as f:
                return f.read().strip()
        except FileNotFoundError:
            return "none"
    def pause(where, batch):
        doc = {"at": where, "batch": batch.id, "in_transaction": to_sqlite.conn.in_transaction,
               "ranges": [[r.topic, r.partition, r.fromOffset, r.untilOffset] for r in batch.ranges
                          if r.untilOffset > r.fromOffset]}
        with open(MARK + ".tmp", "w") as f:
            json.dump(doc, f)
        os.replace(MARK + ".tmp", MARK)
        time.sleep(600)
    original = to_sqlite.write_batch
    def write_batch(batch):
        original(batch)
        if to_sqlite.pending and armed() == "transaction":
            pause("transaction", batch)
    to_sqlite.write_batch = write_batch
    def commit(batch):
        had_records = bool(to_sqlite.pending)
        to_sqlite.commit(batch)
        if had_records and armed() == "after-commit":
            pause("after-commit", batch)
""")

KILLS = 10
PLACES = ("transaction", "after-commit")


def kcat_rows(bootstrap, topic):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%p\\t%o\\t%k\\t%s\\n"], capture_output=True, timeout=120, check=True).stdout
    # kcat's own framing, parsed: the produced keys and values contain no tab or newline
    rows = []
    for line in out.split(b"\n"):
        if line:
            p, o, k, v = line.split(b"\t", 3)
            rows.append((topic, int(p), int(o), k, v))
    return sorted(rows)


def produce_round(bootstrap, topic, round_no, count=600):
    lines = b"".join(b"key-%d-%d\tvalue %d of round %d\n" % (round_no, n % 7, n, round_no) for n in range(count))
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t"], input=lines, check=True, timeout=60)


def table_rows(db):
    conn = sqlite3.connect(db)
    rows = sorted((t, p, o, bytes(k), bytes(v)) for t, p, o, k, v in conn.execute("SELECT * FROM records"))
    conn.close()
    return rows


def stored_offsets(db):
    conn = sqlite3.connect(db)
    offsets = {(t, p): o for t, p, o in conn.execute("SELECT topic, partition, next_offset FROM offsets")}
    conn.close()
    return offsets


class Crashable:
    """One instance of the wrapped example: its own control and mark files."""

    def __init__(self, tmp, name):
        self.control = os.path.join(tmp, name + ".control")
        self.mark = os.path.join(tmp, name + ".mark")
        self.env = {"CRASH_CONTROL": self.control, "CRASH_MARK": self.mark}
        self.arm("none")

    def arm(self, where):
        with open(self.control, "w") as f:
            f.write(where)
        if os.path.exists(self.mark):
            os.unlink(self.mark)

    def stopped(self):
        return os.path.exists(self.mark)

    def where(self):
        with open(self.mark) as f:
            return json.load(f)


def write_wrapper(tmp):
    wrapper = os.path.join(tmp, "crashing.py")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    return wrapper


def example_args(bootstrap, topic):
    return ["--bootstrap-servers", bootstrap, "--topics", topic, "--batch-interval", "100ms",
            "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxRatePerPartition=1000",
            "--conf", "app.python.keyDecoder=bytes", "--conf", "app.python.valueDecoder=bytes", "--py-files", EXAMPLE]


class ToSqliteCrashCases:
    """Mixed into a TestCase that defines topic(name, partitions, records) and
    not_in_progress(mode, mark, tmp, job): asserts that the job's progress lacks the batch."""

    def assert_landed(self, mark, at, db):
        self.assertEqual(mark["at"], at)
        self.assertTrue(mark["ranges"], "the job stopped at a batch without records")
        if at == "transaction":
            self.assertTrue(mark["in_transaction"], "killed outside the job's transaction")
        else:
            self.assertFalse(mark["in_transaction"], "killed before the job's transaction ended")
            stored = stored_offsets(db)
            for topic, partition, _, until in mark["ranges"]:
                self.assertGreaterEqual(stored.get((topic, partition), -1), until,
                                        f"{topic}-{partition}: the committed batch's offsets are not in the database")

    def run_mode(self, mode, mode_args):
        with tempfile.TemporaryDirectory() as tmp, self.topic("orders", 3, 6000) as (bootstrap, topic):
            db = os.path.join(tmp, "records.db")
            args = example_args(bootstrap, topic) + mode_args(tmp) + [write_wrapper(tmp), db]
            crashing = Crashable(tmp, "job")
            landed = []
            for i in range(KILLS):
                at = PLACES[i % 2]
                crashing.arm(at)
                produce_round(bootstrap, topic, i)  # fresh records for every run, whatever the last one read
                job = start(args, env=crashing.env)
                wait_for(crashing.stopped, timeout=90, what=f"the job to stop at {at}", jobs=[job])
                job.send_signal(signal.SIGKILL)
                job.wait()
                mark = crashing.where()
                landed.append(mark["at"])
                self.assert_landed(mark, at, db)
                self.not_in_progress(mode, mark, tmp, job)
                rows = table_rows(db)
                self.assertEqual(len(rows), len(set(r[:3] for r in rows)), "a record stored twice")
            self.assertEqual(landed, [PLACES[i % 2] for i in range(KILLS)])
            crashing.arm("none")
            run(args[:-2] + ["--until", "latest"] + args[-2:], check=EXIT_OK, env=crashing.env, timeout=300)
            self.assertEqual(table_rows(db), kcat_rows(bootstrap, topic))

    def checkpoint_lacks(self, mark, checkpoint):
        """Direct mode: the checkpoint recorded the killed batch as planned, never complete."""
        batches = os.path.join(checkpoint, "batches")
        docs = []
        for name in os.listdir(batches):
            with open(os.path.join(batches, name)) as f:
                docs.append(json.load(f))
        mine = [d for d in docs if d["batch"] == mark["batch"]]
        self.assertEqual([d["status"] for d in mine], ["planned"], f"batch {mark['batch']} in the checkpoint")

    def test_direct_mode(self):
        self.run_mode("direct", lambda tmp: ["--checkpoint", os.path.join(tmp, "cp")])

    def test_receiver_mode(self):
        self.receiver_group = "sqlite-job-" + os.urandom(4).hex()
        self.run_mode("receiver", lambda tmp: ["--mode", "receiver", "--group", self.receiver_group,
                                               "--batch-interval", "400ms", "--conf", "kafka.session.timeout.ms=6000"])
