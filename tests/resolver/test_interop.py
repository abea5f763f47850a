#!/usr/bin/env python3
"""Interop with Maven: a repository written by `mvn deploy:deploy-file` resolves in
streamsubmit; one written by `streamsubmit publish` (HTTP PUT and file://) resolves with
`mvn dependency:get` (strict checksums). Also: native plugin platform discovery from what
publish wrote, and publish credentials. Skipped (77) without mvn or its plugins; under CI=true
that is a failure."""
import os
import shutil
import subprocess
import tempfile

import harness
from harness import check

A = harness.args()
TOP = os.path.abspath(os.path.join(harness.HERE, "..", ".."))
MVN_REPO = os.path.join(TOP, ".cache", "resolver", "interop-m2")  # mvn's own plugins
WORK = tempfile.mkdtemp(prefix="ss-interop-")


def mvn(*argv, cwd=WORK, local=None):
    cmd = ["mvn", "-B", "-C", "-Dmaven.repo.local=" + (local or MVN_REPO)] + list(argv)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    return p.returncode, p.stdout + p.stderr


def make_jar(name, text):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(b"PK\x03\x04" + text.encode() * 50)
    return path


harness.require_tool("mvn")


def test_mvn_deploy_then_streamsubmit_resolve():
    repo = os.path.join(WORK, "mvn-repo")
    base = make_jar("base.jar", "base")
    rc, log = mvn("org.apache.maven.plugins:maven-deploy-plugin:3.1.1:deploy-file", "-Dfile=" + base,
                  "-DgroupId=com.interop", "-DartifactId=base", "-Dversion=1.0", "-Dpackaging=jar",
                  "-Durl=file://" + repo, "-DrepositoryId=local")
    if rc != 0:
        harness.fail_or_skip("mvn deploy-file failed (no network for the plugin?)", log[-1500:])
    pom = os.path.join(WORK, "app.pom")
    with open(pom, "w") as f:
        f.write(harness.pom_xml("com.interop", "app", "2.0", [("com.interop", "base", "[1.0,)")]))
    app = make_jar("app.jar", "app")
    rc, log = mvn("org.apache.maven.plugins:maven-deploy-plugin:3.1.1:deploy-file", "-Dfile=" + app, "-DpomFile=" + pom,
                  "-Durl=file://" + repo, "-DrepositoryId=local")
    check(rc == 0, "mvn deploy-file app failed", log[-3000:])
    # no computed checksums: only the sidecars mvn wrote count
    srv, state, url = harness.repo_server.start(repo, synth_sums=False)
    env = harness.Env(A.binary)
    rc, out, err = env.run("resolve", "--default-repositories", url, "--checksum-policy", "fail", "com.interop:app:2.0")
    check(rc == 0, "resolving mvn's repository failed", out, err)
    lines = out.splitlines()
    check(lines[0].startswith("com.interop:app:jar:2.0:compile -- ") and
          lines[1].startswith("\\- com.interop:base:jar:1.0:compile -- "), "tree", out)
    check(harness.sha256(lines[1].split(" -- ")[1]) == harness.sha256(base), "content differs")
    rc, out, err = env.run("resolve", "--default-repositories", "file://" + repo, "--checksum-policy", "fail",
                           "com.interop:app:2.0")
    check(rc == 0, "file:// of mvn's repository failed", err)
    srv.shutdown()
    env.cleanup()


