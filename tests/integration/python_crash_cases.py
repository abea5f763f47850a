"""examples/python/to_sqlite.py under kill -9 on the embedded mock cluster: kills land inside the
job's SQLite transaction and between its commit and the checkpoint (each asserted by where the
job stood), alternately; the table then holds every record exactly once, byte for byte as kcat
reads them, in direct mode and in receiver mode."""
import os
import signal
import sqlite3
import subprocess
import tempfile
import textwrap
import unittest

from streamsubmit_test import EXIT_OK, MockCluster, main, run, start, wait_for

EXAMPLE = os.path.join(os.environ["STREAMSUBMIT_SOURCE_DIR"], "examples", "python", "to_sqlite.py")

# The example with two places to stop at: inside its transaction (after the rows are written,
# before COMMIT) and after its commit returned (before streamsubmit writes the checkpoint).
# It writes where it stopped, then waits there for the kill.
WRAPPER = textwrap.dedent("""
    import os, time, to_sqlite
    from to_sqlite import recover, process, abort, close
    MARK, AT = os.environ["CRASH_MARK"], os.environ["CRASH_AT"]
    def pause(where, batch):
        with open(MARK, "w") as f:
            f.write("%s %d\\n" % (where, batch.id))
        time.sleep(60)
    original = to_sqlite.write_batch
    def write_batch(batch):
        original(batch)
        if AT == "transaction" and to_sqlite.pending:
            pause("transaction", batch)
    to_sqlite.write_batch = write_batch
    def commit(batch):
        had_records = bool(to_sqlite.pending)
        to_sqlite.commit(batch)
        if AT == "after-commit" and had_records:
            pause("after-commit", batch)
""")

KILLS = 10


def kcat_rows(bootstrap, topic):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%p\\t%o\\t%k\\t%s\\n"], capture_output=True, timeout=120, check=True).stdout
    # kcat's own framing, parsed: the mock's keys and values contain no tab or newline
    rows = []
    for line in out.split(b"\n"):
        if line:
            p, o, k, v = line.split(b"\t", 3)
            rows.append((topic, int(p), int(o), k, v))
    return sorted(rows)


def produce(bootstrap, topic, round_no, count=600):
    lines = b"".join(b"key-%d-%d\tvalue %d of round %d\n" % (round_no, n % 7, n, round_no) for n in range(count))
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t"], input=lines, check=True, timeout=60)


def table_rows(db):
    conn = sqlite3.connect(db)
    rows = sorted((t, p, o, bytes(k), bytes(v)) for t, p, o, k, v in conn.execute("SELECT * FROM records"))
    conn.close()
    return rows


class ToSqliteUnderKill9(unittest.TestCase):
    def run_mode(self, mode_args):
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:3"], produce=["orders:6000"]) as c:
            wrapper = os.path.join(tmp, "crashing.py")
            with open(wrapper, "w") as f:
                f.write(WRAPPER)
            db, mark = os.path.join(tmp, "records.db"), os.path.join(tmp, "mark")
            args = ["--bootstrap-servers", c.bootstrap, "--topics", "orders", "--batch-interval", "100ms",
                    "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.kafka.maxRatePerPartition=1000",
                    "--conf", "app.python.keyDecoder=bytes", "--conf", "app.python.valueDecoder=bytes",
                    "--py-files", EXAMPLE] + mode_args(tmp) + [wrapper, db]
            landed = []
            for i in range(KILLS):
                at = ("transaction", "after-commit")[i % 2]
                if os.path.exists(mark):
                    os.unlink(mark)
                produce(c.bootstrap, "orders", i)  # fresh records for every run, whatever the last one read
                job = start(args, env={"CRASH_MARK": mark, "CRASH_AT": at})
                wait_for(lambda: os.path.exists(mark) and open(mark).read().endswith("\n"), timeout=60,
                         what=f"the job to stop at {at}", jobs=[job])
                job.send_signal(signal.SIGKILL)
                job.wait()
                landed.append(open(mark).read().split()[0])
                rows = table_rows(db)
                self.assertEqual(len(rows), len(set(r[:3] for r in rows)), "a record stored twice")
            self.assertEqual(landed, [("transaction", "after-commit")[i % 2] for i in range(KILLS)])
            run(args[:-2] + ["--until", "latest"] + args[-2:], check=EXIT_OK,
                env={"CRASH_MARK": mark, "CRASH_AT": "none"}, timeout=300)
            self.assertEqual(table_rows(db), kcat_rows(c.bootstrap, "orders"))

    def test_direct_mode(self):
        self.run_mode(lambda tmp: ["--checkpoint", os.path.join(tmp, "cp")])

    def test_receiver_mode(self):
        self.run_mode(lambda tmp: ["--mode", "receiver", "--group", "sqlite-job", "--batch-interval", "400ms", "--conf",
                                   "kafka.session.timeout.ms=6000"])


if __name__ == "__main__":
    main()
