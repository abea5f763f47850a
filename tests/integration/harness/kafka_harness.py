"""Helpers for integration tests against a real Apache Kafka broker (stdlib only).

The broker comes from scripts/kafka-up (Apache Kafka jars fetched with mvn, KRaft, one node
on 127.0.0.1) and goes away with scripts/kafka-down. Kafka's own tools run through
scripts/kafka-tool; records are produced and consumed with kcat (librdkafka).

One broker per test class::

    from kafka_harness import KafkaBroker
    import kafka_harness as kh

    class T(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.broker = KafkaBroker()          # free port, temp data dir
            cls.bootstrap = cls.broker.start()  # or: with KafkaBroker() as bootstrap: ...
        @classmethod
        def tearDownClass(cls):
            cls.broker.stop()

        def test_x(self):
            kh.create_topic("in", 3)                     # bootstrap defaults to the broker
            kh.produce(self.bootstrap, "in", 30000)
            self.assertEqual(sum(kh.get_offsets("in").values()), 30000)

One broker for many tests (a ctest fixture): run `KAFKA_PORT=P scripts/kafka-up` as the
FIXTURES_SETUP test, `KAFKA_PORT=P scripts/kafka-down` as FIXTURES_CLEANUP, and give the
tests STREAMSUBMIT_TEST_BOOTSTRAP=127.0.0.1:P. KafkaBroker then starts nothing and stops
nothing, and the helpers default to that address. Tests sharing a broker must use topic and
group names of their own (see unique_name()).

KAFKA_VERSION in the environment selects the Kafka version of scripts/kafka-up and of the
tools (default: the one in scripts/lib/kafka.sh).

`bootstrap` is a keyword-only argument of every helper but produce() and
produce_transactional() (whose first argument it is); it defaults to the started
KafkaBroker, then to STREAMSUBMIT_TEST_BOOTSTRAP. Helpers that run a Kafka tool
(create_topic, get_offsets, delete_records, add_partitions, consumer_group_offsets, ...)
each start a JVM (~1-1.5 s); kcat-based ones (produce, consume_all, consume_group,
topic_metadata) are fast. See README.md beside this file for timing caveats
(retention, compaction, deleted records, transactions).
"""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
SCRIPTS = os.path.join(REPO_ROOT, "scripts")
KAFKA_UP = os.path.join(SCRIPTS, "kafka-up")
KAFKA_DOWN = os.path.join(SCRIPTS, "kafka-down")
KAFKA_TOOL = os.path.join(SCRIPTS, "kafka-tool")
BOOTSTRAP_ENV = "STREAMSUBMIT_TEST_BOOTSTRAP"

_current_bootstrap = None