def test_streamsubmit_publish_then_mvn_get():
    served = os.path.join(WORK, "published")
    os.makedirs(served)
    srv, state, url = harness.repo_server.start(served, synth_sums=False)
    env = harness.Env(A.binary)
    lib = make_jar("lib.jar", "lib")
    rc, out, err = env.run("publish", "--repository", url, "--file", lib, "--coordinates", "com.pub:lib:1.0")
    check(rc == 0, "publish lib failed", err)
    lib2 = make_jar("lib2.jar", "lib-1.1")
    rc, out, err = env.run("publish", "--repository", url, "--file", lib2, "--coordinates", "com.pub:lib:1.1")
    check(rc == 0, "publish lib 1.1 failed", err)
    pom = os.path.join(WORK, "tool.pom")
    with open(pom, "w") as f:
        f.write(harness.pom_xml("com.pub", "tool", "3.0", [("com.pub", "lib", "1.0")]))
    tool = make_jar("tool.jar", "tool")
    rc, out, err = env.run("publish", "--repository", url, "--file", tool, "--coordinates", "com.pub:tool:3.0",
                           "--pom", pom)
    check(rc == 0, "publish tool failed", err)
    for suffix in ("", ".md5", ".sha1", ".sha256", ".sha512"):
        check(os.path.isfile(os.path.join(served, "com/pub/tool/3.0/tool-3.0.jar" + suffix)), "missing " + suffix)
    meta = open(os.path.join(served, "com/pub/lib/maven-metadata.xml")).read()
    check("<version>1.0</version>" in meta and "<version>1.1</version>" in meta and "<release>1.1</release>" in meta,
          "metadata", meta)
    local = os.path.join(WORK, "mvn-get-m2")
    shutil.copytree(MVN_REPO, local, dirs_exist_ok=True) if os.path.isdir(MVN_REPO) else None
    rc, log = mvn("org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get", "-Dartifact=com.pub:tool:3.0",
                  "-DremoteRepositories=pub::default::" + url, local=local)
    check(rc == 0, "mvn dependency:get of a streamsubmit-published artifact failed", log[-3000:])
    check(os.path.isfile(os.path.join(local, "com/pub/lib/1.0/lib-1.0.jar")), "mvn did not fetch the dependency")
    rc, log = mvn("org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get", "-Dartifact=com.pub:lib:LATEST",
                  "-DremoteRepositories=pub::default::" + url, local=local)
    check(rc == 0 and os.path.isfile(os.path.join(local, "com/pub/lib/1.1/lib-1.1.jar")), "mvn LATEST via metadata",
          log[-3000:])
    # file:// publish too
    frepo = os.path.join(WORK, "file-published")
    rc, out, err = env.run("publish", "--repository", "file://" + frepo, "--file", lib, "--coordinates", "com.pub:lib:1.0")
    check(rc == 0, "file:// publish failed", err)
    rc, log = mvn("org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get", "-Dartifact=com.pub:lib:1.0",
                  "-DremoteRepositories=fpub::default::file://" + frepo, local=os.path.join(WORK, "mvn-get-m2-2"))
    # a fresh local repo needs the plugin again: allowed to fetch it from Central
    check(rc == 0, "mvn dependency:get from a file:// repository written by publish failed", log[-3000:])
    srv.shutdown()
    env.cleanup()


def test_publish_native_platforms():
    served = os.path.join(WORK, "native")
    os.makedirs(served)
    srv, state, url = harness.repo_server.start(served, synth_sums=False)
    env = harness.Env(A.binary)
    so = os.path.join(WORK, "libplug.so")
    with open(so, "wb") as f:
        f.write(b"\x7fELF linux build")
    key = harness.test_key()  # env.resolve trusts it
    for cls in ("linux-x86_64", "linux-aarch_64"):
        rc, _, err = env.run("publish", "--repository", url, "--file", so, "--coordinates", "com.native:plug:1.0:" + cls,
                             "--sign", key.fingerprint, env=key.env())
        check(rc == 0, "publish " + cls, err)
    rc, out, err = env.resolve(url, "com.native:plug:1.0", "--checksum-policy", "fail")
    check(rc == 0 and out.startswith("com.native:plug:so:linux-x86_64:1.0:compile -- "), "platform pick", out, err)
    rc, _, err = env.run("publish", "--repository", url, "--file", so, "--coordinates", "com.native:maconly:1.0:osx-aarch_64")
    check(rc == 0, "publish osx", err)
    rc, out, err = env.resolve(url, "com.native:maconly:1.0")
    check(rc == 5 and "available platforms: osx-aarch_64" in err, "missing platform error", err)
    srv.shutdown()
    env.cleanup()


def test_publish_credentials_and_usage():
    served = os.path.join(WORK, "auth")
    os.makedirs(served)
    srv, state, url = harness.repo_server.start(served, auth="Basic dXBsb2FkZXI6cDRzcw==")  # uploader:p4ss
    env = harness.Env(A.binary)
    f = make_jar("a.jar", "a")
    rc, _, err = env.run("publish", "--repository", url, "--file", f, "--coordinates", "com.auth:a:1.0")
    check(rc == 5 and "401" in err, "unauthenticated publish", err)
    rc, _, err = env.run("publish", "--repository", url, "--file", f, "--coordinates", "com.auth:a:1.0",
                         env={"STREAMSUBMIT_REPO_USER": "uploader", "STREAMSUBMIT_REPO_PASSWORD": "p4ss"})
    check(rc == 0 and "p4ss" not in err, "publish with env credentials", err)
    rc, _, err = env.run("publish", "--repository", url, "--file", f, "--coordinates", "com.auth:../a:1.0")
    check(rc == 2, "malformed publish coordinates must be a usage error", err)
    srv.shutdown()
    env.cleanup()


if __name__ == "__main__":
    code = harness.run_tests([test_mvn_deploy_then_streamsubmit_resolve, test_streamsubmit_publish_then_mvn_get,
                              test_publish_native_platforms, test_publish_credentials_and_usage], A.tests)
    shutil.rmtree(WORK, ignore_errors=True)
    raise SystemExit(code)
