"""`sluice bench` smoke test: tiny runs of the workloads against a real server check themselves
(every message received exactly once; delayed ones never early, FIFO groups in order; every
fan-out subscription gets every message; a push subscription delivers every message to the
bench's own HTTP sink; a bus's rules deliver every event once to the queue; function invocations
answer 200 and each cold-start round's first call is cold) and report in both formats. Numbers are never asserted here; they go to
docs/BENCHMARKS.md."""
import json
import re
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

    def test_async_and_sync_acks_each_ack_every_message(self):
        # backlog acks on a second connection by default; throughput waits for each ack.
        for workload, acks in (("backlog", None), ("throughput", "async"), ("backlog", "sync")):
            args = [workload, "--count", "2500", "--ack-batch", "300", "--json"]
            if acks:
                args += ["--acks", acks]
            doc = json.loads(self.bench(*args).stdout)
            self.assertTrue(doc["ok"], doc)
            self.assertEqual(doc["settings"]["acks"], acks or "async", doc["settings"])
            self.assertEqual(doc["counters"]["acked"], 2500, doc["counters"])
        p = self.bench("backlog", "--count", "10", "--acks", "later", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--acks", p.stderr)

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

    def test_delayed_measure_for_checks_only_the_measured_span_and_deletes_the_rest(self):
        # 2,000 due over 20 s from 2 s on: the first 3 s (300 messages) are measured.
        p = self.bench("delayed", "--count", "2000", "--fire-after", "2s", "--fire-window", "20s",
                       "--measure-for", "3s", "--other-rate", "0", "--queue", "smoke-measured",
                       "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["settings"]["measured"], "300")
        self.assertEqual(doc["phases"]["fire"]["messages"], 300)
        self.assertEqual(doc["latency"]["lateness"]["count"], 300)
        self.assertEqual(doc["counters"]["early"], 0)
        self.assertLessEqual({"exactly_once", "counts_match", "queue_holds_rest", "none_early"},
                             {c["name"] for c in doc["checks"]})
        self.assertEqual(self.server.get("/v1/queues/smoke-measured").status, 404)

    def test_fanout_stores_once_and_every_subscription_holds_every_message(self):
        p = self.bench("fanout", "--count", "2000", "--subscriptions", "3", "--topic", "smoke-fan",
                       "--keep-queue", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["topic"], "smoke-fan")
        self.assertEqual(doc["phases"]["publish"]["messages"], 2000)
        self.assertGreater(doc["counters"]["storage_bytes_written"], 0)
        for key in ("storage_bytes_written_per_message", "data_dir_growth_per_message",
                    "stored_bytes_per_message"):
            self.assertIn(key, doc["figures"])
        self.assertEqual({c["name"] for c in doc["checks"]},
                         {"no_errors", "counts_match", "stored_once", "subscriptions_hold_all"})
        topic = self.server.get("/v1/topics/smoke-fan").json
        self.assertEqual(sorted(topic["subscriptions"]), ["s0", "s1", "s2"])
        self.assertEqual(topic["stats"]["stored"], 2000)
        self.server.delete("/v1/topics/smoke-fan")

    def test_fanout_consume_checks_every_subscription_exactly_once(self):
        p = self.bench("fanout", "--count", "1000", "--subscriptions", "4", "--consume",
                       "--partitions", "2", "--topic", "smoke-fan-c")
        self.assertIn("PASS", p.stdout, p)
        self.assertRegex(p.stdout, r"consume_all\s+4,000 msgs", p.stdout)
        self.assertRegex(p.stdout, r"check exactly_once\s+ok\s+all 4 subscriptions", p.stdout)
        self.assertRegex(p.stdout, r"check subscriptions_drained\s+ok", p.stdout)
        self.assertEqual(self.server.get("/v1/topics/smoke-fan-c").status, 404)

    def test_push_delivers_every_message_to_the_sink(self):
        p = self.bench("push", "--count", "1000", "--concurrency", "8", "--topic", "smoke-push",
                       "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["settings"]["concurrency"], "8")
        self.assertEqual(doc["phases"]["delivered"]["messages"], 1000)
        self.assertGreater(doc["phases"]["delivered"]["rate"], 0)
        self.assertEqual(doc["counters"]["sink_distinct_ids"], 1000)
        self.assertGreaterEqual(doc["counters"]["server_push_delivered"], 1000)
        self.assertIn("duplicates", doc["counters"])
        self.assertEqual(doc["latency"]["end_to_end"]["count"], 1000)
        self.assertLessEqual({"no_errors", "at_least_once", "counts_match", "server_counter",
                              "subscription_drained"}, {c["name"] for c in doc["checks"]})
        self.assertEqual(self.server.get("/v1/topics/smoke-push").status, 404)

    def test_trigger_webhook_times_each_handler_start(self):
        p = self.bench("trigger", "--count", "500", "--rate", "1000", "--queue", "smoke-trigger", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["phases"]["handled"]["messages"], 500)
        self.assertEqual(doc["latency"]["handler_start"]["count"], 500)
        self.assertEqual(doc["counters"]["trigger_succeeded"], 500)
        self.assertEqual(doc["counters"]["trigger_batches"], 500)  # batch size 1
        self.assertLessEqual({"every_message_handled", "every_message_acknowledged", "queue_drained",
                              "concurrency_bounded"}, {c["name"] for c in doc["checks"]})
        # The run's function and trigger are gone with the queue.
        self.assertEqual(self.server.get("/v1/triggers").json["triggers"], [])
        self.assertEqual(self.server.get("/v1/queues/smoke-trigger").status, 404)

    def test_trigger_python_acknowledges_every_message_in_batches(self):
        p = self.bench("trigger", "--handler", "python", "--count", "2000", "--trigger-batch", "100",
                       "--concurrency", "2", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["counters"]["trigger_succeeded"], 2000)
        self.assertGreaterEqual(doc["counters"]["trigger_batches"], 20)
        self.assertLessEqual(doc["counters"]["max_seen_concurrency"], 2)
        self.assertEqual(self.server.get("/v1/functions").json["functions"], [])

    def test_bus_rules_deliver_every_event_once_to_the_queue(self):
        p = self.bench("bus", "--count", "2000", "--rules", "30", "--live-rules", "3", "--queue", "smoke-bus",
                       "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual((doc["settings"]["rules"], doc["settings"]["live_rules"]), ("30", "3"))
        self.assertTrue(doc["settings"]["mode"].startswith("batch"), doc["settings"])
        self.assertEqual(doc["phases"]["ingest"]["messages"], 2000)
        self.assertEqual(doc["phases"]["delivered"]["messages"], 2000)
        self.assertGreater(doc["phases"]["delivered"]["rate"], 0)
        self.assertEqual(doc["latency"]["end_to_end"]["count"], 2000)
        c = doc["counters"]
        self.assertEqual((c["bus_events"], c["bus_dispatched"], c["bus_matched"]), (2000, 2000, 2000), c)
        self.assertEqual((c["rules_listed"], c["live_rules_matched"], c["decoy_rules_matched"],
                          c["rules_delivered"], c["rules_failed"]), (30, 2000, 0, 2000, 0), c)
        self.assertEqual({c["name"] for c in doc["checks"]},
                         {"no_errors", "exactly_once", "counts_match", "queue_empty", "bus_counts",
                          "rule_counts"})
        # The run's bus (with its rules) and queue are deleted afterwards.
        self.assertEqual([b["name"] for b in self.server.get("/v1/buses").json["buses"]], ["default"])
        self.assertEqual(self.server.get("/v1/queues/smoke-bus").status, 404)

    def test_bus_batch_1_posts_structured_events(self):
        p = self.bench("bus", "--count", "200", "--batch", "1", "--rules", "5", "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertTrue(doc["settings"]["mode"].startswith("structured"), doc["settings"])
        self.assertEqual(doc["counters"]["publish_requests"], 200)
        self.assertEqual(doc["phases"]["delivered"]["messages"], 200)

    def test_invoke_times_warm_calls_and_a_sustained_run(self):
        p = self.bench("invoke", "--count", "50", "--duration", "1s", "-p", "2", "--concurrency", "2",
                       "--json")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["ok"], doc)
        self.assertEqual(doc["workload"], "invoke")
        self.assertTrue(doc["function"].startswith("bench-invoke-"), doc)
        self.assertNotIn("queue", doc)
        self.assertEqual(doc["phases"]["warm"]["messages"], 50)
        self.assertGreater(doc["phases"]["sustained"]["messages"], 0)
        self.assertEqual(doc["latency"]["overhead"]["count"], 50)
        self.assertEqual(doc["latency"]["warm_end_to_end"]["count"], 50)
        self.assertEqual(doc["counters"]["sustained_errors"], 0)
        self.assertEqual({c["name"] for c in doc["checks"]},
                         {"no_errors", "warm_stayed_warm", "overhead_reported"})
        # The run's function is deleted afterwards, and no queue was made for it.
        self.assertEqual(self.server.get("/v1/functions").json["functions"], [])
        self.assertFalse([q for q in self.server.get("/v1/queues").json["queues"]
                          if q["name"].startswith("bench-invoke")])

    def test_cold_start_times_each_rounds_first_invocation(self):
        p = self.bench("cold-start", "--count", "2", "--runtimes", "python,provided")
        self.assertIn("PASS", p.stdout, p)
        self.assertRegex(p.stdout, r"python\s+2 calls in", p.stdout)
        self.assertRegex(p.stdout, r"check python_cold\s+ok", p.stdout)
        self.assertIn("latency python_spawn_to_ready", p.stdout)
        self.assertIn("latency python_first_invocation", p.stdout)
        # provided needs a C compiler: timed when there is one, else a note (not a failure).
        self.assertTrue(re.search(r"check provided_cold\s+ok", p.stdout)
                        or "provided: skipped" in p.stdout, p.stdout)
        self.assertEqual(self.server.get("/v1/functions").json["functions"], [])

    def test_fn_bench_is_an_alias_of_cold_start_and_invoke(self):
        p = self.server.cli("fn", "bench", "--cold", "1", "--count", "20", "--seconds", "1",
                            "--connections", "2", "--max-instances", "2", "--json", timeout=120)
        docs = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        self.assertEqual([d["workload"] for d in docs], ["cold-start", "invoke"], p.stdout)
        self.assertTrue(all(d["ok"] for d in docs), docs)
        self.assertEqual(docs[1]["phases"]["warm"]["messages"], 20)

    def test_workload_options_are_refused_elsewhere(self):
        for args in (("throughput", "--keep"), ("throughput", "--groups", "5"),
                     ("fifo", "--fire-after", "1s"), ("delayed", "--duration", "5s"),
                     ("throughput", "--measure-for", "5s"), ("throughput", "--subscriptions", "5"),
                     ("push", "--consume"), ("fanout", "--concurrency", "8"),
                     ("throughput", "--topic", "t"), ("delayed", "--partitions", "2"),
                     ("fanout", "--queue", "q"), ("fanout", "--keep"), ("push", "-c", "2"),
                     ("throughput", "--handler", "python"), ("push", "--trigger-batch", "5"),
                     ("trigger", "-c", "2"), ("trigger", "--handler", "ruby"),
                     ("throughput", "--rules", "5"), ("push", "--live-rules", "2"),
                     ("bus", "--rules", "2", "--live-rules", "3"), ("bus", "--live-rules", "1001"),
                     ("throughput", "--runtimes", "python"), ("cold-start", "--runtimes", "ruby"),
                     ("invoke", "--queue", "q"), ("invoke", "-c", "2"), ("cold-start", "-p", "2"),
                     ("cold-start", "--duration", "5s"), ("cold-start", "--concurrency", "2")):
            p = self.server.cli("bench", *args, check=False)
            self.assertEqual(p.returncode, 2, (args, p))

    def test_unknown_workload_is_a_usage_error(self):
        p = self.server.cli("bench", "no-such-workload", check=False)
        self.assertNotIn(p.returncode, (0, 1), p)
        self.assertIn("WORKLOAD", p.stderr)

    def test_help_lists_the_workloads(self):
        p = self.server.cli("bench", "--help")
        for name in ("throughput", "latency", "backlog", "delayed", "fifo", "fanout", "push", "trigger",
                     "--rate", "--json", "--server-pid", "--keep", "--groups", "--fire-after",
                     "--fire-window", "--other-rate", "--measure-for", "--topic", "--partitions",
                     "--subscriptions", "--consume", "--concurrency", "--handler", "--trigger-batch",
                     "bus", "--rules", "--live-rules", "invoke", "cold-start", "--runtimes"):
            self.assertIn(name, p.stdout)


if __name__ == "__main__":
    unittest.main()
