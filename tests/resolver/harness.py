"""Shared helpers for the resolver integration tests (Python 3 stdlib only)."""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import repo_server  # noqa: E402


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("tests", nargs="*")
    return p.parse_args()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def gpath(g):
    return g.replace(".", "/")


def pom_xml(g, a, v, deps=(), packaging="jar", extra=""):
    ds = ""
    for d in deps:
        dg, da, dv = d[0], d[1], d[2]
        scope = d[3] if len(d) > 3 else ""
        ds += "<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>" % (
            dg, da, dv, ("<scope>%s</scope>" % scope) if scope else "")
    return ("<project><modelVersion>4.0.0</modelVersion><groupId>%s</groupId><artifactId>%s</artifactId>"
            "<version>%s</version><packaging>%s</packaging>%s<dependencies>%s</dependencies></project>\n"
            % (g, a, v, packaging, extra, ds))


def add_artifact(root, g, a, v, deps=(), packaging="jar", classifier="", ext=None, content=None):
    base = os.path.join(root, gpath(g), a, v)
    write(os.path.join(base, "%s-%s.pom" % (a, v)), pom_xml(g, a, v, deps, packaging))
    ext = ext or ("jar" if packaging in ("jar", "bundle") else packaging)
    if packaging != "pom":
        name = "%s-%s%s.%s" % (a, v, ("-" + classifier) if classifier else "", ext)
        write(os.path.join(base, name), content if content is not None else ("%s:%s:%s %s\n" % (g, a, v, "x" * 200)).encode())


def add_metadata(root, g, a, versions):
    xml = "<metadata><groupId>%s</groupId><artifactId>%s</artifactId><versioning><latest>%s</latest><release>%s</release><versions>%s</versions><lastUpdated>20240101000000</lastUpdated></versioning></metadata>\n" % (
        g, a, versions[-1], versions[-1], "".join("<version>%s</version>" % v for v in versions))
    write(os.path.join(root, gpath(g), a, "maven-metadata.xml"), xml)


class SigningKey:
    """A throwaway OpenPGP key, made by gpg (Debian's) in a GNUPGHOME of its own. sign() writes
    FILE.asc as `gpg --detach-sign --armor` (and mvn gpg:sign) do; .public is the exported
    public key, the file a test trusts with resolver.trustedKeys."""

    def __init__(self, name="streamsubmit test signer"):
        require_tool("gpg")
        self.home = tempfile.mkdtemp(prefix="ss-gpg-")
        os.chmod(self.home, 0o700)
        self.gpg("--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                 "%s <signer@streamsubmit.invalid>" % name, "ed25519", "sign", "never")
        colons = self.gpg("--with-colons", "--list-secret-keys").stdout
        self.fingerprint = next(l.split(":")[9] for l in colons.splitlines() if l.startswith("fpr:"))
        self.public = os.path.join(self.home, "public.asc")
        with open(self.public, "w") as f:
            f.write(self.gpg("--armor", "--export", self.fingerprint).stdout)

    def gpg(self, *argv, check=True):
        p = subprocess.run(["gpg", "--homedir", self.home, "--batch", "--yes"] + list(argv), capture_output=True,
                           text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("gpg %s failed: %s" % (" ".join(argv), p.stderr))
        return p

    def sign(self, path):
        self.gpg("--local-user", self.fingerprint, "--detach-sign", "--armor", "--output", path + ".asc", path)

    def env(self):
        return {"GNUPGHOME": self.home}

    def revoke(self):
        """Revokes the key with the certificate gpg made with it, and re-exports .public."""
        cert = open(os.path.join(self.home, "openpgp-revocs.d", self.fingerprint + ".rev")).read()
        path = os.path.join(self.home, "revocation.asc")
        with open(path, "w") as f:
            f.write(cert.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"))
        self.gpg("--import", path)
        with open(self.public, "w") as f:
            f.write(self.gpg("--armor", "--export", self.fingerprint).stdout)

    def close(self):
        subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "gpg-agent"], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)


_TEST_KEY = []


def test_key():
    """The key that signs the native plugins of build_small_repo; Env.resolve trusts it."""
    if not _TEST_KEY:
        _TEST_KEY.append(SigningKey())
        import atexit
        atexit.register(_TEST_KEY[0].close)
    return _TEST_KEY[0]


def sign_native(root, key=None):
    """Signs every .so under root, as a publisher with `mvn gpg:sign` would."""
    key = key or test_key()
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".so"):
                key.sign(os.path.join(d, f))


