#!/usr/bin/env python3
"""Trust: OpenPGP signatures of native artifacts checked against the keys the user trusts, plain
HTTP refused outside loopback, the signing key pinned by the lockfile, `publish --sign` as
`mvn gpg:sign`. A real repository on 127.0.0.1; gpg (Debian's) makes the keys and signatures."""
import os
import shutil
import tempfile
import time

import harness
from harness import check

A = harness.args()
harness.require_tool("gpg")
TRUSTED = harness.SigningKey("trusted publisher")
OTHER = harness.SigningKey("someone else")
REPO = tempfile.mkdtemp(prefix="ss-sig-repo-")
PLATFORM = "linux-x86_64"
G = "com.sig"


def native(a, content, signer=None):
    """com.sig:a:1.0, a native artifact for this platform; signed by `signer` when given."""
    harness.add_artifact(REPO, G, a, "1.0", packaging="so", classifier=PLATFORM, ext="so", content=content)
    path = os.path.join(REPO, "com/sig", a, "1.0", "%s-1.0-%s.so" % (a, PLATFORM))
    if signer:
        signer.sign(path)
    return path


native("good", b"\x7fELF signed by the trusted key", TRUSTED)
native("untrusted", b"\x7fELF same bytes, another signer", OTHER)
TAMPERED = native("tampered", b"\x7fELF as signed", TRUSTED)
with open(TAMPERED, "ab") as f:  # the server computes checksums from what it serves: they match
    f.write(b" and changed afterwards")
native("unsigned", b"\x7fELF never signed")
PINNED = native("pinned", b"\x7fELF pinned", TRUSTED)
harness.add_artifact(REPO, G, "lib", "1.0")  # a jar, unsigned
SERVER, STATE, URL = harness.repo_server.start(REPO)


def resolve(env, *argv, trust=(TRUSTED,), extra_env=None, url=URL):
    keys = ",".join(k.public for k in trust)
    conf = ["-c", "resolver.trustedKeys=" + keys] if keys else []
    return env.run("resolve", "--default-repositories", url, *argv, *conf, env=extra_env)


def shown(coordinate):
    """How messages name a native coordinate: with its extension and platform."""
    g, a, v = coordinate.split(":")
    return "%s:%s:so:%s:%s" % (g, a, PLATFORM, v)


def verified_records(cache):
    return [f for f in harness.cache_files(cache) if f.endswith(".signature.json") and '"verified"' in open(f).read()]


def cached(cache, name):
    return [f for f in harness.cache_files(cache) if os.path.basename(f).startswith(name) and f.endswith(".so")]


def test_trusted_signature_accepted_and_recorded():
    env = harness.Env(A.binary)
    rc, out, err = resolve(env, G + ":good:1.0", "--lockfile", os.path.join(env.dir, "lock.json"))
    check(rc == 0 and out.startswith(G + ":good:so:%s:1.0:compile -- " % PLATFORM), "trusted plugin refused", out, err)
    check(len(verified_records(env.cache)) == 1, "no verified record", harness.cache_files(env.cache))
    lock = open(os.path.join(env.dir, "lock.json")).read()
    check('"signingKey": "%s"' % TRUSTED.fingerprint in lock, "lockfile lacks the signing key", lock)
    # warm: the record answers, no request and no gpg
    before = len(STATE.requests)
    rc, _, err = resolve(env, G + ":good:1.0")
    check(rc == 0 and len(STATE.requests) == before, "warm run made requests", STATE.requests[before:], err)
    # the same cache under a keyring that no longer trusts the key: checked again, refused
    rc, _, err = resolve(env, G + ":good:1.0", trust=(OTHER,))
    check(rc == 5 and TRUSTED.fingerprint in err, "a record made under other trust was believed", err)
    env.cleanup()


