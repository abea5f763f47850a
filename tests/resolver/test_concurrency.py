#!/usr/bin/env python3
"""Concurrency: 8 processes resolving the same packages into one cache all succeed with
identical results and an uncorrupted cache; kill -9 in the middle of a download leaves
nothing a later run uses."""
import os
import signal
import subprocess
import tempfile
import time

import harness
from harness import check

A = harness.args()
REPO = tempfile.mkdtemp(prefix="ss-repo-")
harness.build_small_repo(REPO)
# a wider graph with bigger files, so the processes really overlap
G = "com.wide"
deps = []
for i in range(24):
    harness.add_artifact(REPO, G, "lib%02d" % i, "1.0", content=os.urandom(256 * 1024))
    deps.append((G, "lib%02d" % i, "1.0"))
harness.add_artifact(REPO, G, "all", "1.0", deps + [("com.example", "app", "1.0")])
SERVER, STATE, URL = harness.repo_server.start(REPO)


def source_of(cached):
    rel = cached.split("/http/127.0.0.1:%d/" % SERVER.server_address[1], 1)[1]
    return os.path.join(REPO, rel)


def test_eight_processes_one_cache():
    env = harness.Env(A.binary)
    STATE.faults = {"/lib05-1.0.jar": "slow", "/lib17-1.0.jar": "slow"}
    try:
        procs = [subprocess.Popen([A.binary, "resolve", "--default-repositories", URL, "--list", "com.wide:all:1.0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env.env())
                 for _ in range(8)]
        results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    finally:
        STATE.faults = {}
    for out, err, rc in results:
        check(rc == 0, "a concurrent resolve failed", err)
    outs = {r[0] for r in results}
    check(len(outs) == 1, "the processes disagree", *outs)
    lines = results[0][0].splitlines()
    check(len(lines) == 29, "expected 29 artifacts, got %d" % len(lines), results[0][0])
    for line in lines:
        path = line.split(" -- ")[1]
        check(harness.sha256(path) == harness.sha256(source_of(path)), "corrupt cache file " + path)
    leftovers = [f for f in harness.cache_files(env.cache) if ".part-" in f]
    check(not leftovers, "temporary files left: %s" % leftovers)
    # each file was downloaded about once, not 8 times
    jar_gets = [r for r in STATE.requests if r.endswith("/lib05-1.0.jar")]
    check(len(jar_gets) <= 2, "lib05 downloaded %d times" % len(jar_gets))
    env.cleanup()


def test_kill_during_download():
    env = harness.Env(A.binary)
    big = "/com/wide/lib09/1.0/lib09-1.0.jar"
    STATE.faults = {big: "slow"}
    STATE.counts.clear()
    try:
        p = subprocess.Popen([A.binary, "resolve", "--default-repositories", URL, "com.wide:all:1.0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env.env())
        deadline = time.time() + 60
        while STATE.counts.get(big, 0) == 0 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the 3 s body
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    finally:
        STATE.faults = {}
    check(STATE.counts.get(big, 0) >= 1, "the slow download never started")
    files = harness.cache_files(env.cache)
    target = [f for f in files if f.endswith("lib09-1.0.jar")]
    partial = [f for f in files if "lib09-1.0.jar.part-" in f]
    check(not target, "a killed download left the file under its real name: %s" % target)
    check(partial, "expected a .part file from the killed download (test did not kill mid-download?)")
    rc, out, err = env.resolve(URL, "--list", "com.wide:all:1.0")
    check(rc == 0, "the run after kill -9 failed", err)
    path = [l for l in out.splitlines() if "lib09" in l][0].split(" -- ")[1]
    check(harness.sha256(path) == harness.sha256(source_of(path)), "the file after kill -9 is corrupt")
    check(not [f for f in harness.cache_files(env.cache) if ".part-" in f], "the dead download's .part stayed")
    env.cleanup()


if __name__ == "__main__":
    raise SystemExit(harness.run_tests([test_eight_processes_one_cache, test_kill_during_download], A.tests))
