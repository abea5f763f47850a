#!/usr/bin/env python3
"""Each repository fault gives a clear error and exit code 5, and leaves the cache
consistent: a later run against the healthy repository, with the same cache, succeeds."""
import os
import tempfile
import time

import harness
from harness import check

A = harness.args()
REPO = tempfile.mkdtemp(prefix="ss-repo-")
harness.build_small_repo(REPO)
SERVER, STATE, URL = harness.repo_server.start(REPO)
LIBC_JAR = "/com/example/libc/1.0/libc-1.0.jar"
LIBA_POM = "/com/example/liba/1.0/liba-1.0.pom"


def faulty(suffix, fault, expect_rc, expect_text, extra_env=None, flags=()):
    env = harness.Env(A.binary)
    STATE.faults = {suffix: fault}
    STATE.counts.clear()
    try:
        t0 = time.time()
        rc, out, err = env.resolve(URL, "com.example:app:1.0", *flags, env=extra_env)
        elapsed = time.time() - t0
    finally:
        STATE.faults = {}
    check(rc == expect_rc, "%s on %s: exit %d, expected %d" % (fault, suffix, rc, expect_rc), out, err)
    for text in expect_text:
        check(text in err, "%s: message lacks %r" % (fault, text), err)
    if expect_rc != 0:
        check("hint:" in err, "no hint", err)
        # nothing of the faulty file may be in the cache under its real name
        target = [f for f in harness.cache_files(env.cache) if f.endswith(suffix)]
        check(not target, "%s left %s in the cache" % (fault, target))
    rc2, out2, err2 = env.resolve(URL, "com.example:app:1.0")
    check(rc2 == 0, "%s: a clean run after the fault failed" % fault, err2)
    check("libc-1.0.jar" in out2, "clean run output", out2)
    env.cleanup()
    return err, elapsed


def test_503_then_ok():
    err, _ = faulty(LIBC_JAR, "503x2", 0, [])
    check(STATE.counts.get(LIBC_JAR, 0) >= 1, "counted")


def test_503_forever():
    faulty(LIBC_JAR, "503x99", 5, ["unexpected HTTP status 503 after 4 attempt(s)", URL + LIBC_JAR])


def test_stall():
    err, elapsed = faulty(LIBC_JAR, "stall", 5, ["timed out", URL + LIBC_JAR], {"STREAMSUBMIT_HTTP_RETRIES": "1"})
    check(elapsed < 20, "stall took %.1fs" % elapsed)


def test_truncated():
    faulty(LIBC_JAR, "truncate", 5, ["download failed", URL + LIBC_JAR], {"STREAMSUBMIT_HTTP_RETRIES": "1"})


def test_wrong_checksum():
    err, _ = faulty(LIBC_JAR, "badsum", 5, ["checksum mismatch", "expected " + "0" * 40, "actual ", URL + LIBC_JAR + ".sha1"])


def test_missing_checksum():
    err, _ = faulty(LIBC_JAR, "nosum", 0, ["warning: no checksum published for " + URL + LIBC_JAR])
    faulty(LIBC_JAR, "nosum", 5, ["no checksum file"], flags=("--checksum-policy", "fail"))


def test_redirect_loop():
    faulty(LIBC_JAR, "loop", 5, ["redirects", URL + LIBC_JAR])


def test_401_403():
    faulty(LIBC_JAR, "401", 5, ["HTTP 401", "sent no credentials"])
    faulty(LIBC_JAR, "403", 5, ["HTTP 403"])


def test_html_page():
    faulty(LIBC_JAR, "html", 5, ["HTML page", URL + LIBC_JAR])


def test_malformed_pom():
    faulty(LIBA_POM, "malformed", 5, ["malformed POM at line 3", URL + LIBA_POM])


def test_malformed_metadata():
    STATE.faults = {}
    faulty("/com/example/libb/maven-metadata.xml", "malformed", 5, ["maven-metadata.xml", "line"])


def test_too_large():
    faulty(LIBC_JAR, "none", 5, ["larger than the maximum size of 100 bytes"],
           {"STREAMSUBMIT_HTTP_MAX_SIZE": "100"})


def test_connect_timeout():
    """A server whose accept queue is full never completes a TCP handshake: connect times out."""
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept backlog; later SYNs are dropped
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.2)
    env = harness.Env(A.binary)
    try:
        t0 = time.time()
        rc, out, err = env.resolve("http://127.0.0.1:%d/repo" % port, "com.example:app:1.0",
                                   env={"STREAMSUBMIT_HTTP_TIMEOUT": "2", "STREAMSUBMIT_HTTP_RETRIES": "1"})
        elapsed = time.time() - t0
        check(rc == 5, "connect timeout: exit %d, expected 5" % rc, err)
        check("127.0.0.1:%d" % port in err and "hint:" in err, "connect timeout message", err)
        check(elapsed < 20, "connect timeout took %.1fs" % elapsed)
    finally:
        env.cleanup()
        for c in fillers:
            c.close()
        srv.close()


if __name__ == "__main__":
    raise SystemExit(harness.run_tests(
        [test_503_then_ok, test_503_forever, test_stall, test_truncated, test_wrong_checksum, test_missing_checksum,
         test_redirect_loop, test_401_403, test_html_page, test_malformed_pom, test_malformed_metadata, test_too_large, test_connect_timeout], A.tests))
