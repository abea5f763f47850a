"""Against a real broker of its own, with TLS and SASL listeners besides the plaintext one:
refused certificates and logins (SASL PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) end the job at
once with exit 4 naming the cause, secrets come from the environment, and stopping (after a
signal, or the teardown after the last batch) is bounded when the broker is paused (SIGSTOP)
or in the middle of a rebalance.

The broker is this file's own (its listeners differ from the fixture's, and SIGSTOP would
disturb other tests): scripts/kafka-up with KAFKA_EXTRA_PROPERTIES; certificates are made
with openssl in a temporary directory."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import kafka_harness as kh
from streamsubmit_test import EXIT_KAFKA, EXIT_OK, main, output_of, parse_text_report, run, start, wait_for

EXIT_STOP_TIMEOUT = 7
PASSWORD = "alice-secret"
SCRAM_USER, SCRAM_PASSWORD = "bob", "bob-scram-secret"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
TOPIC_PARTITIONS = 2
OAUTH_SCOPE = "streamsubmit-read"  # the broker's unsecured validator requires it in the token


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=120)


def make_certificates(d):
    """A CA, and a broker certificate it signed for IP 127.0.0.1 only, as a PKCS12 keystore."""
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    p = lambda name: os.path.join(d, name)  # noqa: E731
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.crt"),
            "-days", "2", "-subj", "/CN=streamsubmit test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("broker.key"), "-out", p("broker.csr"),
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", p("broker.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
            "-out", p("broker.crt"), "-days", "2", "-extfile", p("ext.cnf"))
    openssl("pkcs12", "-export", "-in", p("broker.crt"), "-inkey", p("broker.key"), "-out", p("broker.p12"),
            "-passout", "pass:keystore-secret", "-name", "broker")
    return p("ca.crt"), p("broker.p12")


class SecureBroker(kh.KafkaBroker):
    """A broker with SSL and SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256/512) listeners next to PLAINTEXT.
    SCRAM users are created after the start with kafka-configs (create_scram_user)."""

    def __init__(self, keystore):
        super().__init__(reuse=False, start_timeout=180)
        self.keystore = keystore
        self.ssl_port = self.sasl_port = None

    def _env(self):
        env = super()._env()
        self.ssl_port, self.sasl_port, cport = kh.free_port(), kh.free_port(), kh.free_port()
        env["KAFKA_CONTROLLER_PORT"] = str(cport)
        jaas = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
                f'password="admin-secret" user_admin="admin-secret" user_alice="{PASSWORD}";')
        env["KAFKA_EXTRA_PROPERTIES"] = "\n".join([
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{cport},"
            f"SSL://127.0.0.1:{self.ssl_port},SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port},SSL://127.0.0.1:{self.ssl_port},"
            f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,"
            "SASL_PLAINTEXT:SASL_PLAINTEXT",
            f"ssl.keystore.location={self.keystore}", "ssl.keystore.type=PKCS12",
            "ssl.keystore.password=keystore-secret", "ssl.key.password=keystore-secret",
            "sasl.enabled.mechanisms=PLAIN,OAUTHBEARER," + ",".join(SCRAM_MECHANISMS),
            f"listener.name.sasl_plaintext.plain.sasl.jaas.config={jaas}",
            "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config="
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
            f'unsecuredLoginStringClaim_sub="admin" unsecuredValidatorRequiredScope="{OAUTH_SCOPE}";',
        ] + [f"listener.name.sasl_plaintext.{m.lower()}.sasl.jaas.config="
             "org.apache.kafka.common.security.scram.ScramLoginModule required;" for m in SCRAM_MECHANISMS])
        return env

    def create_scram_user(self, user, password):
        """Through the PLAINTEXT listener (KRaft keeps SCRAM credentials in its metadata log)."""
        for m in SCRAM_MECHANISMS:  # one per request: the broker refuses altering a user twice in one
            kh.kafka_tool("kafka-configs", "--bootstrap-server", self.bootstrap, "--alter", "--add-config",
                          f"{m}=[iterations=4096,password={password}]", "--entity-type", "users", "--entity-name", user)
        kh.wait_for(lambda: all(m in kh.kafka_tool("kafka-configs", "--bootstrap-server", self.bootstrap,
                                                   "--describe", "--entity-type", "users", "--entity-name",
                                                   user).stdout.decode() for m in SCRAM_MECHANISMS),
                    timeout=60, what=f"SCRAM credentials of {user}")

    def pid(self):
        with open(os.path.join(self.data_dir, "kafka.pid")) as f:
            return int(f.read())


def setUpModule():
    global BROKER, CA, TMP, TOPIC
    if shutil.which("openssl") is None:
        raise AssertionError("the openssl command is missing: run scripts/setup")  # no silent skip
    TMP = tempfile.mkdtemp(prefix="ss-kafka-hardening-")
    CA, keystore = make_certificates(TMP)
    BROKER = SecureBroker(keystore)
    BROKER.start()
    try:
        BROKER.create_scram_user(SCRAM_USER, SCRAM_PASSWORD)
        TOPIC = kh.unique_name("secure")
        kh.create_topic(TOPIC, TOPIC_PARTITIONS, bootstrap=BROKER.bootstrap)
        kh.produce(BROKER.bootstrap, TOPIC, 200)
    except BaseException:
        tearDownModule()  # unittest does not call it when setUpModule fails: no broker left behind
        raise


def tearDownModule():
    BROKER.stop()
    shutil.rmtree(TMP, ignore_errors=True)


def timed(args, env=None):
    started = time.monotonic()
    proc = run(args, timeout=120, env=env)
    return proc, time.monotonic() - started


class RefusedCertificatesAndLogins(unittest.TestCase):
    # Longer than any of these jobs may take: an error only after the request timeout fails.
    COMMON = ["--until", "latest", "--conf", "kafka.auto.offset.reset=earliest",
              "--conf", "stream.kafka.requestTimeout=60s"]

    def assert_refused(self, proc, took, cause):
        self.assertEqual(proc.returncode, EXIT_KAFKA, proc.stderr)
        self.assertIn("streamsubmit: error: ", proc.stderr)
        self.assertIn(cause, proc.stderr.split("streamsubmit: error: ", 1)[1])
        self.assertNotIn("cannot reach Kafka", proc.stderr)
        self.assertLess(took, 30, f"took {took:.1f} s: the job waited instead of ending at the refusal")

    def test_untrusted_certificate(self):
        proc, took = timed(["--bootstrap-servers", f"127.0.0.1:{BROKER.ssl_port}", "--topics", TOPIC,
                            "--conf", "kafka.security.protocol=SSL"] + self.COMMON)
        self.assert_refused(proc, took, "certificate not trusted")
        self.assertIn("kafka.ssl.ca.location", proc.stderr)  # the hint

    def test_host_name_mismatch(self):
        proc, took = timed(["--bootstrap-servers", f"localhost:{BROKER.ssl_port}", "--topics", TOPIC,
                            "--conf", "kafka.security.protocol=SSL", "--conf", f"kafka.ssl.ca.location={CA}"]
                           + self.COMMON)
        self.assert_refused(proc, took, "host name mismatch")

    def test_trusted_certificate_reads(self):
        proc = run(["--bootstrap-servers", f"127.0.0.1:{BROKER.ssl_port}", "--topics", TOPIC,
                    "--conf", "kafka.security.protocol=SSL", "--conf", f"kafka.ssl.ca.location={CA}"] + self.COMMON,
                   timeout=120)
        self.assertEqual(proc.returncode, EXIT_OK, proc.stderr)
        self.assertEqual(sum(b["records"] for b in parse_text_report(proc.stdout)), 200)

    def sasl(self, password_ref, env, mechanism="PLAIN", user="alice"):
        return timed(["--bootstrap-servers", f"127.0.0.1:{BROKER.sasl_port}", "--topics", TOPIC,
                      "--conf", "kafka.security.protocol=SASL_PLAINTEXT", "--conf", f"kafka.sasl.mechanism={mechanism}",
                      "--conf", f"kafka.sasl.username={user}", "--conf", f"kafka.sasl.password={password_ref}"]
                     + self.COMMON, env=env)

    def test_wrong_password(self):
        proc, took = self.sasl("env:SS_TEST_KAFKA_PASSWORD", {"SS_TEST_KAFKA_PASSWORD": "not-the-password"})
        self.assert_refused(proc, took, "authentication failed for mechanism PLAIN")
        self.assertNotIn("not-the-password", proc.stderr)

    def test_password_from_the_environment_reads(self):
        proc, _ = self.sasl("env:SS_TEST_KAFKA_PASSWORD", {"SS_TEST_KAFKA_PASSWORD": PASSWORD})
        self.assertEqual(proc.returncode, EXIT_OK, proc.stderr)
        self.assertEqual(sum(b["records"] for b in parse_text_report(proc.stdout)), 200)

    def oauthbearer(self, scope):
        """An unsecured JWS token (librdkafka makes it from sasl.oauthbearer.config, here from the
        environment); the broker's unsecured validator accepts only tokens with OAUTH_SCOPE."""
        return timed(["--bootstrap-servers", f"127.0.0.1:{BROKER.sasl_port}", "--topics", TOPIC,
                      "--conf", "kafka.security.protocol=SASL_PLAINTEXT", "--conf", "kafka.sasl.mechanism=OAUTHBEARER",
                      "--conf", "kafka.enable.sasl.oauthbearer.unsecure.jwt=true",
                      "--conf", "kafka.sasl.oauthbearer.config=env:SS_TEST_OAUTH_CONFIG"] + self.COMMON,
                     env={"SS_TEST_OAUTH_CONFIG": f"principal=alice scope={scope}"})

    def test_oauthbearer_token_refused(self):
        proc, took = self.oauthbearer("some-other-scope")
        self.assert_refused(proc, took, "authentication failed for mechanism OAUTHBEARER")
        self.assertNotIn("some-other-scope", proc.stderr)

    def test_oauthbearer_token_accepted_reads(self):
        proc, _ = self.oauthbearer(OAUTH_SCOPE)
        self.assertEqual(proc.returncode, EXIT_OK, proc.stderr)
        self.assertEqual(sum(b["records"] for b in parse_text_report(proc.stdout)), 200)

    def test_scram_wrong_password(self):
        for mechanism in SCRAM_MECHANISMS:
            with self.subTest(mechanism=mechanism):
                proc, took = self.sasl("env:SS_TEST_KAFKA_PASSWORD", {"SS_TEST_KAFKA_PASSWORD": "not-the-password"},
                                       mechanism, SCRAM_USER)
                self.assert_refused(proc, took, f"authentication failed for mechanism {mechanism}")
                self.assertNotIn("not-the-password", proc.stderr)

    def test_scram_password_from_the_environment_reads(self):
        for mechanism in SCRAM_MECHANISMS:
            with self.subTest(mechanism=mechanism):
                proc, _ = self.sasl("env:SS_TEST_KAFKA_PASSWORD", {"SS_TEST_KAFKA_PASSWORD": SCRAM_PASSWORD},
                                    mechanism, SCRAM_USER)
                self.assertEqual(proc.returncode, EXIT_OK, proc.stderr)
                self.assertEqual(sum(b["records"] for b in parse_text_report(proc.stdout)), 200)