def expect_refused(coordinate, *words, trust=(TRUSTED,)):
    env = harness.Env(A.binary)
    rc, out, err = resolve(env, coordinate, trust=trust)
    check(rc == 5, "%s: exit %d, expected 5" % (coordinate, rc), out, err)
    check("error: refusing artifacts whose OpenPGP signature" in err and shown(coordinate) in err, "names the artifact",
          err)
    for w in words:
        check(w in err, "%r not in the message" % w, err)
    check("hint: " in err, "no hint", err)
    check(not verified_records(env.cache), "a refused artifact is recorded as verified", harness.cache_files(env.cache))
    check(not cached(env.cache, coordinate.split(":")[1]), "a refused artifact stayed in the cache",
          harness.cache_files(env.cache))
    env.cleanup()
    return err


def test_untrusted_key_refused():
    err = expect_refused(G + ":untrusted:1.0", OTHER.fingerprint, "does not trust", "resolver.trustedKeys")
    check("gpg --export --armor " + OTHER.fingerprint in err, "the fix names the key", err)


def test_tampered_file_refused_despite_matching_checksums():
    expect_refused(G + ":tampered:1.0", "BAD signature", "changed after signing")


def test_missing_signature_refused():
    expect_refused(G + ":unsigned:1.0", "has no signature (.asc)", "resolver.signaturePolicy=warn")


def test_no_trusted_keys_at_all():
    expect_refused(G + ":good:1.0", TRUSTED.fingerprint, trust=())


def test_revoked_key_refused_even_under_warn():
    revoked = harness.SigningKey("revoked publisher")
    try:
        native("revoked", b"\x7fELF signed, then the key was revoked", revoked)
        revoked.revoke()
        expect_refused(G + ":revoked:1.0", revoked.fingerprint, "was revoked", trust=(revoked,))
        env = harness.Env(A.binary)
        rc, _, err = resolve(env, G + ":revoked:1.0", "-c", "resolver.signaturePolicy=warn", trust=(revoked,))
        check(rc == 5 and "was revoked" in err, "warn accepted a revoked key", err)
        env.cleanup()
    finally:
        revoked.close()


def test_policy_warn_and_ignore_do_not_vouch_for_later_runs():
    env = harness.Env(A.binary)
    rc, _, err = resolve(env, G + ":unsigned:1.0", "-c", "resolver.signaturePolicy=warn")
    check(rc == 0 and "warning: 1 artifact(s) not verified" in err and "has no signature" in err, "warn", err)
    rc, _, err = resolve(env, G + ":untrusted:1.0", "-c", "resolver.signaturePolicy=ignore")
    check(rc == 0 and "signature" not in err, "ignore", err)
    check(not verified_records(env.cache), "accepted unverified, yet recorded as verified", harness.cache_files(env.cache))
    # the default (require for native) on the same cache: both are refused again
    for coordinate in (G + ":unsigned:1.0", G + ":untrusted:1.0"):
        rc, _, err = resolve(env, coordinate)
        check(rc == 5 and shown(coordinate) in err, "a cached file accepted under another policy was trusted", err)
    # a bad signature is refused even under warn
    rc, _, err = resolve(env, G + ":tampered:1.0", "-c", "resolver.signaturePolicy=warn")
    check(rc == 5 and "BAD signature" in err, "warn accepted a bad signature", err)
    env.cleanup()


def test_unsigned_jar_warns_by_default():
    env = harness.Env(A.binary)
    rc, out, err = resolve(env, G + ":lib:1.0")
    check(rc == 0 and "warning: 1 artifact(s) not verified by a trusted key" in err, "jar default is warn", out, err)
    rc, out, err = resolve(env, G + ":lib:1.0", "-c", "resolver.signaturePolicy=require")
    check(rc == 5 and G + ":lib:1.0 has no signature" in err, "require applies to jars too", err)
    env.cleanup()


