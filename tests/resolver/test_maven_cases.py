#!/usr/bin/env python3
"""The cases where streamsubmit's resolver once differed from Maven, each on a small fixture
repository served on loopback, with `mvn dependency:list` / `dependency:tree` (run live on the
same fixture) as the reference for `streamsubmit resolve --list` / `--tree`:

  types       <type>test-jar / ejb-client / java-source / javadoc print as their type
  relocation  a relocation onto an artifact already in the graph keeps one of them
  duplicate   the same dependency declared twice in one POM: the last declaration wins
  optional    <optional> in dependencyManagement is ignored
  os          profile activation by <os> uses the running system's os.name/arch/family
  invalid     a POM keeping an unresolved ${...}: a warning, the node without dependencies
  samerepo    one repository named twice (other spelling): one request per missing file

All cases run in one mvn reactor (one probe module per case), so mvn starts once. Its plugins
come from Maven Central the first time, into ~/.m2/streamsubmit-tests (kept); later runs are
offline apart from the loopback fixture. Without mvn the test is skipped, under CI=true it fails."""
import os
import re
import shutil
import subprocess
import tempfile

import harness
from harness import check

A = harness.args()
WORK = tempfile.mkdtemp(prefix="ss-maven-cases-")
REPO = os.path.join(WORK, "repo")
MVN_LOCAL = os.path.join(os.path.expanduser("~"), ".m2", "streamsubmit-tests")
PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
G = "fixture.maven"  # every fixture groupId starts with it; removed from MVN_LOCAL before each run


def pom(g, a, v, body="", packaging="jar"):
    return ("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
            "<groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version><packaging>%s</packaging>%s"
            "</project>\n" % (g, a, v, packaging, body))


def dep(g, a, v, extra=""):
    version = "<version>%s</version>" % v if v else ""
    return "<dependency><groupId>%s</groupId><artifactId>%s</artifactId>%s%s</dependency>" % (g, a, version, extra)


def deps(*items):
    return "<dependencies>%s</dependencies>" % "".join(items)


def publish(g, a, v, body="", packaging="jar", files=("",), pom_artifact=None):
    """Writes g:a:v's POM (body inside <project>) and a jar per classifier in `files`."""
    base = os.path.join(REPO, harness.gpath(g), a, v)
    harness.write(os.path.join(base, "%s-%s.pom" % (a, v)), pom(g, pom_artifact or a, v, body, packaging))
    if packaging == "pom":
        return
    for classifier in files:
        name = "%s-%s%s.jar" % (a, v, ("-" + classifier) if classifier else "")
        harness.write(os.path.join(base, name), ("%s:%s:%s:%s\n" % (g, a, v, classifier)).encode() * 20)


