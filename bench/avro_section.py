"""scripts/bench's avro section: Schema Registry Avro values decoded into the files sink (issue 23's
speed targets), against the same sink on `bytes` values of the same sizes and against Spark
Structured Streaming's from_avro, in alternating rounds.

Data (bench/avro/produce.py, Confluent's Python client from the tests' venv): N page views
(strings, ints, a timestamp-millis long, a double, a nullable string) as Avro values of about
100 B in the Confluent wire format, their schema registered in a real Apicurio Registry
(scripts/registry-up), and N text values of the same sizes, record by record, in another topic.

Rows (each a whole process, start-up included):
  (v0) the files sink (json) over the text values, stream.value.format=bytes
  (v1) the files sink (json) over the Avro values, stream.value.format=avro
  (v2) Spark Structured Streaming (scripts/pyspark-fetch: pyspark, spark-sql-kafka-0-10 and
       spark-avro from Maven Central): the Kafka source, substring(value, 6) to strip the
       5-byte header, from_avro with the writer's schema, JSON Lines with topic, partition,
       offset, timestamp, key, value and schema id (bench/avro/spark_avro.py); trigger availableNow
Every run's lines are counted against N. streamsubmit reaches the registry through a counting
loopback proxy: the requests of every run are reported (one per schema id: the schema cache is
warm after the first). Peak RSS is of the whole process tree, sampled every 50 ms
(python_section.TreeRss), for streamsubmit as for Spark's Python driver and JVM.
"""
import http.client
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.parse

import python_section

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JOBS = os.path.join(HERE, "avro")
CCOMPAT = "/apis/ccompat/v7"

BYTES = "(v0) files sink, bytes values of the same sizes"
AVRO = "(v1) files sink, stream.value.format=avro"
SPARK = "(v2) Spark Structured Streaming, from_avro, JSON Lines"


