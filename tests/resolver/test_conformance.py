#!/usr/bin/env python3
"""Conformance with Maven: for real roots, `streamsubmit resolve --list` equals
`mvn dependency:list` (coordinates, versions, scopes) and `--tree` equals `mvn dependency:tree`.

The fixture is the POM closure of the roots, fetched once by mvn from Maven Central into
$STREAMSUBMIT_TEST_CACHE/resolver-conformance/m2 (default ~/.cache/streamsubmit-tests: outside
the checkout, so fresh clones on one machine share it; POMs and metadata only, served on loopback).
mvn's own answers are recorded next to it: dependency:tree against that POM-only repository,
dependency:list in a throw-away local repository (it needs the jars), deleted afterwards.
Without mvn or network on the first run the test is skipped (exit 77); under CI=true it fails."""
import os
import re
import shutil
import subprocess

import harness
from harness import check

A = harness.args()
TOP = os.path.abspath(os.path.join(harness.HERE, "..", ".."))
TEST_CACHE = os.environ.get("STREAMSUBMIT_TEST_CACHE") or os.path.join(os.path.expanduser("~"), ".cache",
                                                                        "streamsubmit-tests")
FIXTURE = os.path.join(TEST_CACHE, "resolver-conformance")
M2 = os.path.join(FIXTURE, "m2")
EXPECTED = os.path.join(FIXTURE, "expected")
PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

ROOTS = [
    "org.apache.spark:spark-streaming-kafka-0-10_2.13:3.5.1",  # Spark's Kafka integration
    "org.apache.kafka:kafka-clients:3.9.0",
    "com.fasterxml.jackson.core:jackson-databind:2.17.2",       # parent chain + jackson-bom import
    "software.amazon.awssdk:sts:2.25.60",                       # BOM-heavy parent chain
    "com.nimbusds:oauth2-oidc-sdk:9.35",                         # version ranges
]
# Compared with dependency:tree only (dependency:list would download their many jars).
TREE_ONLY_ROOTS = [
    "org.apache.spark:spark-sql-kafka-0-10_2.13:3.5.1",
    "org.apache.kafka:kafka-streams:3.9.0",
    "org.apache.hadoop:hadoop-client:3.3.6",                     # exclusions everywhere
    "org.springframework.boot:spring-boot-starter-web:3.2.0",
    "io.grpc:grpc-netty:1.60.0",
    "com.google.guava:guava:33.0.0-jre",
    "org.apache.parquet:parquet-hadoop:1.13.1",
    "org.apache.avro:avro:1.11.3",
    "org.apache.logging.log4j:log4j-core:2.23.1",
    "io.netty:netty-all:4.1.100.Final",                         # netty-bom import, many modules
]


def probe_project(d, coord):
    g, a, v = coord.split(":")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "pom.xml"), "w") as f:
        f.write("""<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>conformance</groupId><artifactId>probe</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency></dependencies>
</project>
""" % (g, a, v))


def mvn(project, repo_local, goal, output, offline=False):
    cmd = ["mvn", "-B", "-q", "-Dmaven.repo.local=" + repo_local, "%s:%s" % (PLUGIN, goal), "-DoutputFile=" + output]
    if offline:
        cmd.insert(1, "-o")
    p = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=900)
    return p.returncode == 0, p.stdout + p.stderr


def name_of(coord):
    return coord.split(":")[1]


def build_fixture():
    def have(r, ext):
        return os.path.isfile(os.path.join(EXPECTED, name_of(r) + ext))
    needed = [(r, ".tree") for r in ROOTS + TREE_ONLY_ROOTS if not have(r, ".tree")]
    needed += [(r, ".list") for r in ROOTS if not have(r, ".list")]
    if not needed:
        return
    if not shutil.which("mvn"):
        harness.fail_or_skip("mvn not found and no complete fixture in " + FIXTURE)
    os.makedirs(EXPECTED, exist_ok=True)
    work = os.path.join(FIXTURE, "work")
    full = os.path.join(FIXTURE, "m2-full")
    for r, ext in needed:
        d = os.path.join(work, name_of(r))
        probe_project(d, r)
        goal, repo_local = ("tree", M2) if ext == ".tree" else ("list", full)
        tmp = os.path.join(EXPECTED, name_of(r) + ext + ".tmp")
        ok, log = mvn(d, repo_local, goal, tmp)
        if not ok:
            harness.fail_or_skip("mvn dependency:%s failed for %s (no network?)" % (goal, r), log[-2000:])
        os.replace(tmp, os.path.join(EXPECTED, name_of(r) + ext))
    shutil.rmtree(full, ignore_errors=True)  # jars: not needed any more
    shutil.rmtree(work, ignore_errors=True)


build_fixture()
SERVER, STATE, URL = harness.repo_server.start(M2)


def resolve(env, flag, root):
    return env.run("resolve", "--default-repositories", URL, "--no-local-repository", "--no-download", flag, root)


def make_test(root, with_list):
    def test():
        env = harness.Env(A.binary)
        if with_list:
            rc, out, err = resolve(env, "--list", root)
            check(rc == 0, "resolve %s failed" % root, err)
            ours = set(out.splitlines())
            theirs = harness.mvn_list(os.path.join(EXPECTED, name_of(root) + ".list"))
            check(ours == theirs, "dependency:list differs for %s\n only streamsubmit: %s\n only mvn: %s" % (
                root, sorted(ours - theirs), sorted(theirs - ours)))
        rc, out, err = resolve(env, "--tree", root)
        check(rc == 0, "resolve --tree failed", err)
        theirs_tree = harness.mvn_tree(os.path.join(EXPECTED, name_of(root) + ".tree"))
        check(out.splitlines() == theirs_tree, "dependency:tree differs for " + root, out, "\n".join(theirs_tree))
        env.cleanup()
    test.__name__ = "test_" + re.sub(r"\W", "_", name_of(root))
    return test


if __name__ == "__main__":
    raise SystemExit(harness.run_tests([make_test(r, True) for r in ROOTS] +
                                    [make_test(r, False) for r in TREE_ONLY_ROOTS], A.tests))
