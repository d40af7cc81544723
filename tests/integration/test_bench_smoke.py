"""`sluice bench` smoke test: tiny runs of the workloads against a real server check themselves
(every message received exactly once; delayed ones never early, FIFO groups in order) and report in
both formats. Numbers are never asserted here; they go to docs/BENCHMARKS.md."""
import json
import unittest

from harness import ServerTest


class TestBenchSmoke(ServerTest):
    server_args = ("--durability", "none")

    def bench(self, *args, check=True):
        return self.server.cli("bench", *args, "--quiet", check=check, timeout=120)

    def test_throughput_count_1000_passes_its_own_checks(self):
        p = self.bench("throughput", "--count", "1000")
        self.assertIn("PASS", p.stdout, p)
        self.assertRegex(p.stdout, r"publish\s+1,000 msgs", p.stdout)
        self.assertRegex(p.stdout, r"consume\s+1,000 msgs", p.stdout)
        self.assertRegex(p.stdout, r"check exactly_once\s+ok", p.stdout)

    def test_json_report_has_rates_latency_checks_and_server_footprint(self):
        p = self.bench("throughput", "--count", "1000", "--batch", "50", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["workload"], "throughput")
        self.assertEqual(doc["phases"]["publish"]["messages"], 1000)
        self.assertEqual(doc["phases"]["consume"]["messages"], 1000)
        self.assertGreater(doc["phases"]["publish"]["rate"], 0)
        for key in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"):
            self.assertIn(key, doc["latency"]["end_to_end"])
        self.assertEqual({c["name"] for c in doc["checks"]},
                         {"no_errors", "exactly_once", "counts_match", "queue_empty"})
        # The server is local: its pid is found from the port, its data dir from its command line.
        self.assertEqual(doc["server_footprint"]["pid"], self.server.proc.pid)
        self.assertGreater(doc["server_footprint"]["peak_rss_bytes"], 0)
        self.assertIn("data_dir_bytes", doc["server_footprint"])

    def test_bench_queue_is_deleted_afterwards(self):
        self.bench("throughput", "--count", "100", "--queue", "smoke-q")
        self.assertEqual(self.server.get("/v1/queues/smoke-q").status, 404)

    def test_delayed_fires_every_message_once_and_never_early(self):
        p = self.bench("delayed", "--count", "200", "--fire-after", "2s", "--fire-window", "1s",
                       "--other-rate", "500", "--queue", "smoke-delayed", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["phases"]["publish"]["messages"], 200)
        self.assertEqual(doc["phases"]["fire"]["messages"], 200)
        self.assertGreater(doc["phases"]["other_publish"]["messages"], 0)
        self.assertEqual(doc["latency"]["lateness"]["count"], 200)
        for key in ("p50_ms", "p99_ms", "p999_ms", "max_ms"):
            self.assertIn(key, doc["latency"]["lateness"])
        self.assertEqual(doc["counters"]["early"], 0)
        self.assertLessEqual({"no_errors", "exactly_once", "counts_match", "queue_empty",
                              "none_early", "other_exactly_once", "other_queue_empty"},
                             {c["name"] for c in doc["checks"]})
        self.assertIn("peak_rss_pending_bytes", doc["server_footprint"])
        # Both queues are deleted afterwards.
        self.assertEqual(self.server.get("/v1/queues/smoke-delayed").status, 404)
        self.assertEqual(self.server.get("/v1/queues/smoke-delayed-other").status, 404)

    def test_delayed_keep_publishes_only_and_leaves_the_messages_pending(self):
        p = self.bench("delayed", "--count", "200", "--fire-after", "1h", "--keep",
                       "--queue", "smoke-kept")
        self.assertIn("PASS", p.stdout, p)
        self.assertRegex(p.stdout, r"check queue_holds_all\s+ok", p.stdout)
        self.assertNotIn("fire ", p.stdout)
        stats = self.server.queue_stats("smoke-kept")
        self.assertEqual((stats["delayed"], stats["visible"], stats["delivered"]), (200, 0, 0), stats)
        self.server.delete("/v1/queues/smoke-kept")

    def test_fifo_checks_group_order_on_a_fifo_queue(self):
        p = self.bench("fifo", "--count", "2000", "--groups", "50", "--queue", "smoke-fifo",
                       "--keep-queue", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["settings"]["queue_type"], "fifo")
        self.assertEqual(doc["phases"]["consume"]["messages"], 2000)
        self.assertEqual(doc["counters"]["order_violations"], 0)
        self.assertIn("group_order", {c["name"] for c in doc["checks"]})
        self.assertTrue(self.server.get("/v1/queues/smoke-fifo").json["fifo"])
        self.server.delete("/v1/queues/smoke-fifo")

    def test_fifo_groups_0_is_the_same_run_on_a_standard_queue(self):
        p = self.bench("fifo", "--count", "2000", "--groups", "0", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["settings"]["queue_type"], "standard")
        self.assertEqual(doc["phases"]["consume"]["messages"], 2000)
        self.assertNotIn("group_order", {c["name"] for c in doc["checks"]})

    def test_workload_options_are_refused_elsewhere(self):
        for args in (("throughput", "--keep"), ("throughput", "--groups", "5"),
                     ("fifo", "--fire-after", "1s"), ("delayed", "--duration", "5s")):
            p = self.server.cli("bench", *args, check=False)
            self.assertEqual(p.returncode, 2, (args, p))

    def test_unknown_workload_is_a_usage_error(self):
        p = self.server.cli("bench", "no-such-workload", check=False)
        self.assertNotIn(p.returncode, (0, 1), p)
        self.assertIn("WORKLOAD", p.stderr)

    def test_help_lists_the_workloads(self):
        p = self.server.cli("bench", "--help")
        for name in ("throughput", "latency", "backlog", "delayed", "fifo", "--rate", "--json",
                     "--server-pid", "--keep", "--groups", "--fire-after", "--fire-window",
                     "--other-rate"):
            self.assertIn(name, p.stdout)


if __name__ == "__main__":
    unittest.main()
