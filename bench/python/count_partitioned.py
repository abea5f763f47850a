"""bench: records and value bytes per key, the partitioned form: process() counts each
partition range on its reader thread (holding the GIL while it runs), commit() merges.

    streamsubmit ... --master local[2] --conf app.python.valueDecoder=bytes count_partitioned.py OUT.json
"""
import json
import sys
import threading

counts = {}
pending = []
lock = threading.Lock()


def process(batch, rng, records):
    mine = {}
    get = mine.get
    for r in records:
        c = get(r.key)
        if c is None:
            mine[r.key] = c = [0, 0]
        c[0] += 1
        c[1] += len(r.value)
    with lock:
        pending.append(mine)


def commit(batch):
    for part in pending:
        for k, (n, b) in part.items():
            c = counts.get(k)
            if c is None:
                counts[k] = [n, b]
            else:
                c[0] += n
                c[1] += b
    pending.clear()


def abort(batch):
    pending.clear()


def close():
    with open(sys.argv[1], "w") as f:
        json.dump(counts, f)
