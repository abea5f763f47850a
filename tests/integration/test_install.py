"""`cmake --install` and the CPack .deb put everything where users expect it, and the
installed binary finds its installed plugins."""
import glob
import json
import os
import re
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
                         "share/bash-completion/completions/streamsubmit",
                         "share/zsh/vendor-completions/_streamsubmit",
                         "share/fish/vendor_completions.d/streamsubmit.fish"):
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

    def test_sdk_cmake_package_and_pkg_config(self):
        """An out-of-tree plugin builds against the installed header both ways, and the CMake
        package refuses an ABI major it does not provide."""
        source = ('#include <streamsubmit/plugin.h>\n'
                  'SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) { return 0; }\n')
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "prefix")
            sh("cmake", "--install", BUILD, "--prefix", prefix)
            project = os.path.join(tmp, "project")
            os.makedirs(project)
            with open(os.path.join(project, "plugin.c"), "w") as f:
                f.write(source)
            with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
                f.write("cmake_minimum_required(VERSION 3.22)\nproject(p C)\n"
                        "find_package(streamsubmit ${WANT} REQUIRED)\nstreamsubmit_add_plugin(p plugin.c)\n")
            sh("cmake", "-S", project, "-B", os.path.join(tmp, "b"), "-DWANT=0.1", "-DCMAKE_PREFIX_PATH=" + prefix)
            sh("cmake", "--build", os.path.join(tmp, "b"))
            self.assertTrue(os.path.exists(os.path.join(tmp, "b", "p.so")))
            newer = subprocess.run(["cmake", "-S", project, "-B", os.path.join(tmp, "b2"), "-DWANT=2",
                                    "-DCMAKE_PREFIX_PATH=" + prefix], capture_output=True, text=True, timeout=300)
            self.assertNotEqual(newer.returncode, 0)
            self.assertIn("compatible with requested version", newer.stderr)

            pcs = glob.glob(os.path.join(prefix, "lib*", "**", "pkgconfig", "streamsubmit.pc"), recursive=True)
            self.assertEqual(len(pcs), 1)
            env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
            cflags = sh("pkg-config", "--cflags", "streamsubmit", env=env).stdout.split()
            self.assertEqual(os.path.realpath(cflags[0][2:]), os.path.realpath(os.path.join(prefix, "include")))
            sh("cc", "-shared", "-fPIC", *cflags, "-o", os.path.join(tmp, "pc.so"), os.path.join(project, "plugin.c"))

    def test_the_plugin_guide_examples_build_and_run(self):
        """The complete sources in the installed plugin author's guide compile warning-free against
        the installed header, and run: its source connector (not Kafka) feeds its application."""
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "prefix")
            sh("cmake", "--install", BUILD, "--prefix", prefix)
            with open(os.path.join(prefix, "include", "streamsubmit", "README.md")) as f:
                blocks = [b for b in re.findall(r"```c\n(.*?)```", f.read(), re.S) if "STREAMSUBMIT_PLUGIN(" in b]
            built = {}
            for block in blocks:
                name = re.search(r'\.name = "([a-z]+)"', block).group(1)
                src, so = os.path.join(tmp, name + ".c"), os.path.join(tmp, name + ".so")
                with open(src, "w") as f:
                    f.write(block)
                sh("cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared", "-fPIC",
                   "-I" + os.path.join(prefix, "include"), "-o", so, src)
                built[name] = so
            self.assertEqual(sorted(built), ["count", "numbers"])
            env = {k: v for k, v in os.environ.items() if k != "STREAMSUBMIT_PLUGIN_DIR"}
            job = subprocess.run([os.path.join(prefix, "bin", "streamsubmit"), "--plugins", built["numbers"],
                                  "--bootstrap-servers", "none", "--topics", "numbers", "--until", "latest",
                                  "--conf", "kafka.auto.offset.reset=earliest",
                                  "--output", "json", built["count"]],
                                 capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(job.returncode, 0, job.stderr)
            ranges = [r for line in job.stdout.splitlines() for r in json.loads(line)["ranges"]]
            self.assertEqual(sum(r["untilOffset"] - r["fromOffset"] for r in ranges), 200)
            self.assertIn("count: 200 records after batch", job.stderr)

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
