"""`sluice bench` smoke test: a tiny throughput run against a real server checks itself (every
message received exactly once) and reports in both formats. Numbers are never asserted here; they
go to docs/BENCHMARKS.md."""
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

    def test_unknown_workload_is_a_usage_error(self):
        p = self.server.cli("bench", "no-such-workload", check=False)
        self.assertNotIn(p.returncode, (0, 1), p)
        self.assertIn("WORKLOAD", p.stderr)

    def test_help_lists_the_workloads(self):
        p = self.server.cli("bench", "--help")
        for name in ("throughput", "latency", "backlog", "--rate", "--json", "--server-pid"):
            self.assertIn(name, p.stdout)


if __name__ == "__main__":
    unittest.main()
