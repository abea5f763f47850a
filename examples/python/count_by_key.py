"""count_by_key.py: counts records and value bytes per key, applied once per batch id.

    streamsubmit [options] count_by_key.py COUNTS_FILE

COUNTS_FILE is JSON: {"batch": last batch applied, "counts": {key: [records, bytes]}}, replaced
atomically (temporary file, fsync, rename). A batch streamsubmit re-runs after a crash keeps its
id, so a batch already in the file is not counted again.
"""
import json
import os
import sys

path = sys.argv[1]


def load():
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"batch": -1, "counts": {}}


def foreach_batch(batch, records):
    state = load()
    if batch.id <= state["batch"]:
        return  # applied before a crash: counted once already
    counts = state["counts"]
    for r in records:
        c = counts.setdefault("\\N" if r.key is None else r.key, [0, 0])
        c[0] += 1
        c[1] += 0 if r.value is None else len(r.value)
    state["batch"] = batch.id
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
