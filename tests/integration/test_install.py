"""`cmake --install` and the CPack .deb put everything where users expect it, and the
installed binary finds its installed plugins."""
import glob
import os
import subprocess
import tempfile
import unittest

from streamsubmit_test import main

BUILD = os.environ["STREAMSUBMIT_BUILD_DIR"]


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600, check=True, **kw)


class Install(unittest.TestCase):
    def test_cmake_install_layout_and_plugin_discovery(self):
        with tempfile.TemporaryDirectory() as prefix:
            sh("cmake", "--install", BUILD, "--prefix", prefix)
            exe = os.path.join(prefix, "bin", "streamsubmit")
            for path in ("bin/streamsubmit", "include/streamsubmit/plugin.h", "share/man/man1/streamsubmit.1",
                         "share/bash-completion/completions/streamsubmit"):
                self.assertTrue(os.path.exists(os.path.join(prefix, path)), path)
            self.assertEqual(len(glob.glob(os.path.join(prefix, "lib*", "**", "streamsubmit-kafka.so"),
                                           recursive=True)), 1)
            env = {k: v for k, v in os.environ.items() if k != "STREAMSUBMIT_PLUGIN_DIR"}
            cluster = subprocess.Popen([exe, "mock-cluster", "--brokers", "1", "--topic", "t:1", "--produce", "t:10"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE,
                                       text=True, env=env)
            try:
                bootstrap = cluster.stdout.readline().strip().split("=", 1)[1]
                job = subprocess.run([exe, "--bootstrap-servers", bootstrap, "--topics", "t", "--until", "latest",
                                      "--conf", "kafka.auto.offset.reset=earliest", "-v"],
                                     capture_output=True, text=True, timeout=60, env=env)
            finally:
                cluster.terminate()
                cluster.wait(timeout=20)
            self.assertEqual(job.returncode, 0, job.stderr)
            self.assertIn(os.path.realpath(prefix), os.path.realpath(job.stderr.split("plugin kafka")[1].split(" from ")[1].split()[0]))
            self.assertIn("t 0 0 10", job.stdout)

    def test_debian_package(self):
        with tempfile.TemporaryDirectory() as tmp:
            sh("cpack", "-G", "DEB", "-B", tmp, cwd=BUILD)
            debs = glob.glob(os.path.join(tmp, "*.deb"))
            self.assertEqual(len(debs), 1)
            info = sh("dpkg-deb", "--info", debs[0]).stdout
            self.assertIn("librdkafka", info)  # shlibdeps found the runtime dependencies
            root = os.path.join(tmp, "root")
            sh("dpkg", "-x", debs[0], root)
            version = sh(os.path.join(root, "usr", "bin", "streamsubmit"), "--version").stdout
            self.assertRegex(version, r"^streamsubmit \d+\.\d+\.\d+")
            page = sh("man", "-l", os.path.join(root, "usr", "share", "man", "man1", "streamsubmit.1"),
                      env=dict(os.environ, MANWIDTH="80")).stdout
            self.assertIn("EXIT STATUS", page.replace("\b", "").replace("E\bE", "E"))
            self.assertTrue(glob.glob(os.path.join(root, "usr", "lib*", "**", "streamsubmit-kafka.so"), recursive=True))


if __name__ == "__main__":
    main()
