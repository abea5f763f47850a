"""The deployment examples in deploy/ stay valid: the systemd unit passes `systemd-analyze
verify` (with ExecStart pointing at the built binary, since verify checks that it exists) and
the Kubernetes StatefulSet parses as YAML and runs every pod as its own static group member.
Under CI=true a missing tool is a failure, elsewhere a skip that says what to install."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("STREAMSUBMIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STREAMSUBMIT_BIN", "streamsubmit")
DEPLOY = os.path.join(ROOT, "deploy")
CI = os.environ.get("CI") == "true"


def need(what, install):
    if CI:
        raise AssertionError(f"{what} is missing (scripts/setup installs {install})")
    raise unittest.SkipTest(f"{what} is missing: install {install}")


def load_yaml(path):
    """PyYAML from this interpreter, else Debian's python3-yaml through /usr/bin/python3."""
    try:
        import yaml
        with open(path) as f:
            return list(yaml.safe_load_all(f))
    except ImportError:
        pass
    if not os.path.exists("/usr/bin/python3"):
        need("PyYAML", "python3-yaml")
    code = "import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))"
    p = subprocess.run(["/usr/bin/python3", "-c", code, path], capture_output=True, text=True)
    if p.returncode != 0:
        if "No module named 'yaml'" in p.stderr:
            need("PyYAML", "python3-yaml")
        raise AssertionError(f"{path} does not parse as YAML:\n{p.stderr}")
    import json
    return json.loads(p.stdout)


class DeploymentExamples(unittest.TestCase):
    def test_systemd_unit_verifies(self):
        if not shutil.which("systemd-analyze"):
            need("systemd-analyze", "systemd")
        unit = os.path.join(DEPLOY, "streamsubmit-orders.service")
        with open(unit) as f:
            text = f.read()
        self.assertIn("kafka.group.instance.id=%H", text)
        self.assertIn("stream.kafka.coordination=group", text)
        self.assertIn("--metrics-address 127.0.0.1:9464", text)
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, os.path.basename(unit))
            with open(copy, "w") as f:
                f.write(text.replace("/usr/bin/streamsubmit", os.path.abspath(shutil.which(BIN) or BIN)))
            p = subprocess.run(["systemd-analyze", "verify", copy], capture_output=True, text=True)
            # verify also reports problems of unrelated units on the machine; only ours count.
            ours = [line for line in (p.stdout + p.stderr).splitlines() if os.path.basename(unit) in line]
            self.assertEqual(ours, [], p.stdout + p.stderr)

    def test_statefulset_parses_and_uses_the_pod_name_as_instance_id(self):
        docs = load_yaml(os.path.join(DEPLOY, "streamsubmit-orders-statefulset.yaml"))
        self.assertEqual(len(docs), 1)
        sts = docs[0]
        self.assertEqual((sts["apiVersion"], sts["kind"]), ("apps/v1", "StatefulSet"))
        self.assertEqual(sts["spec"]["selector"]["matchLabels"], sts["spec"]["template"]["metadata"]["labels"])
        container = sts["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        self.assertEqual(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")
        args = container["args"]
        self.assertIn("kafka.group.instance.id=$(POD_NAME)", args)
        self.assertIn("stream.kafka.coordination=group", args)
        # The probes and the scrape annotations point at the port --metrics-address listens on.
        port = int(args[args.index("--metrics-address") + 1].rsplit(":", 1)[1])
        self.assertEqual(container["ports"][0], {"name": "metrics", "containerPort": port})
        self.assertEqual(container["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "metrics"})
        self.assertEqual(container["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "metrics"})
        annotations = sts["spec"]["template"]["metadata"]["annotations"]
        self.assertEqual((annotations["prometheus.io/scrape"], annotations["prometheus.io/port"]), ("true", str(port)))
        # The arguments are streamsubmit's: they must parse (usage errors are exit 2).
        check = [a.replace("$(POD_NAME)", "orders-0").replace("$(KAFKA)", "127.0.0.1:1") for a in args]
        p = subprocess.run([BIN, "config"] + check, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
