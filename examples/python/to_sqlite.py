"""to_sqlite.py: every record into SQLite, exactly once, in direct and receiver mode and with
several instances of a group sharing one database file.

    streamsubmit [options] to_sqlite.py DATABASE

The guide's "atomic transaction that saves results and offsets": commit() writes the batch's
records and each partition's next offset in one SQLite transaction, and recover() answers from
that table, so the stored offsets win over streamsubmit's own. A record below a partition's
stored offset (a batch re-run after a crash between the transaction and the checkpoint) is
skipped, so each one lands once.
"""
import sqlite3
import sys
import threading

DATABASE = sys.argv[1]
pending = {}  # (topic, partition) -> (untilOffset, [(offset, key, value), ...]) of the batch in flight
lock = threading.Lock()  # receiver mode: recover runs on a receiver thread while commit runs


def connect():
    conn = sqlite3.connect(DATABASE, timeout=60, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS records (topic TEXT, partition INTEGER, offset INTEGER, key BLOB, "
                 "value BLOB, PRIMARY KEY (topic, partition, offset))")
    conn.execute("CREATE TABLE IF NOT EXISTS offsets (topic TEXT, partition INTEGER, next_offset INTEGER, "
                 "PRIMARY KEY (topic, partition))")
    return conn


conn = connect()


def recover(positions):
    with lock:
        stored = {(t, p): o for t, p, o in conn.execute("SELECT topic, partition, next_offset FROM offsets")}
    return {tp: stored[tp] for tp in positions if tp in stored}


def process(batch, rng, records):
    # Reader threads: only collect; the database is written by commit, on one thread.
    pending[(rng.topic, rng.partition)] = (rng.untilOffset, [(r.offset, r.key, r.value) for r in records])


def write_batch(batch):
    for (topic, partition), (until, rows) in sorted(pending.items()):
        row = conn.execute("SELECT next_offset FROM offsets WHERE topic=? AND partition=?", (topic, partition)).fetchone()
        stored = row[0] if row else -1
        fresh = [(topic, partition, o, k, v) for o, k, v in rows if o >= stored]
        conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", fresh)
        if until > stored:
            conn.execute("INSERT INTO offsets VALUES (?, ?, ?) ON CONFLICT(topic, partition) DO UPDATE SET "
                         "next_offset=excluded.next_offset", (topic, partition, until))


def commit(batch):
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            write_batch(batch)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            pending.clear()


def abort(batch):
    pending.clear()


def close():
    conn.close()
