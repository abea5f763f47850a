"""bench: records and value bytes per key, the simple form (one call per batch, one thread).

    streamsubmit ... --conf app.python.valueDecoder=bytes count_foreach.py OUT.json

Keys arrive as str (utf8, the default decoder), values as bytes. With COUNT=0 in the
environment the job only reads the records, counting nothing: each Record is made as the job
reads it, so that row is the cost of decoding and making them."""
import json
import os
import sys

COUNT = os.environ.get("COUNT", "1") != "0"
counts = {}


def foreach_batch(batch, records):
    if not COUNT:
        for _ in records:
            pass
        return
    get = counts.get
    for r in records:
        c = get(r.key)
        if c is None:
            counts[r.key] = c = [0, 0]
        c[0] += 1
        c[1] += len(r.value)


def close():
    with open(sys.argv[1], "w") as f:
        json.dump(counts, f)
