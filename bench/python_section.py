"""scripts/bench's python section: a Python job counting records and value bytes per key
(foreach_batch, and the partitioned form on 2 reader threads) against PySpark Structured
Streaming's foreachBatch doing the same count, on one keyed topic, in alternating rounds.

Rows, so that the time can be split (each a whole process, start-up included):
  (p0) the C no-op application (plugins/testing): reading and batching alone, with the prefetch
       queue the Python plugin asks for (kafka.queued.max.messages.kbytes=2048)
  (p1) foreach_batch reading the records and counting nothing: + decoding and Record objects
       (a batch's Records are made as the job reads them)
  (p2) foreach_batch counting: + the job's loop
  (p3) the partitioned form counting in process() on --master local[2], merging in commit()
  (p4) PySpark foreachBatch (scripts/pyspark-fetch: pyspark from PyPI, spark-sql-kafka-0-10 from
       Maven Central; never fetched at build time)
Peak RSS is of the whole process tree (PySpark is a Python driver and a JVM), sampled every
50 ms from /proc; bench_spawn's figure (the largest single process) is reported beside it.
The counts of (p2), (p3) and (p4) are checked against each other and against what was produced.
"""
import json
import os
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = os.path.join(HERE, "python")
ROOT = os.path.dirname(HERE)
KEYS = 1000
PAGE = os.sysconf("SC_PAGE_SIZE")

NOOP = "(p0) C no-op application"
RECEIVE = "(p1) Python foreach_batch, every Record made, nothing counted"
FOREACH = "(p2) Python foreach_batch, count per key"
PARTITIONED = "(p3) Python process/commit on 2 reader threads, count per key"
PYSPARK = "(p4) PySpark foreachBatch, count per key"


def preload_keyed(bootstrap, topic, records, size, log):
    """records keyed key-0000..key-0999 (round robin), values of exactly `size` bytes, with kcat."""
    t0 = time.perf_counter()
    kcat = subprocess.Popen(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X", "acks=1",
                             "-X", "linger.ms=50", "-X", "batch.num.messages=10000",
                             "-X", "queue.buffering.max.messages=1000000"], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    pad = b"x" * size
    chunk = 100_000
    for start in range(0, records, chunk):
        kcat.stdin.write(b"".join(b"key-%04d\t%s\n" % (i % KEYS, (b"%d-" % i + pad)[:size])
                                  for i in range(start, min(records, start + chunk))))
    kcat.stdin.close()
    err = kcat.stderr.read().decode(errors="replace")
    if kcat.wait() != 0 or "Delivery failed" in err:
        raise RuntimeError("kcat could not produce the python section's topic:\n" + err[-3000:])
    log("preloaded %s: %d keyed records x %d B in %.1f s" % (topic, records, size, time.perf_counter() - t0))