def wait_broker_leads(topic):
    """After a SIGCONT, the next test starts only once the resumed broker answers metadata again
    with a leader for every partition of `topic` (a broker paused longer than
    broker.session.timeout.ms may be fenced by its controller until it registers again)."""
    kh.wait_partitions_led(topic, TOPIC_PARTITIONS, BROKER.bootstrap, timeout=120)


class BoundedShutdown(unittest.TestCase):
    """A stop is bounded by stream.stopTimeout whatever the broker does."""

    def receiver(self, group, *extra):
        return start(["--mode", "receiver", "--group", group, "--bootstrap-servers", BROKER.bootstrap,
                      "--topics", TOPIC, "--batch-interval", "500ms", "--conf", "stream.stopTimeout=5s"] + list(extra))

    def assert_stops_in_time(self, job, limit=30):
        signalled = time.monotonic()
        job.send_signal(signal.SIGTERM)
        try:
            job.wait(timeout=limit + 30)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait()
            raise AssertionError("the job ignored SIGTERM:\n" + output_of(job)[1][-3000:])
        took = time.monotonic() - signalled
        self.assertIn(job.returncode, (EXIT_OK, EXIT_STOP_TIMEOUT), output_of(job)[1][-3000:])
        self.assertLess(took, limit, f"stopping took {took:.1f} s with stream.stopTimeout=5s")

    def test_mid_rebalance(self):
        group = kh.unique_name("g")
        first = self.receiver(group)
        second = None
        try:
            wait_for(lambda: "batch " in output_of(first)[0] or first.poll() is not None, timeout=120,
                     what="the first receiver's first batch", jobs=[first])
            second = self.receiver(group)  # joining makes the group rebalance
            time.sleep(0.5)
            self.assert_stops_in_time(first)
            self.assert_stops_in_time(second)
        finally:
            for p in (first, second):
                if p and p.poll() is None:
                    p.kill()
                    p.wait()

    def test_zz_teardown_after_the_last_batch_with_the_broker_paused(self):
        """--max-batches ends the job normally; the broker is paused (SIGSTOP) right after the last
        batch was output (in the test hook's pause before it is marked complete), so the receivers'
        last commits and every consumer's close meet a broker that never answers: stream.stopTimeout
        bounds that teardown in both modes (each commit and each close gets a third of it), and the
        job still exits 0 with every record reported."""
        topic = kh.unique_name("teardown")
        kh.create_topic(topic, TOPIC_PARTITIONS, bootstrap=BROKER.bootstrap)
        kh.produce(BROKER.bootstrap, topic, 200)
        # Long enough that both jobs are inside their last batch's pause at once.
        hook = {"STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS": "10000"}
        common = ["--bootstrap-servers", BROKER.bootstrap, "--batch-interval", "3s", "--max-batches", "2",
                  "--conf", "stream.stopTimeout=3s", "--conf", "kafka.auto.offset.reset=earliest"]
        jobs = {
            "receiver": start(["--mode", "receiver", "--group", kh.unique_name("g"), "--topics", f"{topic}:4"] + common,
                              env=hook),
            "direct": start(["--topics", topic] + common, env=hook),
        }
        pid = BROKER.pid()
        paused_at = None

        def both_output(batch):
            wait_for(lambda: all(f"test hook: batch {batch} was output" in output_of(job)[1] or job.poll() is not None
                                 for job in jobs.values()), timeout=120, what=f"both jobs' batch {batch}",
                     jobs=list(jobs.values()))

        try:
            # Records for the last batch too: its commit is the receivers' last, and it must meet
            # the paused broker (when every record was in batch 0, that commit could come before
            # the pause or not at all, and the test passed or failed by timing).
            both_output(0)
            kh.produce(BROKER.bootstrap, topic, 50, start=200)
            both_output(1)
            os.kill(pid, signal.SIGSTOP)
            paused_at = time.monotonic()
            for name, job in jobs.items():  # the pause must still be on: the teardown comes after it
                self.assertIsNone(job.poll(), f"{name}: ended before the broker was paused:\n{output_of(job)[1]}")
            for name, job in jobs.items():
                try:
                    job.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    raise AssertionError(f"{name}: still closing 60 s after the broker was paused")
                took = time.monotonic() - paused_at
                out, err = output_of(job)
                self.assertEqual(job.returncode, EXIT_OK, err[-3000:])
                batches = parse_text_report(out)
                self.assertEqual([b["records"] for b in batches][1:], [50], out)  # the last batch held the new ones
                self.assertEqual(sum(b["records"] for b in batches), 250, out)
                # At most 10 s of the hook's pause, then at most 3 s: four receivers' consumers took
                # 4 x 10 s before.
                self.assertLess(took, 25, f"{name}: teardown took {took:.1f} s with stream.stopTimeout=3s")
            # The receivers' last commit did meet the paused broker, and waited a third of
            # stream.stopTimeout for it; then the group leave and the close were bounded the same
            # way (a close took 10 s per consumer before). The job's four receiver threads share one
            # consumer (issue 21), so the teardown is one bounded close: no longer four in a row
            # that only stream.stopTimeout itself cut short.
            err = output_of(jobs["receiver"])[1]
            self.assertIn("offsets got no answer within 1 s", err)
            self.assertIn("leaving the consumer group did not finish within 0.5 s", err)
            self.assertIn("the consumer did not close within 1 s", err)
            self.assertEqual(err.count("leaving the consumer group did not finish"), 1, err)
            self.assertNotIn("stream.stopTimeout", err)  # bounded by the plugin, not cut short by the host
        finally:
            os.kill(pid, signal.SIGCONT)
            for job in jobs.values():
                if job.poll() is None:
                    job.kill()
                    job.wait()
            wait_broker_leads(topic)

    def test_zz_broker_paused_with_sigstop(self):  # last: the broker is paused meanwhile
        direct = start(["--bootstrap-servers", BROKER.bootstrap, "--topics", TOPIC, "--batch-interval", "500ms",
                        "--conf", "kafka.auto.offset.reset=earliest", "--conf", "stream.stopTimeout=5s",
                        "--conf", "stream.kafka.requestTimeout=120s"])
        receiver = self.receiver(kh.unique_name("g"))
        pid = BROKER.pid()
        try:
            for job in (direct, receiver):
                wait_for(lambda: "batch " in output_of(job)[0] or job.poll() is not None, timeout=120,
                         what="a first batch", jobs=[job])
            os.kill(pid, signal.SIGSTOP)
            time.sleep(2)
            self.assert_stops_in_time(direct)
            self.assert_stops_in_time(receiver)
        finally:
            os.kill(pid, signal.SIGCONT)
            for p in (direct, receiver):
                if p.poll() is None:
                    p.kill()
                    p.wait()
            wait_broker_leads(TOPIC)


if __name__ == "__main__":
    main()
