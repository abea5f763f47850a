"""What a job delivered, read back, and what an independent client (kcat) reads from Kafka:
delivery guarantees are checked on these, never on what the job printed (stdlib only).

files_sink_records(dir) reads the files sink's final files (JSON Lines); kcat_records(bootstrap,
topic) reads every record of a topic from the beginning to its end."""
import base64
import json
import os
import subprocess

TEMP_PREFIX = ".streamsubmit-tmp-"  # the files sink's temporary files (a batch being written)
DELAY_ENV = "STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS"  # test-only: the files sink pauses mid-write


def temp_files(out_dir):
    """The files sink's temporary files: a batch is being written (or was, when its writer died)."""
    try:
        return [n for n in os.listdir(out_dir) if n.startswith(TEMP_PREFIX)]
    except FileNotFoundError:
        return []


def decode(doc, field):
    """The bytes of a JSON Lines key or value (None for null)."""
    v = doc[field]
    if v is None:
        return None
    if doc.get(field + "Encoding") == "base64":
        return base64.b64decode(v)
    return v.encode("utf-8")


def files_sink_records(out_dir):
    """({(topic, partition, offset): (key, value, headers)}, duplicates) from the final files:
    `duplicates` lists every record found again in a later file. Raises ValueError on a file
    that does not end with a newline or a line that does not parse."""
    records, duplicates = {}, []
    for name in sorted(os.listdir(out_dir)):
        if name.startswith("."):
            continue
        with open(os.path.join(out_dir, name), "rb") as f:
            data = f.read()
        if not data.endswith(b"\n"):
            raise ValueError(f"{name} does not end with a newline")
        for line in data.decode("utf-8").splitlines():
            doc = json.loads(line)
            if set(doc) - {"keyEncoding", "valueEncoding"} != \
                    {"topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers"}:
                raise ValueError(f"{name}: unexpected fields {sorted(doc)}")
            where = (doc["topic"], doc["partition"], doc["offset"])
            if where in records:
                duplicates.append((where, name))
                continue
            records[where] = (decode(doc, "key"), decode(doc, "value"), doc["headers"])
    return records, duplicates


def kcat_records(bootstrap, topic):
    """{(topic, partition, offset): (key, value)} of everything kcat reads (read_committed) from
    the beginning to the end: keys and values as bytes, None for null. kcat -f prints each
    record's lengths (-1 for null) on a line, then the raw key and value bytes."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-X", "isolation.level=read_committed", "-f", "%p %o %K %S\n%k%s"]
    data = subprocess.run(cmd, capture_output=True, timeout=180, check=True).stdout
    records, at = {}, 0
    while at < len(data):
        nl = data.index(b"\n", at)
        partition, offset, klen, vlen = (int(x) for x in data[at:nl].split(b" "))
        at = nl + 1
        key = None if klen < 0 else data[at:at + klen]
        at += max(klen, 0)
        value = None if vlen < 0 else data[at:at + vlen]
        at += max(vlen, 0)
        records[(topic, partition, offset)] = (key, value)
    return records


def compare(delivered, duplicates, expected):
    """(missing, duplicated, wrong): records kcat reads that no file holds, extra copies in the
    files, and records whose key or value bytes differ (or that kcat does not read at all)."""
    missing = sorted(set(expected) - set(delivered))
    wrong = sorted(k for k in delivered if k not in expected or delivered[k][:2] != expected[k])
    return missing, len(duplicates), wrong
