"""The example apps (examples/*/run.sh) against the real binary: each starts its own server,
sets itself up through the HTTP API, drives itself, checks its own results and exits 0 only
when they pass. docs/examples/ describes them."""
import os
import signal
import subprocess
import sys
import time
import unittest

from harness import REPO, SLUICE_BIN

EXAMPLES = os.path.join(REPO, "examples")


class ExamplesTest(unittest.TestCase):
    def run_example(self, name, timeout=300, **env):
        script = os.path.join(EXAMPLES, name, "run.sh")
        self.assertTrue(os.access(script, os.X_OK), f"{script} is not executable")
        t = time.monotonic()
        # Its own process group: on a timeout the whole example (its server, its stub) is stopped,
        # first with SIGTERM so run.sh's exit trap stops the server by PID and removes its files.
        p = subprocess.Popen([script], env={**os.environ, "SLUICE_BIN": SLUICE_BIN, **env},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                out, _ = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                out, _ = p.communicate()
            self.fail(f"{name}/run.sh did not finish in {timeout} s:\n{out[-4000:]}")
        sys.stderr.write(f"\n--- {name} ({time.monotonic() - t:.1f} s, exit {p.returncode}) ---\n{out}")
        self.assertEqual(p.returncode, 0, f"{name}/run.sh failed:\n{out[-4000:]}")
        self.assertIn("OK: all", out)

    def test_image_processing(self):
        self.run_example("image-processing")

    def test_order_fanout(self):
        self.run_example("order-fanout")

    def test_red_packet(self):
        self.run_example("red-packet")

    def test_peak_shaving(self):
        # The full 100,000-event burst unless told otherwise (CI=true makes it 20,000).
        self.run_example("peak-shaving", timeout=400)

    def test_order_routing(self):
        self.run_example("order-routing")

    def test_hourly_report(self):
        self.run_example("hourly-report")

    def test_missing_binary_is_a_clear_error(self):
        p = subprocess.run([os.path.join(EXAMPLES, "order-fanout", "run.sh")],
                           env={**os.environ, "SLUICE_BIN": "/nonexistent/sluice"},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("SLUICE_BIN", p.stdout)


if __name__ == "__main__":
    unittest.main()