class HarnessError(RuntimeError):
    """A helper command failed; the message holds its output."""


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix="t"):
    """A topic/group name no other test uses (for tests sharing one broker)."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def _bootstrap(bootstrap):
    b = bootstrap or _current_bootstrap or os.environ.get(BOOTSTRAP_ENV)
    if not b:
        raise HarnessError("no broker: start a KafkaBroker, pass bootstrap=, or set %s" % BOOTSTRAP_ENV)
    return b


def _run(cmd, *, input=None, timeout=120, check=True, env=None):
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise HarnessError("timed out after %s s: %s\nstderr:\n%s" % (
            timeout, " ".join(map(str, cmd[:8])), (e.stderr or b"").decode(errors="replace")[-4000:]))
    if check and p.returncode != 0:
        raise HarnessError("exit %d: %s\nstdout:\n%s\nstderr:\n%s" % (
            p.returncode, " ".join(map(str, cmd[:12])),
            p.stdout.decode(errors="replace")[-4000:], p.stderr.decode(errors="replace")[-4000:]))
    return p


def kafka_tool(name, *args, timeout=120, check=True):
    """Runs scripts/kafka-tool NAME ARGS...; returns the CompletedProcess (bytes stdout/stderr).
    Skips scripts/setup (kafka-up of the broker ran it already): no apt-get inside tests."""
    env = dict(os.environ, STREAMSUBMIT_KAFKA_NO_SETUP="1")
    return _run([KAFKA_TOOL, name] + [str(a) for a in args], timeout=timeout, check=check, env=env)


class KafkaBroker:
    """A real broker for the duration of a with-block (or start()..stop()).

    Uses the broker of STREAMSUBMIT_TEST_BOOTSTRAP when that is set (and reuse=True):
    then it starts and stops nothing. Otherwise runs scripts/kafka-up with a free
    KAFKA_PORT and a temporary KAFKA_DATA_DIR, and scripts/kafka-down at the end.
    """

    def __init__(self, version=None, reuse=True, extra_properties=None, start_timeout=90):
        self.version = version
        self.reuse = reuse
        self.extra_properties = extra_properties or {}
        self.start_timeout = start_timeout
        self.bootstrap = None
        self.port = None
        self.data_dir = None
        self.owned = False
        self._tmp = None

    def _env(self):
        env = dict(os.environ)
        env["KAFKA_PORT"] = str(self.port)
        env["KAFKA_DATA_DIR"] = self.data_dir
        env["KAFKA_START_TIMEOUT"] = str(self.start_timeout)
        if self.version:
            env["KAFKA_VERSION"] = self.version
        if self.extra_properties:
            env["KAFKA_EXTRA_PROPERTIES"] = "\n".join("%s=%s" % kv for kv in self.extra_properties.items())
        return env

    def start(self):
        """Starts (or adopts) the broker; returns its bootstrap address."""
        global _current_bootstrap
        if self.bootstrap:
            return self.bootstrap
        shared = os.environ.get(BOOTSTRAP_ENV)
        if self.reuse and shared:
            self.bootstrap, self.owned = shared, False
        else:
            last = None
            for _ in range(3):  # the free port may be taken before the broker binds it
                self.port = free_port()
                self._tmp = tempfile.mkdtemp(prefix="streamsubmit-kafka-")
                self.data_dir = os.path.join(self._tmp, "data")
                p = _run([KAFKA_UP], env=self._env(), check=False, timeout=self.start_timeout + 600)
                if p.returncode == 0:
                    self.bootstrap = p.stdout.decode().strip().splitlines()[-1]
                    self.owned = True
                    break
                last = p
                self._cleanup()
            else:
                raise HarnessError("scripts/kafka-up failed:\n" + last.stderr.decode(errors="replace")[-6000:])
        if self.version:
            os.environ["KAFKA_VERSION"] = self.version  # the tools must match the broker
        _current_bootstrap = self.bootstrap
        return self.bootstrap

    def _cleanup(self):
        if self.data_dir:
            _run([KAFKA_DOWN], env=self._env(), check=False, timeout=60)
        if self._tmp and os.path.isdir(self._tmp):
            subprocess.run(["rm", "-rf", self._tmp])
        self._tmp = None

    def stop(self):
        global _current_bootstrap
        if self.owned:
            self._cleanup()
        if _current_bootstrap == self.bootstrap:
            _current_bootstrap = None
        self.bootstrap, self.owned = None, False

    def log_text(self):
        """The broker's log (broker.log in its data dir), or '' for a shared broker."""
        if not self.data_dir:
            return ""
        try:
            with open(os.path.join(self.data_dir, "broker.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def wait_for(predicate, timeout=30.0, interval=0.2, what="condition"):
    """Polls predicate() until it returns a true value (returned); HarnessError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise HarnessError("timed out after %s s waiting for %s" % (timeout, what))
        time.sleep(interval)


def topic_metadata(topic, *, bootstrap=None):
    """{partition: leader broker id} as kcat sees it ({} when the topic is unknown)."""
    p = _run(["kcat", "-b", _bootstrap(bootstrap), "-L", "-t", topic, "-J", "-m", "5"], check=False, timeout=30)
    if p.returncode != 0:
        return {}
    md = json.loads(p.stdout.decode())
    for t in md.get("topics", []):
        if t.get("topic") == topic and not t.get("error"):
            return {pp["partition"]: pp.get("leader") for pp in t.get("partitions", [])}
    return {}


def wait_partitions_led(topic, partitions, bootstrap=None, timeout=30):
    """Waits until `topic` has `partitions` partitions, each with a leader."""
    wait_for(lambda: (lambda md: len(md) == partitions and all(l is not None and l >= 0 for l in md.values()))(
        topic_metadata(topic, bootstrap=bootstrap)), timeout=timeout,
        what="topic %s with %d partitions, each led" % (topic, partitions))


def create_topic(name, partitions=1, config=None, *, bootstrap=None):
    """Creates a topic (replication factor 1) with topic-level config {key: value}, and waits
    until every partition has a leader."""
    b = _bootstrap(bootstrap)
    args = ["--bootstrap-server", b, "--create", "--topic", name, "--partitions", partitions,
            "--replication-factor", 1]
    for k, v in (config or {}).items():
        args += ["--config", "%s=%s" % (k, v)]
    kafka_tool("kafka-topics", *args)
    wait_partitions_led(name, partitions, b)


def delete_topic(name, *, bootstrap=None):
    kafka_tool("kafka-topics", "--bootstrap-server", _bootstrap(bootstrap), "--delete", "--topic", name)


def alter_topic_config(topic, config, *, bootstrap=None):
    """Sets topic-level configs {key: value} (kafka-configs --alter --add-config)."""
    spec = ",".join("%s=%s" % kv for kv in config.items())
    kafka_tool("kafka-configs", "--bootstrap-server", _bootstrap(bootstrap), "--entity-type", "topics",
               "--entity-name", topic, "--alter", "--add-config", spec)


def add_partitions(topic, n, *, bootstrap=None):
    """Adds n partitions to topic (kafka-topics --alter); returns the new partition count."""
    b = _bootstrap(bootstrap)
    total = len(topic_metadata(topic, bootstrap=b)) + n
    set_partitions(topic, total, bootstrap=b)
    return total


def set_partitions(topic, total, *, bootstrap=None):
    """Raises the partition count of topic to total."""
    b = _bootstrap(bootstrap)
    kafka_tool("kafka-topics", "--bootstrap-server", b, "--alter", "--topic", topic, "--partitions", total)
    wait_partitions_led(topic, total, b)


def produce(bootstrap, topic, count, keyed=True, partition=None, start=0, key_prefix="key-",
            value_prefix="value-", compression=None, extra_kcat_args=()):
    """Produces count records with kcat (acks=all); record i has key key_prefix+i (when keyed)
    and value value_prefix+i, for i in start..start+count-1. Keyed records spread over the
    partitions by librdkafka's default partitioner (consistent_random: hash of the key);
    unkeyed ones at random; partition= pins them all to one. Returns count."""
    cmd = ["kcat", "-P", "-b", _bootstrap(bootstrap), "-t", topic, "-X", "acks=all",
           "-X", "linger.ms=5", "-X", "batch.num.messages=10000", "-X", "message.timeout.ms=30000"]
    if keyed:
        cmd += ["-K", "\t"]
    if partition is not None:
        cmd += ["-p", str(partition)]
    if compression:
        cmd += ["-z", compression]
    cmd += list(extra_kcat_args)
    if keyed:
        data = "".join("%s%d\t%s%d\n" % (key_prefix, i, value_prefix, i) for i in range(start, start + count))
    else:
        data = "".join("%s%d\n" % (value_prefix, i) for i in range(start, start + count))
    # kcat exits 1 when a record is not delivered (e.g. unknown topic: auto-creation is off)
    # within message.timeout.ms; transient errors it recovers from are only logged.
    p = _run(cmd, input=data.encode(), timeout=120)
    err = p.stderr.decode(errors="replace")
    if "Delivery failed" in err:
        raise HarnessError("kcat produce reported failed deliveries:\n" + err[-4000:])
    return count


def produce_transactional(bootstrap, topic, committed=10, aborted=10, partition=0, transactional_id=None,
                          key_prefix="k", value_prefix=""):
    """Writes one committed transaction of `committed` records, then one aborted transaction of
    `aborted` records, to one partition, with Kafka's Java producer (scripts/kafka-tool
    txn-producer; kcat cannot do transactions). The aborted records are really in the log (a
    read_uncommitted consumer sees them), each transaction ends with a control record (one
    offset each). Returns {"committed_first", "committed_last", "aborted_first", "aborted_last",
    ...} offsets (-1 for an empty one)."""
    args = ["--bootstrap-server", _bootstrap(bootstrap), "--topic", topic, "--partition", partition,
            "--committed", committed, "--aborted", aborted, "--key-prefix", key_prefix,
            "--value-prefix", value_prefix]
    if transactional_id:
        args += ["--transactional-id", transactional_id]
    p = kafka_tool("txn-producer", *args)
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def delete_records(topic, partition, before_offset, *, bootstrap=None):
    """Deletes the records of topic/partition below before_offset (kafka-delete-records): the
    log start offset becomes before_offset at once; segment files go later."""
    spec = {"version": 1, "partitions": [{"topic": topic, "partition": int(partition), "offset": int(before_offset)}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="delete-records-", delete=False) as f:
        json.dump(spec, f)
        path = f.name
    try:
        p = kafka_tool("kafka-delete-records", "--bootstrap-server", _bootstrap(bootstrap),
                       "--offset-json-file", path)
    finally:
        os.unlink(path)
    out = p.stdout.decode(errors="replace")
    if "error" in out.lower():
        raise HarnessError("kafka-delete-records: " + out)
    return out


def get_offsets(topic, which="latest", *, bootstrap=None):
    """{partition: offset} of topic by kafka-get-offsets: which='latest' (log end offset,
    the default), 'earliest' (log start offset) or a timestamp in ms."""
    if isinstance(which, str) and ":" in which and bootstrap is None:  # get_offsets(topic, "host:port")
        which, bootstrap = "latest", which
    t = {"latest": -1, "earliest": -2}.get(which, which)
    # --topic is a regular expression: escape, then keep only exact matches.
    pattern = "".join("\\" + c if c in ".-" else c for c in topic)
    p = kafka_tool("kafka-get-offsets", "--bootstrap-server", _bootstrap(bootstrap), "--topic", pattern,
                   "--time", t)
    res = {}
    for line in p.stdout.decode().splitlines():
        parts = line.strip().rsplit(":", 2)
        if len(parts) == 3 and parts[0] == topic:
            res[int(parts[1])] = int(parts[2]) if parts[2] not in ("", "-1") else None
    return res


def consumer_group_offsets(group, *, bootstrap=None):
    """{(topic, partition): committed offset (None when the group has none there)} from
    kafka-consumer-groups --describe; {} when the group does not exist or has no offsets."""
    p = kafka_tool("kafka-consumer-groups", "--bootstrap-server", _bootstrap(bootstrap), "--describe",
                   "--group", group, check=False)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        if "does not exist" in out + p.stderr.decode(errors="replace"):
            return {}
        raise HarnessError("kafka-consumer-groups --describe failed:\n" + out + p.stderr.decode(errors="replace"))
    res, header = {}, None
    for line in out.splitlines():
        cols = line.split()
        if not cols:
            continue
        if cols[0] == "GROUP" and "TOPIC" in cols:
            header = cols
            continue
        if header is None or len(cols) < len(header) - 3 or cols[0] != group:
            continue
        row = dict(zip(header, cols))
        try:
            part = int(row["PARTITION"])
        except (KeyError, ValueError):
            continue
        off = row.get("CURRENT-OFFSET", "-")
        res[(row["TOPIC"], part)] = None if off == "-" else int(off)
    return res


def consume_all(topic, *, bootstrap=None, read_committed=True, fmt="%t %p %o\n", timeout=120):
    """Reads topic from the beginning to its current end with kcat (no group): a list of
    (topic, partition, offset) tuples. read_committed=False also shows aborted records.
    With another kcat -f format (e.g. "%p %o %k %s\n") returns kcat's output as text."""
    cmd = ["kcat", "-C", "-b", _bootstrap(bootstrap), "-t", topic, "-o", "beginning", "-e", "-q",
           "-f", fmt, "-X", "isolation.level=%s" % ("read_committed" if read_committed else "read_uncommitted")]
    p = _run(cmd, timeout=timeout)
    if fmt != "%t %p %o\n":
        return p.stdout.decode(errors="replace")
    res = []
    for line in p.stdout.decode().splitlines():
        t, part, off = line.split(" ")
        res.append((t, int(part), int(off)))
    return res


def consume_group(group, topic, *, bootstrap=None, timeout=60):
    """Consumes topic to its end in consumer group `group` with kcat -G (balanced consumer,
    auto-commit, offsets committed on close); returns the number of records read."""
    cmd = ["kcat", "-b", _bootstrap(bootstrap), "-G", group, "-o", "beginning", "-e", "-q", "-f", "%o\n",
           "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", topic]
    p = _run(cmd, timeout=timeout)
    return len(p.stdout.splitlines())


class Producer(threading.Thread):
    """Produces keyed records in small batches until stopped."""

    def __init__(self, bootstrap, topic, per_round=150, pause=0.05):
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.per_round, self.pause = bootstrap, topic, per_round, pause
        self.stopped = threading.Event()
        self.produced = 0
        self.error = None

    def run(self):
        try:
            while not self.stopped.is_set():
                produce(self.bootstrap, self.topic, self.per_round, start=self.produced)
                self.produced += self.per_round
                time.sleep(self.pause)
        except Exception as e:  # reported by stop()
            self.error = e

    def stop(self):
        self.stopped.set()
        self.join(timeout=60)
        if self.error:
            raise self.error
        return self.produced
