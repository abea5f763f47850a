"""Shell completion (completions/): bash, zsh and fish each asked, as a user's TAB would, for
the completions of a command line; all three get their candidates from the binary
(`streamsubmit __complete`), which takes them from its parser and the configuration table."""
import os
import shutil
import subprocess
import tempfile
import unittest

from streamsubmit_test import BIN, main, run

ROOT = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
COMPLETIONS = os.path.join(ROOT, "completions")
ZSH_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness", "zsh_complete.zsh")
CI = os.environ.get("CI") == "true"

# A command line typed up to a TAB, and what must be offered (exactly, or at least these).
EXACT = [
    ("streamsubmit --sink ", ["exec", "files", "kafka"]),
    ("streamsubmit --mode ", ["direct", "receiver"]),
    ("streamsubmit --output j", ["json"]),
    ("streamsubmit --conf stream.mo", ["stream.mode="]),
    ("streamsubmit --conf sink.exec.format=", ["sink.exec.format=json", "sink.exec.format=raw"]),
    ("streamsubmit mock-", ["mock-cluster"]),
    ("streamsubmit resolve --checksum-policy ", ["fail", "ignore", "warn"]),
    ("streamsubmit --bootstrap-serv", ["--bootstrap-servers"]),
]
AT_LEAST = [
    ("streamsubmit --conf ", ["stream.batchInterval=", "kafka.group.id=", "sink.files.dir="]),
    ("streamsubmit ", ["mock-cluster", "config", "resolve", "publish", "submit"]),
    ("streamsubmit mock-cluster --", ["--topic", "--produce", "--brokers"]),
]


def need(what, install):
    if CI:
        raise AssertionError(f"{what} is missing (scripts/setup installs {install})")
    raise unittest.SkipTest(f"{what} is missing: install {install}")


def shell_env():
    """The binary under test first on PATH, as `streamsubmit`; no user configuration."""
    bindir = tempfile.mkdtemp(prefix="streamsubmit-completion-")
    os.symlink(os.path.abspath(BIN), os.path.join(bindir, "streamsubmit"))
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], HOME=bindir,
                XDG_CONFIG_HOME=bindir), bindir


class Completion:
    """Each shell's test asks complete(line) and gets the candidates."""

    def setUp(self):
        self.env, self.tmp = shell_env()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_values_options_and_subcommands(self):
        for line, want in EXACT:
            self.assertEqual(sorted(self.complete(line)), sorted(want), line)
        for line, want in AT_LEAST:
            got = self.complete(line)
            for w in want:
                self.assertIn(w, got, line)

    def test_keys_come_from_the_configuration_table(self):
        keys = {line.split(" = ")[0] for line in run(["config"], check=0).stdout.splitlines()}
        offered = {c.rstrip("=") for c in self.complete("streamsubmit --conf ")}
        self.assertEqual(offered, keys)


class Bash(Completion, unittest.TestCase):
    def complete(self, line):
        script = ('source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; _streamsubmit; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        proc = subprocess.run(["bash", "--norc", "-c", script, "bash", os.path.join(COMPLETIONS, "streamsubmit.bash"),
                               line], capture_output=True, text=True, timeout=60, env=self.env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # bash shows what replaces the part of the word after its last '=' (COMP_WORDBREAKS)
        word = line.split(" ")[-1]
        before = word[:word.rfind("=") + 1]
        return [before + c for c in proc.stdout.splitlines() if c]


class Zsh(Completion, unittest.TestCase):
    def complete(self, line):
        if not shutil.which("zsh"):
            need("zsh", "zsh")
        proc = subprocess.run(["zsh", "-f", ZSH_HARNESS, COMPLETIONS, line], capture_output=True, text=True,
                              timeout=60, env=self.env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [c for c in proc.stdout.splitlines() if c]


class Fish(Completion, unittest.TestCase):
    def complete(self, line):
        if not shutil.which("fish"):
            need("fish", "fish")
        script = f"source {os.path.join(COMPLETIONS, 'streamsubmit.fish')}; complete -C {fish_quote(line)}"
        proc = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True, text=True, timeout=60,
                              env=self.env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [c.split("\t")[0] for c in proc.stdout.splitlines() if c]


def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


if __name__ == "__main__":
    main()