class TreeRss(threading.Thread):
    """The largest sum of RSS over this process's descendants while it runs (sampled)."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        self.interval, self.peak, self.stopped = interval, 0, threading.Event()

    def sample(self):
        parent, rss = {}, {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/statm" % pid) as f:
                    rss[int(pid)] = int(f.read().split()[1]) * PAGE
                parent[int(pid)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
        me, total = os.getpid(), 0
        for pid in rss:
            p, seen = pid, 0
            while p in parent and p != me and seen < 64:
                p, seen = parent[p], seen + 1
            if p == me and pid != me:
                total += rss[pid]
        return total

    def run(self):
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.sample())
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.join()
        return self.peak


def measured(h, cmd, env=None):
    sampler = TreeRss()
    sampler.start()
    try:
        r = h.run(cmd, env=env, timeout=1800)
    finally:
        peak = sampler.stop()
    r.tree_rss = peak
    return r


def check_counts(name, path, records, size, expected=None):
    with open(path) as f:
        counts = json.load(f)
    n, b = sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())
    if (n, b) != (records, records * size) or len(counts) != min(KEYS, records):
        raise RuntimeError("%s counted %d records, %d bytes, %d keys; produced %d, %d, %d" % (
            name, n, b, len(counts), records, records * size, min(KEYS, records)))
    if expected is not None and counts != expected:
        raise RuntimeError("%s's counts per key differ from foreach_batch's" % name)
    return counts


def pyspark_home(args):
    """The fetched PySpark (venv, jars), or why not."""
    if args.smoke:
        return None, "not run by --smoke (scripts/pyspark-fetch downloads PySpark, ~500 MB)"
    p = subprocess.run([os.path.join(ROOT, "scripts", "pyspark-fetch")], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("scripts/pyspark-fetch failed:\n" + p.stderr[-3000:])
    return p.stdout.strip().splitlines()[-1], None


def bench_python(args, broker, tools, res, h):
    records, size = args.python_records, args.record_size
    per_batch = args.python_batch
    topic = "bench-python-%d" % os.getpid()
    broker.create_topic(topic, 4)
    home, why_not = pyspark_home(args)
    tmp = tempfile.mkdtemp(prefix="bench-python-")
    noop = os.path.join(args.build_dir, "tests", "plugins", "test-noop_app.so")
    # Batches back to back (a batch due every 100 ms is late at once), as availableNow runs Spark's.
    reading = ["--master", "local[2]", "--batch-interval", "100ms", "--conf",
               "stream.kafka.maxOffsetsPerBatch=%d" % per_batch]
    common = reading + ["--conf", "app.python.valueDecoder=bytes"]
    # (p0) reads with the prefetch queue the Python plugin asks for (its ABI 2.4 source_defaults),
    # so that p1 - p0 is decoding and Record objects, not also the smaller queue's slower reading.
    python_prefetch = ["--conf", "kafka.queued.max.messages.kbytes=2048"]
    counted = {}

    def streamsubmit(name, job, env=None):
        def go():
            out = os.path.join(tmp, "counts.json")
            r = measured(h, tools.submit(broker.bootstrap, topic, *common, job, out) if job != noop else
                         tools.submit(broker.bootstrap, topic, *reading, *python_prefetch, noop), env=env)
            recs = h.report_records(r.out)[0]
            if recs != records:
                raise RuntimeError("%s read %d records, expected %d" % (name, recs, records))
            if job.endswith("count_foreach.py") and not env:
                counted["foreach"] = check_counts(name, out, records, size)
            elif job.endswith("count_partitioned.py"):
                check_counts(name, out, records, size, counted.get("foreach"))
            return r
        return go

    def pyspark():
        out, cp = os.path.join(tmp, "spark.json"), tempfile.mkdtemp(prefix="cp-", dir=tmp)
        jars = ",".join(sorted(os.path.join(home, "jars", j) for j in os.listdir(os.path.join(home, "jars"))))
        r = measured(h, [os.path.join(home, "venv", "bin", "python"), os.path.join(JOBS, "pyspark_count.py"),
                         broker.bootstrap, topic, out, cp, str(per_batch), jars, "2"],
                     env=dict(os.environ, PYSPARK_PYTHON=os.path.join(home, "venv", "bin", "python")))
        check_counts(PYSPARK, out, records, size, counted.get("foreach"))
        return r

    try:
        preload_keyed(broker.bootstrap, topic, records, size, h.log)
        foreach = os.path.join(JOBS, "count_foreach.py")
        variants = [(FOREACH, streamsubmit(FOREACH, foreach)),  # first: the others' counts are checked against it
                    (PARTITIONED, streamsubmit(PARTITIONED, os.path.join(JOBS, "count_partitioned.py"))),
                    (RECEIVE, streamsubmit(RECEIVE, foreach, env=dict(os.environ, COUNT="0"))),
                    (NOOP, streamsubmit(NOOP, noop))]
        if home:
            variants.append((PYSPARK, pyspark))
        runs = {name: [] for name, _ in variants}
        for rnd in range(args.python_rounds):
            order = variants if rnd == 0 else variants[rnd % len(variants):] + variants[:rnd % len(variants)]
            for name, fn in order:
                h.log("python: round %d, %s" % (rnd + 1, name))
                runs[name].append(fn())
        rows = []
        for name, _ in variants:
            rs = runs[name]
            rows.append({"tool": name, "wall_s": h.spread([r.wall for r in rs]),
                         "records_per_s": h.spread([records / r.wall for r in rs]),
                         "cpu_s": h.spread([r.cpu for r in rs]),
                         "tree_rss_mib": h.spread([r.tree_rss / (1 << 20) for r in rs]),
                         "maxrss_mib": h.spread([r.maxrss_kb / 1024 for r in rs])})
        if not home:
            rows.append({"tool": PYSPARK, "na": why_not})

        def per_round(a, b, key):  # a / b, round by round (both ran in every round)
            return h.spread([key(x) / key(y) for x, y in zip(runs[a], runs[b])])
        wall, rss = (lambda r: r.wall), (lambda r: r.tree_rss)
        ratios = {"partitioned_speed_to_foreach": per_round(FOREACH, PARTITIONED, wall)}
        if home:
            ratios["foreach_speed_to_pyspark"] = per_round(PYSPARK, FOREACH, wall)
            ratios["pyspark_rss_to_foreach"] = per_round(PYSPARK, FOREACH, rss)
        m = {name: h.med([r.wall for r in runs[name]]) for name in runs}
        c = {name: h.med([r.cpu for r in runs[name]]) for name in runs}  # steadier than wall on a busy machine
        res["python"] = {"records": records, "record_bytes": size, "partitions": 4, "keys": KEYS,
                         "max_offsets_per_batch": per_batch, "rounds": args.python_rounds, "rows": rows,
                         "ratios": ratios,
                         # round by round (in the order the rounds ran), to tell a slow or large
                         # round of one tool from a small one of the other
                         "per_round": {name: [{"wall_s": round(r.wall, 2), "tree_rss_mib": round(r.tree_rss / (1 << 20))}
                                              for r in runs[name]] for name in runs},
                         "where_the_time_goes_s": {
                             "reading and batching (p0)": (m[NOOP], c[NOOP]),
                             "decoding and Record objects (p1 - p0)": (m[RECEIVE] - m[NOOP], c[RECEIVE] - c[NOOP]),
                             "the job's loop (p2 - p1)": (m[FOREACH] - m[RECEIVE], c[FOREACH] - c[RECEIVE])}}
    finally:
        if not args.keep_topics:
            broker.delete_topics([topic])
        subprocess.run(["rm", "-rf", tmp])


def python_targets(res):
    p = res.get("python")
    if not p:
        return []
    rows = {r["tool"]: r for r in p["rows"] if "na" not in r}
    t = []
    f = rows.get(FOREACH)
    if f:
        rps = f["records_per_s"]["median"]
        t.append(("Python foreach_batch count >= 1,000,000 records/s end to end", "%.0f records/s" % rps,
                  rps >= 1_000_000))
    r = p["ratios"]
    if "foreach_speed_to_pyspark" in r:
        s = r["foreach_speed_to_pyspark"]
        t.append(("Python foreach_batch >= 5x PySpark foreachBatch (every round)",
                  "min %.2fx, median %.2fx" % (s["min"], s["median"]), s["min"] >= 5))
        m = r["pyspark_rss_to_foreach"]
        t.append(("Python job's peak RSS <= 1/5 of PySpark's (every round)",
                  "PySpark %.1fx (min %.1fx)" % (m["median"], m["min"]), m["min"] >= 5))
    s = r["partitioned_speed_to_foreach"]
    t.append(("partitioned form on 2 reader threads not slower than foreach_batch (median)",
              "%.2fx (min %.2fx, max %.2fx)" % (s["median"], s["min"], s["max"]), s["median"] >= 1.0))
    return t


def python_markdown(res, mmm, fmt):
    p = res.get("python")
    if not p:
        return []
    L = ["\n## Python jobs\n",
         "%s records x %d B over %d partitions, %d keys; stream.kafka.maxOffsetsPerBatch and maxOffsetsPerTrigger "
         "%s; --master local[2] and Spark local[2]; %d rounds, alternating. Each run is a whole process, start-up "
         "included (PySpark's JVM too). Peak RSS: the whole process tree, sampled every 50 ms (the largest "
         "single process beside it). CPU s counts the process and the children it waited for: PySpark's JVM, "
         "which its driver does not wait for, is not in it. bench/python_section.py says what each row runs.\n" % (
             fmt(p["records"]), p["record_bytes"], p["partitions"], p["keys"], fmt(p["max_offsets_per_batch"]),
             p["rounds"]),
         "| job | wall s | records/s | CPU s | peak RSS MiB (tree) | largest process MiB |",
         "|---|---|---|---|---|---|"]
    for r in p["rows"]:
        if "na" in r:
            L.append("| %s | %s | | | | |" % (r["tool"], r["na"]))
            continue
        L.append("| %s | %s | %s | %s | %s | %s |" % (r["tool"], mmm(r["wall_s"], 2), mmm(r["records_per_s"], 0),
                                                     mmm(r["cpu_s"], 2), mmm(r["tree_rss_mib"], 0),
                                                     mmm(r["maxrss_mib"], 0)))
    L.append("\nRatios, round by round (min, median, max):\n")
    names = {"foreach_speed_to_pyspark": "foreach_batch's speed to PySpark's (PySpark wall / foreach_batch wall)",
             "pyspark_rss_to_foreach": "PySpark's peak RSS to foreach_batch's",
             "partitioned_speed_to_foreach": "the partitioned form's speed to foreach_batch's (above 1: faster)"}
    for k, v in p["ratios"].items():
        L.append("- %s: %s" % (names[k], mmm(v, 2)))
    L.append("\nWhere foreach_batch's time goes (differences of medians, seconds):\n")
    for k, (wall, cpu) in p["where_the_time_goes_s"].items():
        L.append("- %s: %s wall, %s CPU" % (k, fmt(wall, 2), fmt(cpu, 2)))
    return L