def build_cases():
    """Publishes each case's artifacts; returns {case: root coordinate}."""
    roots = {}

    g = G + ".types"
    publish(g, "lib", "1.0", files=("", "tests", "client", "sources", "javadoc"))
    publish(g, "app", "1.0", deps(dep(g, "lib", "1.0", "<type>test-jar</type>"),
                                  dep(g, "lib", "1.0", "<type>ejb-client</type>"),
                                  dep(g, "lib", "1.0", "<type>java-source</type>"),
                                  dep(g, "lib", "1.0", "<type>javadoc</type>"),
                                  dep(g, "lib", "1.0")))
    roots["types"] = g + ":app:1.0"

    g = G + ".relocation"
    publish(g, "new", "1.0")
    publish(g, "new", "2.0")
    publish(g, "old", "1.0", "<distributionManagement><relocation><artifactId>new</artifactId></relocation>"
                             "</distributionManagement>")
    publish(g, "mid", "1.0", deps(dep(g, "old", "1.0")))
    publish(g, "app", "1.0", deps(dep(g, "new", "2.0"), dep(g, "old", "1.0"), dep(g, "mid", "1.0")))
    publish(g, "app2", "1.0", deps(dep(g, "mid", "1.0"), dep(g, "new", "2.0")))
    roots["relocation"] = g + ":app:1.0"
    publish(g, "app3", "1.0", deps(dep(g, "old", "1.0"), dep(g, "new", "2.0")))
    roots["relocation2"] = g + ":app2:1.0"
    roots["relocation3"] = g + ":app3:1.0"

    g = G + ".duplicate"
    for v in ("1.0", "2.0"):
        publish(g, "lib", v)
    publish(g, "other", "1.0")
    publish(g, "managed", "1.0")
    publish(g, "managed", "2.0")
    publish(g, "app", "1.0", "<dependencyManagement>" + deps(dep(g, "managed", "1.0"), dep(g, "managed", "2.0")) +
            "</dependencyManagement>" +
            deps(dep(g, "lib", "1.0"), dep(g, "other", "1.0"), dep(g, "lib", "2.0", "<scope>runtime</scope>"),
                 dep(g, "managed", "")))
    roots["duplicate"] = g + ":app:1.0"

    g = G + ".optional"
    publish(g, "lib", "1.0")
    publish(g, "opt", "1.0")
    publish(g, "app", "1.0", "<dependencyManagement>" + deps(dep(g, "lib", "1.0", "<optional>true</optional>")) +
            "</dependencyManagement>" + deps(dep(g, "lib", ""), dep(g, "opt", "1.0", "<optional>true</optional>")))
    roots["optional"] = g + ":app:1.0"

    g = G + ".os"
    for a in ("family-linux", "family-unix", "family-windows", "name-linux", "arch-x86_64", "arch-amd64",
              "arch-native", "not-windows", "version-native"):
        publish(g, a, "1.0")
    uname = os.uname()
    java_arch = {"x86_64": "amd64", "i686": "i386"}.get(uname.machine, uname.machine)

    def os_profile(pid, activation, artifact):
        return ("<profile><id>%s</id><activation><os>%s</os></activation>%s</profile>"
                % (pid, activation, deps(dep(g, artifact, "1.0"))))
    publish(g, "app", "1.0", "<profiles>" + "".join([
        os_profile("a", "<family>linux</family>", "family-linux"),
        os_profile("b", "<family>unix</family>", "family-unix"),
        os_profile("c", "<family>windows</family>", "family-windows"),
        os_profile("d", "<name>Linux</name>", "name-linux"),
        os_profile("e", "<arch>x86_64</arch>", "arch-x86_64"),
        os_profile("f", "<arch>amd64</arch>", "arch-amd64"),
        os_profile("g", "<arch>%s</arch>" % java_arch, "arch-native"),
        os_profile("h", "<family>!windows</family>", "not-windows"),
        os_profile("i", "<version>%s</version>" % uname.release, "version-native"),
    ]) + "</profiles>")
    roots["os"] = g + ":app:1.0"

    g = G + ".invalid"
    for a in ("kept", "lost1", "lost2", "lost3"):
        publish(g, a, "1.0")
    publish(g, "badid", "1.0", deps(dep(g, "lost1", "1.0")), pom_artifact="badid${undefined.suffix}")
    publish(g, "baddep", "1.0", deps(dep(g, "lost2", "1.0"), dep(g, "x${undefined.name}", "1.0")))
    publish(g, "badversion", "1.0", deps(dep(g, "lost3", "1.0"), dep(g, "kept", "${undefined.version}")))
    publish(g, "app", "1.0", deps(dep(g, "badid", "1.0"), dep(g, "baddep", "1.0"), dep(g, "badversion", "1.0"),
                                  dep(g, "kept", "1.0")))
    roots["invalid"] = g + ":app:1.0"

    g = G + ".samerepo"
    publish(g, "lib", "1.0")
    nopom = os.path.join(REPO, harness.gpath(g), "nopom", "1.0")
    harness.write(os.path.join(nopom, "nopom-1.0.jar"), b"no POM here\n" * 20)
    publish(g, "app", "1.0", deps(dep(g, "lib", "1.0"), dep(g, "nopom", "1.0")))
    roots["samerepo"] = g + ":app:1.0"
    return roots


def probe_module(name, root, url):
    g, a, v = root.split(":")
    executions = "".join(
        "<execution><id>%s</id><configuration><outputFile>${project.basedir}/%s.txt</outputFile></configuration>"
        "</execution>" % (goal, goal) for goal in ("tree", "list"))
    body = ("<repositories><repository><id>central</id><url>%s</url></repository></repositories>" % url +
            deps(dep(g, a, v)) +
            "<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>"
            "<artifactId>maven-dependency-plugin</artifactId><version>%s</version><executions>%s</executions>"
            "</plugin></plugins></build>" % (PLUGIN.split(":")[2], executions))
    d = os.path.join(WORK, "probe", name)
    harness.write(os.path.join(d, "pom.xml"), pom("probe", name, "1", body))
    return d