def build_small_repo(root):
    """app:1.0 -> liba:1.0 -> libb:[1.0,2.0) ; app -> libc:1.0 (runtime) ; plugin:1.0 (.so, linux-x86_64).
    The native plugins are signed by test_key()."""
    g = "com.example"
    add_artifact(root, g, "app", "1.0", [(g, "liba", "1.0"), (g, "libc", "1.0", "runtime"), (g, "testonly", "1.0", "test")])
    add_artifact(root, g, "liba", "1.0", [(g, "libb", "[1.0,2.0)")])
    for v in ("1.0", "1.5", "2.0"):
        add_artifact(root, g, "libb", v)
    add_metadata(root, g, "libb", ["1.0", "1.5", "2.0"])
    add_artifact(root, g, "libc", "1.0")
    add_artifact(root, g, "plugin", "1.0", packaging="so", classifier="linux-x86_64", ext="so",
                 content=b"\x7fELF fake plugin")
    write(os.path.join(root, gpath(g), "plugin", "1.0", "maven-metadata.xml"),
          "<metadata><groupId>com.example</groupId><artifactId>plugin</artifactId><version>1.0</version><versioning><snapshotVersions>"
          "<snapshotVersion><classifier>linux-x86_64</classifier><extension>so</extension><value>1.0</value></snapshotVersion>"
          "<snapshotVersion><classifier>osx-aarch_64</classifier><extension>so</extension><value>1.0</value></snapshotVersion>"
          "</snapshotVersions></versioning></metadata>\n")
    # a plugin without a build for this machine
    add_artifact(root, g, "macplugin", "1.0", packaging="so", classifier="osx-aarch_64", ext="so", content=b"mac")
    write(os.path.join(root, gpath(g), "macplugin", "1.0", "maven-metadata.xml"),
          "<metadata><versioning><snapshotVersions>"
          "<snapshotVersion><classifier>osx-aarch_64</classifier><extension>so</extension><value>1.0</value></snapshotVersion>"
          "<snapshotVersion><classifier>windows-x86_64</classifier><extension>so</extension><value>1.0</value></snapshotVersion>"
          "</snapshotVersions></versioning></metadata>\n")
    sign_native(root)


class Env:
    """A temporary HOME and cache; run() calls the binary with them."""

    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="ss-resolver-")
        self.home = os.path.join(self.dir, "home")
        self.cache = os.path.join(self.dir, "cache")
        os.makedirs(self.home)

    def env(self, extra=None):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("STREAMSUBMIT_") or k.lower().endswith("_proxy"):
                del e[k]
        e["HOME"] = self.home
        e["STREAMSUBMIT_CACHE"] = self.cache
        e["STREAMSUBMIT_HTTP_TIMEOUT"] = "3"
        e["STREAMSUBMIT_HTTP_BACKOFF_MS"] = "50"
        e.update(extra or {})
        return e

    def run(self, *argv, env=None, timeout=120):
        p = subprocess.run([self.binary] + list(argv), capture_output=True, text=True, env=self.env(env), timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def resolve(self, url, *coords_and_flags, env=None):
        """resolve, trusting test_key() when it signed something (build_small_repo)."""
        trust = ["-c", "resolver.trustedKeys=" + _TEST_KEY[0].public] if _TEST_KEY else []
        return self.run("resolve", "--default-repositories", url, *coords_and_flags, *trust, env=env)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def cache_files(cache):
    out = []
    for d, _, files in os.walk(cache):
        for f in files:
            out.append(os.path.join(d, f))
    return out


def run_tests(tests, selected):
    failures = 0
    for t in tests:
        if selected and t.__name__ not in selected:
            continue
        try:
            t()
            print("PASS", t.__name__, flush=True)
        except Exception:  # noqa: BLE001
            failures += 1
            print("FAIL", t.__name__, flush=True)
            traceback.print_exc()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


def check(cond, msg, *context):
    if not cond:
        raise AssertionError(msg + "".join("\n--- %s" % c for c in context))


def fail_or_skip(why, details=""):
    """A missing tool or network: a skip (exit 77) locally, a failure under CI=true."""
    if os.environ.get("CI", "").lower() == "true":
        print("FAIL (CI=true): " + why + ("\n" + details if details else ""), flush=True)
        raise SystemExit(1)
    print("SKIP: " + why + ("\n" + details if details else ""), flush=True)
    raise SystemExit(77)


def require_tool(name):
    if not shutil.which(name):
        fail_or_skip(name + " not found (install it: scripts/setup)")


def mvn_list(path):
    """The lines of `mvn dependency:list -DoutputFile=path` as a set of g:a:type[:classifier]:v:scope."""
    out = set()
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("The following") or line == "none":
            continue
        out.add(line.split(" -- ")[0])
    return out


def mvn_tree(path):
    """`mvn dependency:tree -DoutputFile=path` of a probe with one dependency: that dependency's tree."""
    lines = open(path).read().splitlines()[1:]  # the probe project itself
    return [l[3:] for l in lines]                # one level less indented