class CountingProxy:
    """A loopback HTTP proxy in front of the registry that counts the GETs it forwards, by path."""

    def __init__(self, upstream):
        target = urllib.parse.urlsplit(upstream)
        self.requests, lock = [], threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    proxy.requests.append(self.path)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    conn.request("GET", self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
                    r = conn.getresponse()
                    body = r.read()
                finally:
                    conn.close()
                self.send_response(r.status)
                self.send_header("Content-Type", r.getheader("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self):
        """The requests since the last call."""
        taken, self.requests = self.requests, []
        return taken

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Registry:
    """BENCH_REGISTRY_URL, else the ctest fixture's (REGISTRY_FIXTURE_DIR/url), else one started
    here with scripts/registry-up in a temporary state directory and stopped at the end."""

    def __init__(self, log):
        self.env = None
        self.url = os.environ.get("BENCH_REGISTRY_URL")
        fixture = os.environ.get("REGISTRY_FIXTURE_DIR")
        if not self.url and fixture and os.path.isfile(os.path.join(fixture, "url")):
            self.url = open(os.path.join(fixture, "url")).read().strip()
        if not self.url:
            self.dir = tempfile.mkdtemp(prefix="bench-registry-")
            self.env = dict(os.environ, REGISTRY_DATA_DIR=os.path.join(self.dir, "data"))
            log("starting Apicurio Registry with scripts/registry-up")
            p = subprocess.run([os.path.join(ROOT, "scripts", "registry-up")], env=self.env, capture_output=True,
                               text=True, timeout=600)
            if p.returncode != 0:
                raise RuntimeError("registry-up failed:\n" + p.stderr[-3000:])
            self.url = p.stdout.strip().splitlines()[-1]
        log("registry " + self.url)

    def stop(self):
        if self.env:
            subprocess.run([os.path.join(ROOT, "scripts", "registry-down")], env=self.env, capture_output=True,
                           timeout=120)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.env = None


def produce(args, bootstrap, registry_url, avro_topic, bytes_topic, records, log):
    # The tests' venv with Confluent's client (installed once; a no-op when it is there).
    subprocess.run([os.path.join(ROOT, "scripts", "setup"), "--tests"], check=True, stdout=subprocess.DEVNULL)
    python = os.path.join(os.environ.get("STREAMSUBMIT_PYCLIENTS", os.path.join(ROOT, ".cache", "pyclients")),
                          "bin", "python")
    t0 = time.perf_counter()
    p = subprocess.run([python, os.path.join(JOBS, "produce.py"), bootstrap, registry_url + CCOMPAT, avro_topic,
                        bytes_topic, str(records)], capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError("bench/avro/produce.py failed:\n" + p.stderr[-3000:])
    info = json.loads(p.stdout.strip().splitlines()[-1])
    log("produced %d Avro values (%d-%d B, %.1f B on average) and as many text values of the same sizes in %.1f s" % (
        records, info["min_value_bytes"], info["max_value_bytes"], info["value_bytes"] / records,
        time.perf_counter() - t0))
    return info


def json_lines(directory):
    """Lines of the JSON files in a directory tree, leaving out hidden files and Spark's metadata."""
    n = 0
    for base, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        n += sum(count_lines_of(os.path.join(base, f)) for f in files if not f.startswith((".", "_")))
    return n


def count_lines_of(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))


def first_line(directory):
    for name in sorted(os.listdir(directory)):
        if not name.startswith("."):
            with open(os.path.join(directory, name)) as f:
                return json.loads(f.readline())
    return None


def bench_avro(args, broker, tools, res, h):
    records, rounds = args.avro_records, args.avro_rounds
    tag = "%d-%d" % (os.getpid(), int(time.time()))
    avro_topic, bytes_topic = "bench-avro-%s" % tag, "bench-avro-bytes-%s" % tag
    for t in (avro_topic, bytes_topic):
        broker.create_topic(t, args.partitions)
    work = tempfile.mkdtemp(prefix="bench-avro-", dir=args.build_dir)  # the same disk for every run
    home, why_not = python_section.pyspark_home(args)  # the same fetch, with spark-avro beside it
    registry, proxy = Registry(h.log), None
    try:
        info = produce(args, broker.bootstrap, registry.url, avro_topic, bytes_topic, records, h.log)
        proxy = CountingProxy(registry.url)
        seq, requests = [0], []

        def fresh():
            seq[0] += 1
            return os.path.join(work, "out-%d" % seq[0])

        def files_sink(name, topic, fmt):
            def go():
                path = fresh()
                proxy.take()
                r = python_section.measured(h, tools.submit(
                    broker.bootstrap, topic, "--sink", "files", "--conf", "sink.files.dir=" + path,
                    "--conf", "stream.value.format=" + fmt,
                    "--conf", "schema.registry.url=" + proxy.url + CCOMPAT, *args.direct_args))
                n = json_lines(path)
                if n != records:
                    raise RuntimeError("%s wrote %d of %d records" % (name, n, records))
                if fmt == "avro":
                    line = first_line(path)
                    if line.get("valueSchemaId") != info["schema_id"] or not isinstance(line.get("value"), dict):
                        raise RuntimeError("%s wrote no decoded value: %s" % (name, line))
                    requests.append(proxy.take())
                shutil.rmtree(path)
                return r
            return go

        def spark():
            path, cp = fresh(), fresh()
            jars = ",".join(sorted(os.path.join(home, d, j) for d in ("jars", "avro-jars")
                                   for j in os.listdir(os.path.join(home, d))))
            r = python_section.measured(h, [
                os.path.join(home, "venv", "bin", "python"), os.path.join(JOBS, "spark_avro.py"), broker.bootstrap,
                avro_topic, path, cp, json.dumps(info["schema"]), str(info["schema_id"]), jars, str(args.threads)],
                env=dict(os.environ, PYSPARK_PYTHON=os.path.join(home, "venv", "bin", "python")))
            n = json_lines(path)
            if n != records:
                raise RuntimeError("Spark wrote %d of %d records" % (n, records))
            shutil.rmtree(path)
            shutil.rmtree(cp)
            return r

        variants = [(BYTES, files_sink(BYTES, bytes_topic, "bytes")), (AVRO, files_sink(AVRO, avro_topic, "avro"))]
        if home:
            variants.append((SPARK, spark))
        runs = {name: [] for name, _ in variants}
        loads = {name: [] for name, _ in variants}  # the machine is shared: its 1-minute load before each run
        for rnd in range(rounds):
            order = variants[rnd % len(variants):] + variants[:rnd % len(variants)]
            for name, fn in order:
                loads[name].append(os.getloadavg()[0])
                h.log("avro: round %d, %s (load average %.2f)" % (rnd + 1, name, loads[name][-1]))
                runs[name].append(fn())
        rows = []
        for name, _ in variants:
            rs = runs[name]
            rows.append({"tool": name, "wall_s": h.spread([r.wall for r in rs]),
                         "records_per_s": h.spread([records / r.wall for r in rs]),
                         "cpu_s": h.spread([r.cpu for r in rs]),
                         "tree_rss_mib": h.spread([r.tree_rss / (1 << 20) for r in rs]),
                         "load_average": loads[name]})
        if not home:
            rows.append({"tool": SPARK, "na": why_not})

        def per_round(a, b, key):  # a / b, round by round (both ran in every round)
            return h.spread([key(x) / key(y) for x, y in zip(runs[a], runs[b])])
        wall, rss = (lambda r: r.wall), (lambda r: r.tree_rss)
        cpu = lambda r: r.cpu  # noqa: E731  (steadier than wall on a shared machine; not a target)
        ratios = {"avro_speed_to_bytes": per_round(BYTES, AVRO, wall), "avro_cpu_to_bytes": per_round(AVRO, BYTES, cpu)}
        if home:
            ratios["avro_speed_to_spark"] = per_round(SPARK, AVRO, wall)
            ratios["spark_rss_to_avro"] = per_round(SPARK, AVRO, rss)
        schema_gets = [len([p for p in rq if "/schemas/ids/" in p]) for rq in requests]
        res["avro"] = {"records": records, "value_bytes": info["value_bytes"] / records,
                       "value_bytes_min": info["min_value_bytes"], "value_bytes_max": info["max_value_bytes"],
                       "partitions": args.partitions, "rounds": rounds, "threads": args.threads,
                       "master": " ".join(args.direct_args) or "the default --master (local[*])", "rows": rows,
                       "ratios": ratios, "schema_ids": 1, "registry_requests_per_run": [len(rq) for rq in requests],
                       "schema_requests_per_run": schema_gets,
                       "registry_paths": sorted({p for rq in requests for p in rq}),
                       "load_average": os.getloadavg()}
    finally:
        if proxy:
            proxy.stop()
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_topics:
            broker.delete_topics([avro_topic, bytes_topic])


def avro_targets(res):
    a = res.get("avro")
    if not a:
        return []
    t = []
    r = a["ratios"]["avro_speed_to_bytes"]
    t.append(("Avro values into the files sink >= 0.5x its records/s on bytes values of the same sizes (median)",
              "%.2fx (min %.2fx, max %.2fx)" % (r["median"], r["min"], r["max"]), r["median"] >= 0.5))
    gets = a["schema_requests_per_run"]
    t.append(("warm schema cache: one registry request per schema id and run",
              "%s request(s) per run for %d id" % (", ".join(str(g) for g in gets), a["schema_ids"]),
              bool(gets) and all(g == a["schema_ids"] for g in gets) and
              all(n == a["schema_ids"] for n in a["registry_requests_per_run"])))
    if "avro_speed_to_spark" in a["ratios"]:
        s, m = a["ratios"]["avro_speed_to_spark"], a["ratios"]["spark_rss_to_avro"]
        t.append(("Avro into the files sink >= 3x Spark's from_avro records/s (median)",
                  "%.2fx (min %.2fx, max %.2fx)" % (s["median"], s["min"], s["max"]), s["median"] >= 3))
        t.append(("... at <= 1/5 of Spark's peak RSS (process tree, every round)",
                  "Spark %.1fx (min %.1fx)" % (m["median"], m["min"]), m["min"] >= 5))
    return t


def avro_markdown(res, mmm, fmt):
    a = res.get("avro")
    if not a:
        return []
    L = ["\n## Schema Registry Avro values\n",
         "%s records per topic, %d partitions; Avro values %.1f B on average (%d-%d B, the 5-byte header "
         "included), text values of the same sizes record by record; files sink (json) with %s; Spark local[%d]; "
         "%d round(s), alternating. Each run is a whole process, start-up included. Peak RSS: the whole process "
         "tree, sampled every 50 ms. CPU s counts the process and the children it waited for: Spark's JVM, which "
         "its Python driver does not wait for, is not in it. bench/avro_section.py says what each row runs.\n" % (
             fmt(a["records"]), a["partitions"], a["value_bytes"], a["value_bytes_min"], a["value_bytes_max"],
             a["master"], a["threads"], a["rounds"]),
         "| run | wall s | records/s | CPU s | peak RSS MiB (tree) | load average before each round |",
         "|---|---|---|---|---|---|"]
    for r in a["rows"]:
        if "na" in r:
            L.append("| %s | %s | | | | |" % (r["tool"], r["na"]))
            continue
        L.append("| %s | %s | %s | %s | %s | %s |" % (
            r["tool"], mmm(r["wall_s"], 2), mmm(r["records_per_s"], 0), mmm(r["cpu_s"], 2), mmm(r["tree_rss_mib"], 0),
            ", ".join("%.1f" % x for x in r.get("load_average", []))))
    L.append("\nRatios, round by round (median (min-max)):\n")
    names = {"avro_speed_to_bytes": "Avro's records/s to bytes' (bytes wall / Avro wall)",
             "avro_cpu_to_bytes": "the Avro run's CPU time to the bytes run's (steadier than wall here)",
             "avro_speed_to_spark": "streamsubmit's Avro records/s to Spark's (Spark wall / streamsubmit wall)",
             "spark_rss_to_avro": "Spark's peak RSS to streamsubmit's"}
    for k, v in a["ratios"].items():
        L.append("- %s: %s" % (names[k], mmm(v, 2)))
    L.append("\nRegistry requests per Avro run (through a counting proxy; one schema id): %s; paths: %s. "
             "Load average (1, 5, 15 min) at the end: %s." % (
                 ", ".join(str(n) for n in a["registry_requests_per_run"]), ", ".join(a["registry_paths"]) or "none",
                 " ".join("%.2f" % x for x in a["load_average"])))
    return L