def test_plain_http_refused_before_any_connection():
    # The "repository" host does not exist (.invalid never resolves, RFC 6761); all HTTP goes
    # through a proxy on loopback, which would see any attempt, so none can pass unseen.
    env = harness.Env(A.binary)
    proxy = {"http_proxy": URL, "HTTP_PROXY": URL}
    STATE.proxied.clear()
    start = time.monotonic()
    rc, out, err = resolve(env, G + ":lib:1.0", url="http://repo.example.invalid/maven2", extra_env=proxy)
    took = time.monotonic() - start
    check(rc == 5, "plain HTTP accepted", out, err)
    check("refusing the plain HTTP repository http://repo.example.invalid/maven2" in err, "wording", err)
    check("--conf resolver.allowInsecureHttp=repo.example.invalid" in err and "https://" in err, "the fix", err)
    check("resolve host" not in err and "Could not" not in err, "a lookup was attempted", err)
    check(STATE.proxied == [], "a request went out", STATE.proxied)
    check(took < 10, "took %.1fs: something waited on the network" % took)
    # user repositories and defaults alike; loopback and https are not affected
    rc, _, err = env.run("resolve", "--repositories", "http://10.1.2.3/repo", "--default-repositories", URL,
                         G + ":lib:1.0", env=proxy)
    check(rc == 5 and "http://10.1.2.3/repo" in err and STATE.proxied == [], "user repository", err)
    env.cleanup()


def test_redirect_to_plain_http_refused_before_the_request():
    served = tempfile.mkdtemp(prefix="ss-sig-redirect-")
    harness.add_artifact(served, G, "moved", "1.0")
    jar = os.path.join(served, "com/sig/moved/1.0/moved-1.0.jar")
    harness.write(os.path.join(REPO, "elsewhere/moved-1.0.jar"), open(jar, "rb").read())  # where it moved to
    srv, _, url = harness.repo_server.start(
        served, faults={"/moved-1.0.jar": "redirect:http://repo.example.invalid/elsewhere/moved-1.0.jar"})
    env = harness.Env(A.binary)
    proxy = {"http_proxy": URL, "HTTP_PROXY": URL, "no_proxy": "127.0.0.1"}  # the repository directly
    STATE.proxied.clear()
    rc, _, err = resolve(env, G + ":moved:1.0", url=url, extra_env=proxy)
    check(rc == 5 and "refused the plain HTTP URL http://repo.example.invalid/elsewhere/moved-1.0.jar" in err,
          "a redirect to plain HTTP was followed", err)
    check(STATE.proxied == [], "the redirected request went out", STATE.proxied)
    # the opted-in host may be reached by a redirect too
    rc, _, err = resolve(env, G + ":moved:1.0", "-c", "resolver.allowInsecureHttp=repo.example.invalid", url=url,
                         extra_env=proxy)
    check(rc == 0 and STATE.proxied == ["http://repo.example.invalid/elsewhere/moved-1.0.jar"], "an allowed redirect",
          err, STATE.proxied)
    # publishing: plain HTTP only to loopback
    rc, _, err = env.run("publish", "--repository", "http://repo.example.invalid/r", "--file", jar,
                         "--coordinates", "g:a:1.0", env=proxy)
    check(rc == 5 and "refusing to publish to the plain HTTP repository" in err, "publish over plain HTTP", err)
    srv.shutdown()
    shutil.rmtree(served, ignore_errors=True)
    env.cleanup()


def test_plain_http_opt_in_works_and_warns():
    env = harness.Env(A.binary)
    proxy = {"http_proxy": URL, "HTTP_PROXY": URL}
    STATE.proxied.clear()
    opt_in = ("-c", "resolver.allowInsecureHttp=Repo.Example.invalid")
    rc, out, err = resolve(env, G + ":good:1.0", *opt_in, url="http://repo.example.invalid", extra_env=proxy)
    check(rc == 0 and out.startswith(shown(G + ":good:1.0")), "opt-in failed", out, err)
    check("warning: using the plain HTTP repository http://repo.example.invalid because resolver.allowInsecureHttp"
          in err, "no warning", err)
    check(any(p.startswith("http://repo.example.invalid/com/sig/good/") for p in STATE.proxied),
          "did not go through the proxy", STATE.proxied)
    # on every use, also when everything comes from the cache
    rc, _, err = resolve(env, G + ":good:1.0", *opt_in, url="http://repo.example.invalid", extra_env=proxy)
    check(rc == 0 and "warning: using the plain HTTP repository" in err, "warned only once", err)
    env.cleanup()


