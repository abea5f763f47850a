#!/usr/bin/env python3
"""streamsubmit resolve against a loopback repository: tree, list, cache layout, warm cache
without network, offline, native plugins, credentials and redaction, lockfile, file://."""
import os
import stat
import tempfile

import harness
from harness import check

A = harness.args()
REPO = tempfile.mkdtemp(prefix="ss-repo-")
harness.build_small_repo(REPO)
SERVER, STATE, URL = harness.repo_server.start(REPO)


def test_tree_and_cache():
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(URL, "com.example:app:1.0")
    check(rc == 0, "resolve failed", out, err)
    lines = [l.split(" -- ")[0] for l in out.splitlines()]
    check(lines == ["com.example:app:jar:1.0:compile",
                    "+- com.example:liba:jar:1.0:compile",
                    "|  \\- com.example:libb:jar:1.5:compile",
                    "\\- com.example:libc:jar:1.0:runtime"], "unexpected tree", out)
    for l in out.splitlines():
        path = l.split(" -- ")[1]
        check(os.path.isfile(path), "missing file " + path)
        check("/http/127.0.0.1:%d/" % SERVER.server_address[1] in path, "cache not laid out by URL: " + path)
    for d, dirs, _ in os.walk(env.cache):
        for x in dirs:
            mode = stat.S_IMODE(os.stat(os.path.join(d, x)).st_mode)
            check(mode == 0o700, "cache dir mode %o" % mode, os.path.join(d, x))
    # warm cache: not one request
    before = len(STATE.requests)
    rc, out2, err2 = env.resolve(URL, "com.example:app:1.0", "--list")
    check(rc == 0, "warm resolve failed", err2)
    check(len(STATE.requests) == before, "warm cache made requests: %s" % STATE.requests[before:])
    check(out2.splitlines()[2].startswith("com.example:libb:jar:1.5:compile -- "), "list", out2)
    # offline with a warm cache works; with an empty cache it names what is missing
    rc, _, err3 = env.resolve(URL, "com.example:app:1.0", "--offline")
    check(rc == 0, "offline warm failed", err3)
    env2 = harness.Env(A.binary)
    rc, _, err4 = env2.resolve(URL, "com.example:app:1.0", "--offline")
    check(rc == 5, "offline cold should fail with 5", err4)
    check("not available offline" in err4 and "app" in err4, "offline message", err4)
    env.cleanup()
    env2.cleanup()


def test_exclusions_and_no_download():
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(URL, "com.example:app:1.0", "--exclude-packages", "com.example:libb", "--no-download")
    check(rc == 0, "resolve failed", err)
    check("libb" not in out and " -- " not in out, "exclusion or no-download ignored", out)
    jars = [f for f in harness.cache_files(env.cache) if f.endswith(".jar")]
    check(not jars, "--no-download downloaded jars: %s" % jars)
    env.cleanup()


def test_usage_errors():
    env = harness.Env(A.binary)
    for bad in ("com.example:app", "com.example:../x:1.0", "g:a:b:c:d:e", "g::1"):
        rc, _, err = env.resolve(URL, bad)
        check(rc == 2, "malformed %s should exit 2, got %d" % (bad, rc), err)
        check("hint:" in err, "no hint", err)
    rc, _, err = env.resolve(URL, "com.example:nosuch:1.0")
    check(rc == 5, "unknown artifact exit", err)
    check("tried %s/com/example/nosuch/1.0/nosuch-1.0.pom" % URL in err, "unknown artifact must list URLs", err)
    env.cleanup()


def test_native_plugin_platform():
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(URL, "com.example:plugin:1.0")
    check(rc == 0, "plugin resolve failed", err)
    check(out.startswith("com.example:plugin:so:linux-x86_64:1.0:compile -- "), "platform classifier not chosen", out)
    check(out.strip().endswith("plugin-1.0-linux-x86_64.so"), "path", out)
    rc, out, err = env.resolve(URL, "com.example:macplugin:1.0")
    check(rc == 5, "missing platform should fail", out, err)
    check("no linux-x86_64 build" in err and "osx-aarch_64, windows-x86_64" in err, "platform list", err)
    env.cleanup()


