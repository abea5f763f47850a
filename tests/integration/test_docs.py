"""The man page, --help and the configuration table agree; the man page renders cleanly."""
import os
import ast
import re
import shlex
import subprocess
import tempfile
import textwrap
import unittest

from streamsubmit_test import BIN, EXIT_OK, MockCluster, main, run

ROOT = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PAGE = os.path.join(ROOT, "man", "streamsubmit.1")


def rendered(page, warnings=False, width=100):
    args = ["man", "-l", page] if not warnings else ["man", "--warnings", "-l", page]
    proc = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, MANWIDTH=str(width)),
                          timeout=60)
    proc.stdout = re.sub(".\b", "", proc.stdout)  # drop overstrike bold/underline
    return proc


class ManPage(unittest.TestCase):
    def test_configuration_section_matches_the_table(self):
        proc = subprocess.run([os.path.join(ROOT, "scripts", "update-man"), "--check"], capture_output=True,
                              text=True, env=dict(os.environ, STREAMSUBMIT_BIN=BIN), timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_renders_without_warnings(self):
        proc = rendered(PAGE, warnings=True, width=80)  # a terminal's default width
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stderr.strip(), "")

    def test_every_option_of_help_is_in_the_man_page(self):
        text = rendered(PAGE).stdout
        options = set(re.findall(r"^\s+(?:-\w,)?(--[a-z][a-z-]+)", run(["--help"], check=0).stdout, re.M))
        self.assertGreater(len(options), 10)
        for opt in sorted(options):
            self.assertIn(opt, text, f"{opt} is in --help but not in the man page")

    def test_every_option_of_help_is_in_the_options_section(self):
        text = rendered(PAGE).stdout
        section = text.split("\nOPTIONS\n", 1)[1].split("\nCONFIGURATION\n", 1)[0]
        documented = set(re.findall(r"^\s{7}(?:-\w, )?(--[a-z][a-z-]+)", section, re.M))
        options = set(re.findall(r"^\s+(?:-\w,)?(--[a-z][a-z-]+)", run(["--help"], check=0).stdout, re.M))
        self.assertIn("--sink", options)
        self.assertEqual(sorted(options - documented), [], "options of --help without an entry in OPTIONS")

    def test_every_bundled_sink_is_named_where_sinks_are_described(self):
        keys = [line.split(" = ")[0] for line in run(["config"], check=0).stdout.splitlines()]
        sinks = sorted({k.split(".")[1] for k in keys if k.startswith("sink.")})
        self.assertEqual(sinks, ["exec", "files", "kafka"])
        text = rendered(PAGE).stdout
        described = text.split("Applications and sinks", 1)[1].split("Guarantees after a crash", 1)[0]
        option = text.split("\nOPTIONS\n", 1)[1].split("--plugins", 1)[0].split("--sink", 1)[1]
        for sink in sinks:
            self.assertRegex(described, rf"\b{sink}\b")
            self.assertRegex(option, rf"\b{sink}\b")

    def test_the_guarantees_table_is_headed_for_every_mode_it_lists(self):
        text = rendered(PAGE, width=80).stdout
        heading, table = text.split("Guarantees after a crash", 1)[1].split("\n", 1)
        self.assertEqual(heading.strip(), "(with --checkpoint):")
        rows = table.strip("\n").split("\n\n", 1)[0].splitlines()
        modes = [re.split(r"\s{2,}", row.strip())[0] for row in rows[1:]]
        self.assertEqual(modes, ["direct", "receiver + log", "receiver, no log", "group mode"])

    def test_no_key_is_newer_than_the_binary(self):
        version = run(["--version"], check=0).stdout.split()[-1]
        as_tuple = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
        for page in (run(["config", "--format", "troff"], check=0).stdout, open(PAGE).read()):
            for since in re.findall(r"since (\d+\.\d+\.\d+)", page):
                self.assertLessEqual(as_tuple(since), as_tuple(version), f"a key says since {since}, the binary is "
                                                                         f"{version}")

    def test_the_duration_grammar_is_the_parsers(self):
        """Every duration the man page shows as accepted is, and what it says is refused is."""
        text = " ".join(rendered(PAGE).stdout.split())
        grammar = text.split("DURATIONS:", 1)[1].split("bare number", 1)[0]
        for unit in ("ms (milliseconds)", " s (seconds)", " m or min (minutes)", " h (hours)"):
            self.assertIn(unit, grammar)
        accepted = ["500ms", "2s", "1m", "24h", "1.5s", "0.25m", "90min"]
        for example in accepted[:-1]:
            self.assertIn(example, grammar)
        for value in accepted:
            proc = run(["--topics", "orders", "--batch-interval", value], check=2)
            self.assertEqual(proc.stderr.splitlines()[0], "streamsubmit: error: no Kafka brokers given "
                                                          "(kafka.bootstrap.servers)", value)
        for value in ("2", "0.5ms", "1.5", "2d", "s"):
            proc = run(["--topics", "orders", "--batch-interval", value], check=2)
            self.assertIn("invalid value for stream.batchInterval", proc.stderr, value)

    def test_every_table_key_is_documented(self):
        text = rendered(PAGE).stdout
        for line in run(["config"], check=0).stdout.splitlines():
            key = line.split(" = ")[0]
            self.assertIn(key, text)

    def test_sections(self):
        text = rendered(PAGE).stdout
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "MODES", "OPTIONS", "CONFIGURATION", "OUTPUT",
                        "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"):
            self.assertRegex(text, rf"(?m)^{section}$")

    def test_exit_codes_agree_with_readme(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme_codes = set(re.findall(r"^\| (\d+) \|", f.read(), re.M))
        text = rendered(PAGE).stdout
        section = text.split("EXIT STATUS", 1)[1].split("ENVIRONMENT", 1)[0]
        man_codes = set(re.findall(r"^\s{7}(\d+)\s{2,}\S", section, re.M))
        self.assertEqual(readme_codes, man_codes)


class Architecture(unittest.TestCase):
    def test_runtime_parts_include_only_what_architecture_md_allows(self):
        """ARCHITECTURE.md's "runtime/, part by part" table: every #include of another part is allowed there."""
        with open(os.path.join(ROOT, "ARCHITECTURE.md")) as f:
            text = f.read()
        section = text.split("## runtime/, part by part", 1)[1].split("\n## ", 1)[0]
        allowed = {}
        for part, deps in re.findall(r"^\| `([a-z]+)/` \|[^|]*\|([^|]*)\|$", section, re.M):
            allowed[part] = {d.strip() for d in deps.split(",") if d.strip()}
        runtime = os.path.join(ROOT, "runtime")
        parts = sorted(d for d in os.listdir(runtime) if os.path.isdir(os.path.join(runtime, d)))
        self.assertEqual(sorted(allowed), parts, "every part of runtime/ has a row, and every row a part")
        loose = [f for f in os.listdir(runtime) if f.endswith((".h", ".cpp"))]
        self.assertEqual(loose, [], "runtime/ keeps its code in its parts")
        checked = 0
        for part in parts:
            for dirpath, _, files in os.walk(os.path.join(runtime, part)):
                for name in files:
                    with open(os.path.join(dirpath, name)) as f:
                        for other in re.findall(r'#include "runtime/([a-z]+)/', f.read()):
                            checked += 1
                            if other != part:
                                self.assertIn(other, allowed[part], f"runtime/{part}/{name} includes runtime/{other}/")
        self.assertGreater(checked, 50)


class Hints(unittest.TestCase):
    def test_help_man_page_and_readme_show_the_same_python_job_and_it_runs(self):
        help_text = run(["--help"], check=0).stdout
        shown = help_text.split("  $ cat count.py\n", 1)[1]
        script, command = shown.split("  $ streamsubmit ", 1)
        script = textwrap.dedent(script)
        command = "streamsubmit " + command.split("\n\n", 1)[0].replace("\\\n", " ")
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        self.assertTrue(script.strip() in readme.replace("\n\n", "\n"), "README lacks --help's job:\n" + script)
        self.assertTrue(script.strip() in rendered(PAGE).stdout.replace("\n              ", "\n"),
                        "the man page lacks --help's job:\n" + script)
        self.assertIn(" count.py\n", readme)
        # The job --help shows, run as it shows it, on a mock cluster: it counts every record.
        with tempfile.TemporaryDirectory() as tmp, MockCluster(topics=["orders:2"], produce=["orders:300"]) as c:
            with open(os.path.join(tmp, "count.py"), "w") as f:
                f.write(script)
            args = shlex.split(command.replace('"$KAFKA"', c.bootstrap).replace("/var/lib/orders-job", tmp + "/cp"))
            args = args[1:-1] + ["--until", "latest", "--conf", "kafka.auto.offset.reset=earliest", "count.py"]
            proc = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=120, cwd=tmp)
        self.assertEqual(proc.returncode, EXIT_OK, proc.stderr)
        last = [l for l in proc.stderr.splitlines() if re.match(r"^\d+ \{", l)][-1]
        self.assertEqual(sum(ast.literal_eval(last.split(" ", 1)[1]).values()), 300)

    def test_every_conf_key_named_in_the_sources_exists(self):
        """A hint or message saying `--conf KEY` names a key of the table (or a kafka.* key)."""
        keys = {line.split(" = ")[0] for line in run(["config"], check=0).stdout.splitlines()}
        self.assertIn("stream.batchInterval", keys)
        named = {}
        for folder in ("cli", "runtime", "resolver", "plugins", "common"):
            for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
                for name in files:
                    if name.endswith((".cpp", ".h")):
                        path = os.path.join(dirpath, name)
                        with open(path, errors="replace") as f:
                            for key in re.findall(r"--conf ([A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9])(?![A-Za-z0-9_*.])", f.read()):
                                named.setdefault(key, path)
        self.assertGreater(len(named), 3)
        for key, path in sorted(named.items()):
            if key.startswith("kafka.") or key == "KEY":
                continue
            self.assertIn(key, keys, f"{path} names --conf {key}, which is not a configuration key")


if __name__ == "__main__":
    main()