def test_lockfile_refuses_a_change_of_key():
    env = harness.Env(A.binary)
    lock = os.path.join(env.dir, "lock.json")
    both = (TRUSTED, OTHER)
    rc, _, err = resolve(env, G + ":pinned:1.0", "--lockfile", lock, trust=both)
    check(rc == 0 and TRUSTED.fingerprint in open(lock).read(), "lockfile", err)
    saved = open(PINNED + ".asc").read()
    try:
        OTHER.sign(PINNED)  # the same bytes, re-signed by another (also trusted) key
        fresh = harness.Env(A.binary)
        rc, _, err = resolve(fresh, G + ":pinned:1.0", "--lockfile", lock, trust=both)
        check(rc == 5 and "is not the one in the lockfile" in err and TRUSTED.fingerprint in err
              and OTHER.fingerprint in err, "a change of key was accepted", err)
        rc, _, err = resolve(fresh, G + ":pinned:1.0", trust=both)
        check(rc == 0, "without the lockfile the other trusted key is fine", err)
        fresh.cleanup()
    finally:
        with open(PINNED + ".asc", "w") as f:
            f.write(saved)
    env.cleanup()


def test_publish_sign_is_verified_by_gpg_and_resolves():
    served = tempfile.mkdtemp(prefix="ss-sig-pub-")
    srv, _, url = harness.repo_server.start(served)
    env = harness.Env(A.binary)
    so = os.path.join(env.dir, "libpub.so")
    with open(so, "wb") as f:
        f.write(b"\x7fELF published and signed")
    rc, _, err = env.run("publish", "--repository", url, "--file", so, "--coordinates",
                         "com.pub:plug:1.0:" + PLATFORM, "--sign", TRUSTED.fingerprint, env=TRUSTED.env())
    check(rc == 0 and "(signed)" in err, "publish --sign KEY", err)
    rc, _, err = env.run("publish", "--repository", "file://" + served, "--file", so, "--coordinates",
                         "com.pub:other:1.0:" + PLATFORM, "--sign", env=OTHER.env())  # gpg's default key
    check(rc == 0, "publish --sign (default key)", err)
    ascs = [os.path.join(d, f) for d, _, fs in os.walk(served) for f in fs if f.endswith(".asc")]
    check(len(ascs) == 4, "expected .asc for both files and both POMs", ascs)
    for asc in ascs:
        key = OTHER if "/other/" in asc else TRUSTED
        p = key.gpg("--verify", asc, asc[:-4], check=False)
        check(p.returncode == 0 and "Good signature" in p.stderr, "gpg --verify rejected " + asc, p.stderr)
        check(os.path.isfile(asc + ".sha1"), "no checksum for " + asc)
    rc, out, err = resolve(env, "com.pub:plug:1.0", url=url)
    check(rc == 0 and out.startswith("com.pub:plug:so:" + PLATFORM), "a published, signed plugin", out, err)
    rc, _, err = env.run("publish", "--repository", url, "--file", so, "--coordinates", "com.pub:x:1.0",
                         "--sign", "no-such-key@example.invalid", env=TRUSTED.env())
    check(rc == 5 and "no secret key" in err and "no-such-key" in err, "unknown signing key", err)
    check(not os.path.exists(os.path.join(served, "com/pub/x")), "a failed signing published something")
    srv.shutdown()
    shutil.rmtree(served, ignore_errors=True)
    env.cleanup()


