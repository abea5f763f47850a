#!/usr/bin/env python3
"""The resolved-graph cache (cache/graphs/*.json): a warm run reads the graph, not the POMs, and
makes no request; changing an input (exclusions, repositories, coordinates) or letting the TTL
expire gives a fresh resolution; a damaged entry is a miss, replaced; warnings come back."""
import glob
import os
import shutil
import tempfile
import time

import harness
from harness import check

A = harness.args()
REPO = tempfile.mkdtemp(prefix="ss-graph-repo-")
G = "com.graph"


def build_repo():
    harness.add_artifact(REPO, G, "app", "1.0", [(G, "lib", "[1.0,)"), (G, "other", "1.0"), (G, "nopom", "1.0")])
    harness.add_artifact(REPO, G, "lib", "1.0")
    harness.add_metadata(REPO, G, "lib", ["1.0"])
    harness.add_artifact(REPO, G, "other", "1.0")
    harness.write(os.path.join(REPO, harness.gpath(G), "nopom", "1.0", "nopom-1.0.jar"), b"no POM\n" * 30)


build_repo()
SERVER, STATE, URL = harness.repo_server.start(REPO)


def resolve(env, *extra):
    before = len(STATE.requests)
    rc, out, err = env.run("resolve", "--default-repositories", URL, "--no-local-repository", "--list", *extra,
                           G + ":app:1.0")
    check(rc == 0, "resolve failed", out, err)
    return [l.split(" -- ")[0] for l in out.splitlines()], err, STATE.requests[before:]


def drop_cached_poms(env):
    """Without the graph cache a resolution would have to fetch these again."""
    poms = [p for p in harness.cache_files(env.cache) if p.endswith(".pom")]
    check(poms, "expected cached POMs")
    for p in poms:
        os.remove(p)


def graph_entries(env):
    return glob.glob(os.path.join(env.cache, "graphs", "*.json"))


def test_warm_run_reads_the_graph_and_makes_no_request():
    env = harness.Env(A.binary)
    cold, err, reqs = resolve(env)
    check(G + ":lib:jar:1.0:compile" in cold and G + ":other:jar:1.0:compile" in cold, "cold list", cold)
    check(len(graph_entries(env)) == 1, "one graph entry after a cold run", harness.cache_files(env.cache))
    check(not glob.glob(os.path.join(env.cache, "graphs", "*tmp*")), "a temporary file was left behind")
    drop_cached_poms(env)
    warm, warm_err, reqs = resolve(env)
    check(warm == cold, "the warm graph differs", warm, cold)
    check(reqs == [], "the warm run made requests", reqs)
    check("nopom" in warm_err and "warning" in warm_err, "the missing-POM warning must come back", warm_err)
    env.cleanup()


def test_changed_inputs_resolve_afresh():
    env = harness.Env(A.binary)
    cold, _, _ = resolve(env)
    drop_cached_poms(env)
    # another exclusion: a fresh resolution (it fetches the POMs it needs again)
    excluded, _, reqs = resolve(env, "--exclude-packages", G + ":other")
    check(not any(":other:" in l for l in excluded), "exclusion ignored", excluded)
    check(any(r.endswith("/app-1.0.pom") for r in reqs), "an exclusion change must resolve afresh", reqs)
    # another repository list: fresh too
    other_repo = tempfile.mkdtemp(prefix="ss-graph-empty-")
    drop_cached_poms(env)
    with_repo, _, reqs = resolve(env, "--repositories", "file://" + other_repo)
    check(with_repo == cold, "an empty extra repository changed the graph", with_repo, cold)
    check(any(r.endswith("/app-1.0.pom") for r in reqs), "a repository change must resolve afresh", reqs)
    check(len(graph_entries(env)) == 3, "one entry per set of inputs", graph_entries(env))
    shutil.rmtree(other_repo, ignore_errors=True)
    env.cleanup()


def test_ttl_expiry_sees_a_new_version():
    env = harness.Env(A.binary)
    cold, _, _ = resolve(env)
    check(G + ":lib:jar:1.0:compile" in cold, "cold", cold)
    harness.add_artifact(REPO, G, "lib", "1.1")
    harness.add_metadata(REPO, G, "lib", ["1.0", "1.1"])
    try:
        within, _, reqs = resolve(env)
        check(within == cold and reqs == [], "within the TTL the cached graph stands", within, reqs)
        time.sleep(2.2)
        expired, _, reqs = resolve(env, "--ttl", "2s")
        check(G + ":lib:jar:1.1:compile" in expired, "after the TTL the range must see lib 1.1", expired, reqs)
        again, _, reqs = resolve(env, "--ttl", "1h")
        check(again == expired and reqs == [], "the fresh graph is cached in turn", again, reqs)
    finally:
        shutil.rmtree(os.path.join(REPO, harness.gpath(G), "lib", "1.1"))
        harness.add_metadata(REPO, G, "lib", ["1.0"])
    env.cleanup()


def test_damaged_entry_is_a_miss_and_replaced():
    env = harness.Env(A.binary)
    cold, _, _ = resolve(env)
    [entry] = graph_entries(env)
    with open(entry, "r+b") as f:
        f.truncate(os.path.getsize(entry) // 2)  # a torn write (as if not written atomically)
    again, err, _ = resolve(env)
    check(again == cold, "a damaged entry changed the answer", again, err)
    with open(entry, "rb") as f:
        check(f.read().rstrip().endswith(b"}"), "the damaged entry was not replaced")
    drop_cached_poms(env)
    warm, _, reqs = resolve(env)
    check(warm == cold and reqs == [], "the replaced entry must serve the next run", reqs)
    env.cleanup()


if __name__ == "__main__":
    try:
        raise SystemExit(harness.run_tests([test_warm_run_reads_the_graph_and_makes_no_request,
                                            test_changed_inputs_resolve_afresh, test_ttl_expiry_sees_a_new_version,
                                            test_damaged_entry_is_a_miss_and_replaced], A.tests))
    finally:
        SERVER.shutdown()
        shutil.rmtree(REPO, ignore_errors=True)