def test_credentials_redacted():
    srv, state, url = harness.repo_server.start(REPO, auth="Basic dXNlcjpzM2NyM3Q=")  # user:s3cr3t
    env = harness.Env(A.binary)
    authed = url.replace("http://", "http://user:s3cr3t@")
    rc, out, err = env.resolve(authed, "com.example:app:1.0")
    check(rc == 0, "basic auth via URL failed", err)
    check("s3cr3t" not in out + err, "password printed", out, err)
    env2 = harness.Env(A.binary)
    rc, out, err = env2.run("resolve", "--default-repositories", "", "--repositories", url, "com.example:app:1.0",
                            env={"STREAMSUBMIT_REPO_USER": "user", "STREAMSUBMIT_REPO_PASSWORD": "s3cr3t"})
    check(rc == 0, "basic auth via environment failed", err)
    env3 = harness.Env(A.binary)
    wrong = url.replace("http://", "http://user:wr0ng@")
    rc, out, err = env3.resolve(wrong, "com.example:app:1.0")
    check(rc == 5, "401 should exit 5", err)
    check("401" in err and "the repository URL's user info" in err and "wr0ng" not in err, "401 message", err)
    rc, out, err = env3.run("resolve", "--default-repositories", "", "--repositories", url, "com.example:app:1.0",
                            env={"STREAMSUBMIT_REPO_TOKEN": "t0ken-secret"})
    check(rc == 5 and "STREAMSUBMIT_REPO_TOKEN" in err and "t0ken-secret" not in err, "token message", err)
    srv.shutdown()
    for e in (env, env2, env3):
        e.cleanup()


def test_credentials_from_netrc():
    srv, state, url = harness.repo_server.start(REPO, auth="Basic dXNlcjpzM2NyM3Q=")  # user:s3cr3t
    env = harness.Env(A.binary)
    try:
        rc, out, err = env.run("resolve", "--default-repositories", "", "--repositories", url, "com.example:app:1.0")
        check(rc == 5 and "401" in err and "netrc" in err, "without ~/.netrc: 401 naming the sources", err)
        netrc = os.path.join(env.home, ".netrc")
        with open(netrc, "w") as f:
            f.write("machine 127.0.0.1 login user password s3cr3t\n")
        os.chmod(netrc, 0o600)
        rc, out, err = env.run("resolve", "--default-repositories", "", "--repositories", url, "com.example:app:1.0")
        check(rc == 0, "basic auth via ~/.netrc failed", err)
        check("s3cr3t" not in out + err, "password printed", out, err)
    finally:
        srv.shutdown()
        env.cleanup()


def test_lockfile():
    env = harness.Env(A.binary)
    lock = os.path.join(env.dir, "deps.lock.json")
    rc, out, err = env.resolve(URL, "com.example:app:1.0", "--lockfile", lock)
    check(rc == 0 and os.path.isfile(lock), "lockfile not written", err)
    rc, out2, err = env.resolve(URL, "com.example:app:1.0", "--lockfile", lock)
    check(rc == 0 and out2 == out, "pinned resolution differs", out, out2, err)
    rc, _, err = env.resolve(URL, "com.example:liba:1.0", "--lockfile", lock)
    check(rc == 5 and "lockfile was written for other packages" in err, "other request accepted", err)
    # the repository changes under the lockfile: refused
    libc = os.path.join(REPO, "com/example/libc/1.0/libc-1.0.jar")
    original = open(libc, "rb").read()
    try:
        with open(libc, "wb") as f:
            f.write(b"tampered")
        env2 = harness.Env(A.binary)
        rc, _, err = env2.resolve(URL, "com.example:app:1.0", "--lockfile", lock)
        check(rc == 5 and "does not match the lockfile" in err and "libc" in err, "tampered file accepted", err)
        env2.cleanup()
    finally:
        with open(libc, "wb") as f:
            f.write(original)
    env.cleanup()


