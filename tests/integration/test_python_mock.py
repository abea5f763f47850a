"""Python jobs on the embedded mock cluster: the cases of python_job_cases.py (shared with
test_python_kafka.py), and what does not depend on the cluster: SIGINT stays streamsubmit's, the
module's pydoc reference, a python plugin given with --plugins."""
import os
import shutil
import signal
import textwrap
import unittest

from cluster_topics import MockTopics
from python_job_cases import PythonJobByCoordinatesCases, PythonJobCases
from streamsubmit_test import EXIT_APPLICATION, EXIT_OK, main, output_of, run, start, wait_for


class PythonJobsOnMock(MockTopics, PythonJobCases, unittest.TestCase):
    picky_prefix = "3"  # the mock's values are digits

    def test_sigint_stops_the_job_not_the_python_code(self):
        script = self.write("job.py", textwrap.dedent("""
            import builtins, sys, time
            def foreach_batch(batch, records):
                with builtins.open(sys.argv[1], "a") as f:
                    f.write("start %d\\n" % batch.id)
                time.sleep(1.5)  # SIGINT arrives here: no KeyboardInterrupt, the batch ends normally
                with builtins.open(sys.argv[1], "a") as f:
                    f.write("end %d\\n" % batch.id)
        """))
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 1, 100) as (bootstrap, topic):
            args = ["--bootstrap-servers", bootstrap, "--topics", topic, "--conf",
                    "kafka.auto.offset.reset=earliest", "--checkpoint", os.path.join(self.dir, "cp"), script, out]
            job = start(args)
            wait_for(lambda: os.path.exists(out), what="the first batch to start", jobs=[job])
            job.send_signal(signal.SIGINT)
            job.wait(timeout=60)
            _, err = output_of(job)
        self.assertEqual(job.returncode, EXIT_OK, err)
        self.assertNotIn("KeyboardInterrupt", err)
        with open(out) as f:
            self.assertEqual(f.read(), "start 0\nend 0\n")

    def test_the_module_has_a_pydoc_reference(self):
        script = self.write("job.py", textwrap.dedent("""
            import builtins, pydoc, sys, streamsubmit
            def foreach_batch(batch, records):
                with builtins.open(sys.argv[1], "w") as f:
                    f.write(pydoc.render_doc(streamsubmit, renderer=pydoc.plaintext))
        """))
        out = os.path.join(self.dir, "out")
        with self.topic("orders", 1, 1) as (bootstrap, topic):
            run(self.job(bootstrap, topic, script, out), check=EXIT_OK)
        with open(out) as f:
            doc = f.read()
        for name in ("foreach_batch(batch, records)", "process(batch, range, records)", "recover(positions)",
                     "class OffsetRange", "fromOffset", "untilOffset", "class Record", "timestamp_type",
                     "keyDecoder"):
            self.assertIn(name, doc)

    def test_the_python_plugin_halves_the_prefetch_queue_unless_the_user_sets_it(self):
        script = self.write("job.py", "def foreach_batch(batch, records):\n    pass\n")
        said = "kafka.queued.max.messages.kbytes = 2048: the default of Python job job.py"
        with self.topic("orders", 1, 5) as (bootstrap, topic):
            proc = run(self.job(bootstrap, topic, "-v", script), check=EXIT_OK)
            self.assertIn(said, proc.stderr)
            proc = run(self.job(bootstrap, topic, "-v", "--conf", "kafka.queued.max.messages.kbytes=4096", script),
                       check=EXIT_OK)
            self.assertNotIn(said, proc.stderr)
            self.assertIn("kafka.queued.max.messages.kbytes = 4096  (--conf)", proc.stderr)

    def test_a_python_plugin_given_with_plugins_hosts_the_job(self):
        copy = os.path.join(self.dir, "plugins", "streamsubmit-python.so")
        os.makedirs(os.path.dirname(copy))
        shutil.copy(os.path.join(os.environ["STREAMSUBMIT_BUILD_DIR"], "plugins", "streamsubmit-python.so"), copy)
        script = self.write("job.py", "def foreach_batch(batch, records):\n    raise KeyError('from the copy')\n")
        with self.topic("orders", 1, 5) as (bootstrap, topic):
            proc = run(self.job(bootstrap, topic, "--plugins", copy, script), check=EXIT_APPLICATION)
        self.assertIn("(%s)" % copy, proc.stderr)


class PythonJobByCoordinatesOnMock(MockTopics, PythonJobByCoordinatesCases, unittest.TestCase):
    pass



if __name__ == "__main__":
    main()