def test_trusted_keys_validation():
    env = harness.Env(A.binary)
    rc, _, err = resolve(env, G + ":good:1.0", "-c", "resolver.trustedKeys=ABCD1234", trust=())
    check(rc == 2 and "short key ids are not accepted" in err, "a short key id", err)
    rc, _, err = resolve(env, G + ":good:1.0", "-c", "resolver.trustedKeys=" + OTHER.public + "," + TRUSTED.fingerprint,
                         trust=())
    check(rc == 2 and "does not give" in err, "a fingerprint without its key", err)
    # a fingerprint narrows the files' keys to that one
    rc, _, err = resolve(env, G + ":untrusted:1.0", "-c", "resolver.trustedKeys=%s,%s,%s" % (
        TRUSTED.public, OTHER.public, TRUSTED.fingerprint), trust=())
    check(rc == 5 and OTHER.fingerprint in err, "a key outside the fingerprints was trusted", err)
    keydir = os.path.join(env.dir, "keys")
    os.makedirs(keydir)
    shutil.copy(TRUSTED.public, keydir)
    rc, _, err = resolve(env, G + ":good:1.0", "-c", "resolver.trustedKeys=" + keydir, trust=())
    check(rc == 0, "a directory of keys", err)
    not_a_key = os.path.join(env.dir, "not-a-key.asc")
    with open(not_a_key, "w") as f:
        f.write("hello\n")
    rc, _, err = resolve(env, G + ":good:1.0", "-c", "resolver.trustedKeys=" + not_a_key, trust=())
    check(rc == 2 and "not-a-key.asc" in err and "hint: " in err, "a file without a key", err)
    rc, _, err = resolve(env, G + ":good:1.0", "-c", "resolver.signaturePolicy=strict")
    check(rc == 2 and "signaturePolicy" in err, "an unknown policy", err)
    env.cleanup()


def test_private_keyring_only():
    """The user's ~/.gnupg is never read or written: a key trusted there is not trusted here."""
    env = harness.Env(A.binary)
    gnupg = os.path.join(env.home, ".gnupg")
    shutil.copytree(OTHER.home, gnupg, ignore=shutil.ignore_patterns("S.*"))
    before = sorted(os.listdir(gnupg))
    tmp = os.path.join(env.dir, "tmp")  # where the private keyring is made, and removed
    os.makedirs(tmp)
    rc, _, err = resolve(env, G + ":untrusted:1.0", trust=(), extra_env={"GNUPGHOME": gnupg, "TMPDIR": tmp})
    check(rc == 5 and OTHER.fingerprint in err, "a key of ~/.gnupg was trusted", err)
    check(sorted(os.listdir(gnupg)) == before, "~/.gnupg was written", before, os.listdir(gnupg))
    check(os.listdir(tmp) == [], "the private keyring was left behind", os.listdir(tmp))
    env.cleanup()


if __name__ == "__main__":
    try:
        raise SystemExit(harness.run_tests(
            [test_trusted_signature_accepted_and_recorded, test_untrusted_key_refused,
             test_tampered_file_refused_despite_matching_checksums, test_missing_signature_refused,
             test_no_trusted_keys_at_all, test_revoked_key_refused_even_under_warn,
             test_policy_warn_and_ignore_do_not_vouch_for_later_runs,
             test_unsigned_jar_warns_by_default, test_plain_http_refused_before_any_connection,
             test_plain_http_opt_in_works_and_warns, test_redirect_to_plain_http_refused_before_the_request,
             test_lockfile_refuses_a_change_of_key,
             test_publish_sign_is_verified_by_gpg_and_resolves, test_trusted_keys_validation,
             test_private_keyring_only], A.tests))
    finally:
        SERVER.shutdown()
        TRUSTED.close()
        OTHER.close()
        shutil.rmtree(REPO, ignore_errors=True)