def test_file_repository():
    env = harness.Env(A.binary)
    rc, out, err = env.run("resolve", "--default-repositories", "file://" + REPO, "com.example:app:1.0")
    check(rc == 0, "file repository failed", err)
    check(REPO in out, "file repository paths should point into it", out)
    check("warning: no checksum next to" in err, "unverified file:// files must be reported", err)
    libc = os.path.join(REPO, "com/example/libc/1.0/libc-1.0.jar")
    harness.write(libc + ".sha1", "0" * 40 + "\n")
    try:
        rc, out, err = env.run("resolve", "--default-repositories", "file://" + REPO, "com.example:app:1.0")
        check(rc == 5 and "checksum mismatch" in err and libc in err, "a corrupt file:// file must be refused", err)
    finally:
        os.remove(libc + ".sha1")
    env.cleanup()


def test_local_m2_first():
    env = harness.Env(A.binary)
    m2 = os.path.join(env.home, ".m2", "repository")
    harness.add_artifact(m2, "com.example", "libc", "1.0", content=b"from m2")
    rc, out, err = env.resolve(URL, "com.example:app:1.0")
    check(rc == 0, "resolve with ~/.m2 failed", err)
    libc = [l for l in out.splitlines() if "libc" in l][0].split(" -- ")[1]
    check(libc.startswith(m2), "~/.m2 not used first: " + libc)
    env.cleanup()


def deploy_snapshot(build, content):
    base = os.path.join(REPO, "com/example/snap/1.0-SNAPSHOT")
    ts = "20240101.12000%d" % build
    value = "1.0-%s-%d" % (ts, build)
    harness.write(os.path.join(base, "snap-%s.pom" % value), harness.pom_xml("com.example", "snap", "1.0-SNAPSHOT"))
    harness.write(os.path.join(base, "snap-%s.jar" % value), content)
    harness.write(os.path.join(base, "maven-metadata.xml"),
                  "<metadata><groupId>com.example</groupId><artifactId>snap</artifactId><version>1.0-SNAPSHOT</version>"
                  "<versioning><snapshot><timestamp>%s</timestamp><buildNumber>%d</buildNumber></snapshot>"
                  "<snapshotVersions><snapshotVersion><extension>jar</extension><value>%s</value></snapshotVersion>"
                  "<snapshotVersion><extension>pom</extension><value>%s</value></snapshotVersion></snapshotVersions>"
                  "</versioning></metadata>" % (ts, build, value, value))
    return value


def test_snapshot_and_ttl():
    v3 = deploy_snapshot(3, b"build three")
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(URL, "com.example:snap:1.0-SNAPSHOT")
    check(rc == 0, "snapshot resolve failed", err)
    check(out.startswith("com.example:snap:jar:1.0-SNAPSHOT:compile -- ") and out.strip().endswith("snap-%s.jar" % v3),
          "timestamped file expected", out)
    before = len(STATE.requests)
    rc, out, err = env.resolve(URL, "com.example:snap:1.0-SNAPSHOT")
    check(rc == 0 and len(STATE.requests) == before, "within the TTL a SNAPSHOT must not be re-checked",
          STATE.requests[before:])
    v4 = deploy_snapshot(4, b"build four")
    rc, out, err = env.resolve(URL, "com.example:snap:1.0-SNAPSHOT", "--ttl", "0s")
    check(rc == 0 and out.strip().endswith("snap-%s.jar" % v4), "after the TTL the new SNAPSHOT is used", out, err)
    check(open(out.strip().split(" -- ")[1], "rb").read() == b"build four", "content of the new SNAPSHOT")
    env.cleanup()