def run_mvn(roots, url):
    """One reactor over every case; returns {case: (list lines, tree lines)} from mvn."""
    modules = "".join("<module>%s</module>" % name for name in roots)
    harness.write(os.path.join(WORK, "probe", "pom.xml"),
                  pom("probe", "all", "1", "<modules>%s</modules>" % modules, packaging="pom"))
    for name, root in roots.items():
        probe_module(name, root, url)
    shutil.rmtree(os.path.join(MVN_LOCAL, harness.gpath(G)), ignore_errors=True)
    warm = os.path.join(MVN_LOCAL, ".streamsubmit-warm")
    cmd = ["mvn", "-B", "-Dmaven.repo.local=" + MVN_LOCAL, "dependency:tree@tree", "dependency:list@list"]

    def run(offline):  # offline: plugins cached, only the loopback fixture is needed
        extra = ["-o", "-Daether.offline.hosts=127.0.0.1"] if offline else []
        return subprocess.run(cmd[:1] + extra + cmd[1:], cwd=os.path.join(WORK, "probe"), capture_output=True,
                              text=True, timeout=900)
    p = run(os.path.isfile(warm))
    if p.returncode != 0 and os.path.isfile(warm):
        p = run(False)  # the plugin cache lost something: fetch it again
    if p.returncode != 0:
        harness.fail_or_skip("mvn failed (first run needs Maven Central for its plugins)", p.stdout[-4000:] + p.stderr)
    harness.write(warm, "")
    out = {}
    for name in roots:
        d = os.path.join(WORK, "probe", name)
        out[name] = (harness.mvn_list(os.path.join(d, "list.txt")), harness.mvn_tree(os.path.join(d, "tree.txt")))
    return out, p.stdout


def compare(env, url, name, root, expected, extra=()):
    rc, out, err = env.run("resolve", "--default-repositories", url, "--no-local-repository", "--list", *extra, root)
    check(rc == 0, "%s: resolve --list failed" % name, err)
    ours = set(re.sub(r" -- .*$", "", l) for l in out.splitlines())
    want_list, want_tree = expected
    check(ours == want_list, "%s: dependency:list differs\n only streamsubmit: %s\n only mvn: %s" % (
        name, sorted(ours - want_list), sorted(want_list - ours)), err)
    rc, out, err = env.run("resolve", "--default-repositories", url, "--no-local-repository", "--tree", *extra, root)
    check(rc == 0, "%s: resolve --tree failed" % name, err)
    tree = [re.sub(r" -- .*$", "", l) for l in out.splitlines()]
    check(tree == want_tree, "%s: dependency:tree differs" % name, "\n".join(tree), "\n".join(want_tree))
    return err


def test_cases_match_mvn():
    harness.require_tool("mvn")
    roots = build_cases()
    srv, state, url = harness.repo_server.start(REPO)
    try:
        expected, mvn_log = run_mvn(roots, url)
        env = harness.Env(A.binary)
        for name, root in roots.items():
            if name == "samerepo":
                continue
            err = compare(env, url, name, root, expected[name])
            if name == "invalid":
                # (an unresolved version is not invalid for Maven: badversion keeps its dependencies)
                for pomname, prop in (("badid-1.0.pom", "undefined.suffix"), ("baddep-1.0.pom", "undefined.name")):
                    check(re.search(r"warning: .*%s.*\$\{%s\}" % (re.escape(pomname), re.escape(prop)), err),
                          "no warning naming %s and ${%s}" % (pomname, prop), err)
        # The same repository twice, spelled differently: one request per missing file.
        env = harness.Env(A.binary)
        del state.requests[:]
        compare(env, url, "samerepo", roots["samerepo"], expected["samerepo"],
                ("--repositories", url.replace("http://", "HTTP://") + "/"))
        missing = [r for r in state.requests if r.endswith("/nopom-1.0.pom")]
        check(len(missing) == 1, "the missing POM was requested %d times" % len(missing), "\n".join(state.requests))
        rc, out, err = env.run("resolve", "--default-repositories", url + "//", "--repositories", url,
                               "--no-local-repository", G + ".samerepo:absent:1.0")
        check(rc == 5, "a missing root must fail with exit 5", out, err)
        check(err.count("tried ") == 1, "the missing root's URL must be listed once", err)
        env.cleanup()
    finally:
        srv.shutdown()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(harness.run_tests([test_cases_match_mvn], A.tests))