def test_not_found_remembered():
    env = harness.Env(A.binary)
    env.resolve(URL, "com.example:ghost:1.0")
    n = STATE.counts.get("/com/example/ghost/1.0/ghost-1.0.pom", 0)
    rc, _, err = env.resolve(URL, "com.example:ghost:1.0")
    check(rc == 5 and STATE.counts.get("/com/example/ghost/1.0/ghost-1.0.pom", 0) == n, "404 not remembered", err)
    rc, _, err = env.resolve(URL, "com.example:ghost:1.0", "--ttl", "0s")
    check(STATE.counts.get("/com/example/ghost/1.0/ghost-1.0.pom", 0) == n + 1, "404 remembered past the TTL")
    env.cleanup()


def test_transitive_without_pom():
    g = "com.example"
    harness.add_artifact(REPO, g, "usesjaronly", "1.0", [(g, "jaronly", "1.0"), (g, "vanished", "1.0")])
    harness.write(os.path.join(REPO, "com/example/jaronly/1.0/jaronly-1.0.jar"), b"a jar without a pom")
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(URL, "com.example:usesjaronly:1.0", "--no-download")
    check(rc == 0 and "the POM for com.example:jaronly:1.0 is missing" in err, "missing POM must warn, as Maven", err)
    rc, out, err = env.resolve(URL, "com.example:usesjaronly:1.0")
    check(rc == 5 and "artifact not found: com.example:vanished:1.0" in err and "vanished-1.0.jar" in err,
          "a dependency with neither POM nor jar must fail, naming the URLs", err)
    env.cleanup()


def test_conf_keys():
    env = harness.Env(A.binary)
    rc, out, err = env.run("resolve", "--conf", "resolver.repositories=" + URL, "--conf", "resolver.checksumPolicy=fail",
                           "com.example:app:1.0")
    check(rc == 0, "--conf resolver.repositories not honoured", err)
    rc, out, err = env.run("resolve", "--conf", "stream.mode=direct", "com.example:app:1.0")
    check(rc == 2 and "resolver.*" in err, "non-resolver key must be a usage error", err)
    rc, out, err = env.run("resolve", "--conf", "resolver.ttl=soon", "com.example:app:1.0")
    check(rc == 2, "invalid duration must be a usage error", err)
    env.cleanup()


def test_https_with_ca_bundle():
    import shutil
    import subprocess
    # No silent skip: a missing tool is a failure (scripts/setup installs openssl).
    check(shutil.which("openssl") is not None, "the openssl command is missing: run scripts/setup", "")
    d = tempfile.mkdtemp(prefix="ss-tls-")
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = os.path.join(d, "s.key"), os.path.join(d, "s.csr"), os.path.join(d, "s.crt")
    ext = os.path.join(d, "ext.cnf")
    harness.write(ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    for cmd in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "2",
                 "-subj", "/CN=streamsubmit test CA"],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
                 "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl"] + cmd, check=True, capture_output=True)
    srv, state, url = harness.repo_server.start(REPO, tls=(crt, key))
    env = harness.Env(A.binary)
    rc, out, err = env.resolve(url, "com.example:app:1.0")
    check(rc == 5 and "certificate" in err.lower() and "--ca-bundle" in err, "an unknown CA must be refused", err)
    rc, out, err = env.resolve(url, "com.example:app:1.0", "--ca-bundle", ca_crt)
    check(rc == 0 and "/https/127.0.0.1:" in out, "https with --ca-bundle failed", out, err)
    srv.shutdown()
    env.cleanup()


if __name__ == "__main__":
    raise SystemExit(harness.run_tests(
        [test_tree_and_cache, test_exclusions_and_no_download, test_usage_errors, test_native_plugin_platform,
         test_credentials_redacted, test_credentials_from_netrc, test_lockfile, test_file_repository, test_local_m2_first, test_snapshot_and_ttl, test_not_found_remembered,
         test_transitive_without_pom, test_conf_keys, test_https_with_ca_bundle], A.tests))
