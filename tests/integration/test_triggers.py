"""Triggers on the real binary: a queue or topic subscription invokes a Python function in
batches. The function writes one JSON line per invocation to a log file, so the tests see what
the function saw (batches, attempts, overlap for the concurrency cap)."""
import json
import os
import shutil
import tempfile
import time
import unittest

from fn_support import b64, deploy, tar_gz
from harness import Server, ServerTest, wait_until

HANDLER = r'''
import json, os, time
LOG = os.environ["LOG"]

def handler(event, context):
    start = time.time()
    recs = event["Records"]
    bodies = [json.loads(r["body"]) for r in recs]
    for b in bodies:
        if b.get("sleep"):
            time.sleep(b["sleep"])
    entry = {"start": start, "end": time.time(), "ids": [r["messageId"] for r in recs],
             "bodies": bodies, "counts": [int(r["attributes"]["ApproximateReceiveCount"]) for r in recs],
             "source": recs[0]["eventSource"] if recs else None,
             "groups": [r["attributes"].get("MessageGroupId") for r in recs]}
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")
    if any(b.get("poison") for b in bodies):
        raise ValueError("poison message")
    for b, r in zip(bodies, recs):
        if b.get("fail_until") and int(r["attributes"]["ApproximateReceiveCount"]) < b["fail_until"]:
            raise RuntimeError("not yet")
    if any(b.get("partial") for b in bodies):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r, b in zip(recs, bodies) if b.get("fail")]}
    if any(b.get("malformed") for b in bodies):
        return {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}
    return {"ok": len(recs)}
'''


class TriggerTest(ServerTest):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-trig-")
        os.chmod(self.dir, 0o777)
        self.log_path = os.path.join(self.dir, "calls.jsonl")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def function(self, name, timeout="10s", server=None):
        body = {"runtime": "python3.11", "handler": "app.handler", "timeout": timeout,
                "max_instances": 20, "env": {"LOG": self.log_path},
                "code_base64": b64(tar_gz({"app.py": HANDLER}))}
        deploy(server or self.server, name, body)

    def calls(self):
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def seen_ids(self):
        return [i for c in self.calls() for i in c["ids"]]

    def trigger(self, name, server=None, expect=201, **config):
        r = (server or self.server).post("/v1/triggers", {"name": name, **config})
        self.assertEqual(r.status, expect, r)
        return r.json

    def publish(self, queue, bodies, server=None, **kw):
        s = server or self.server
        r = s.publish_batch(queue, [{"body": json.dumps(b), **kw} for b in bodies])
        self.assertEqual(r.status, 201, r)
        return [x["message_id"] for x in r.json["results"]]

    def stats(self, name, server=None):
        return (server or self.server).get(f"/v1/triggers/{name}").json["stats"]

    # --- batching -------------------------------------------------------------------------------

    def test_batching_by_size_and_by_window(self):
        s = self.server
        self.make_queue("by-size")
        self.make_queue("by-window")
        self.function("batcher")
        self.trigger("size", source="queue:by-size", function="batcher", batch_size=5, batch_window="5s")
        self.trigger("window", source="queue:by-window", function="batcher", batch_size=100, batch_window="300ms")
        self.publish("by-size", [{"n": i} for i in range(5)])
        self.publish("by-window", [{"n": i} for i in range(3)])
        wait_until(lambda: len(self.seen_ids()) == 8, timeout=30, message="both batches invoked")
        sizes = sorted(len(c["ids"]) for c in self.calls())
        self.assertEqual(sizes, [3, 5])  # 5 hit the size before the 5 s window; 3 waited out 300 ms
        self.assertTrue(all(c["source"] == "sluice:queue" for c in self.calls()))
        wait_until(lambda: s.queue_stats("by-size")["visible"] + s.queue_stats("by-size")["in_flight"] == 0,
                   message="acked")
        st = self.stats("size")
        self.assertEqual((st["state"], st["batches"], st["succeeded"]), ("running", 1, 5), st)

    def test_max_batch_bytes_bounds_a_batch(self):
        self.make_queue("big")
        self.function("sizes")
        self.trigger("small-batches", source="queue:big", function="sizes", batch_size=10,
                     batch_window="1s", max_batch_bytes=1000)
        self.publish("big", [{"pad": "x" * 280, "n": i} for i in range(10)])  # ~300 B each
        wait_until(lambda: len(self.seen_ids()) == 10, timeout=30, message="all 10 handled")
        self.assertTrue(all(len(c["ids"]) <= 3 for c in self.calls()), [len(c["ids"]) for c in self.calls()])

    def test_max_concurrency_is_never_exceeded(self):
        self.make_queue("burst")
        self.function("slow")
        self.trigger("capped", source="queue:burst", function="slow", batch_size=1, max_concurrency=2)
        self.publish("burst", [{"n": i, "sleep": 0.2} for i in range(12)])
        wait_until(lambda: len(self.seen_ids()) == 12, timeout=60, message="all 12 handled")
        events = sorted([(c["start"], 1) for c in self.calls()] + [(c["end"], -1) for c in self.calls()],
                        key=lambda e: (e[0], e[1]))
        running = peak = 0
        for _, delta in events:
            running += delta
            peak = max(peak, running)
        self.assertLessEqual(peak, 2)   # measured by the function itself
        self.assertGreaterEqual(peak, 1)
        self.assertLessEqual(self.stats("capped")["max_seen_concurrency"], 2)

    # --- failures -------------------------------------------------------------------------------

    def test_retries_with_backoff_then_the_dead_letter_queue(self):
        s = self.server
        self.make_queue("credits")
        self.make_queue("credits-dlq")
        self.function("credit")
        self.trigger("crediting", source="queue:credits", function="credit", batch_size=1,
                     max_attempts=3, backoff="100ms", max_backoff="200ms", on_failure="queue:credits-dlq")
        [poison] = self.publish("credits", [{"poison": True}])
        [ok] = self.publish("credits", [{"fine": True}])
        dead = s.receive("credits-dlq", wait="20s").json["messages"]
        self.assertEqual(len(dead), 1)
        rec = json.loads(dead[0]["body"])
        self.assertEqual((rec["trigger"], rec["function"], rec["source"], rec["attempts"]),
                         ("crediting", "credit", "queue:credits", 3))
        self.assertIn("function_error: ValueError: poison message", rec["reason"])
        self.assertEqual(rec["message"]["message_id"], poison)
        self.assertEqual(dead[0]["attributes"]["sluice.trigger.attempts"], "3")
        counts = [c["counts"][0] for c in self.calls() if c["ids"] == [poison]]
        self.assertEqual(counts, [1, 2, 3])
        self.assertIn(ok, self.seen_ids())
        wait_until(lambda: s.queue_stats("credits")["visible"] + s.queue_stats("credits")["in_flight"] == 0,
                   message="the source is empty")
        st = self.stats("crediting")
        self.assertEqual((st["dead_lettered"], st["retries"]), (1, 2), st)

    def test_recovering_dependency_succeeds_after_retries(self):
        self.make_queue("red-packets")
        self.function("payout")
        self.trigger("payouts", source="queue:red-packets", function="payout", batch_size=1,
                     max_attempts=5, backoff="50ms", max_backoff="100ms")
        [mid] = self.publish("red-packets", [{"fail_until": 3}])  # "account service" down twice
        wait_until(lambda: len([c for c in self.calls() if c["ids"] == [mid]]) == 3, timeout=20,
                   message="third attempt")
        wait_until(lambda: self.server.queue_stats("red-packets")["in_flight"] == 0, message="acked")
        self.assertEqual(self.server.queue_stats("red-packets")["visible"], 0)

    def test_partial_batch_failure_retries_only_the_failed_items(self):
        self.make_queue("partial")
        self.function("picky")
        self.trigger("p", source="queue:partial", function="picky", batch_size=4, batch_window="1s",
                     report_batch_item_failures=True, backoff="50ms", max_backoff="50ms", max_attempts=2)
        ids = self.publish("partial", [{"partial": True, "fail": i == 2, "n": i} for i in range(4)])
        wait_until(lambda: len(self.calls()) >= 2, timeout=20, message="a retry")
        first, second = self.calls()[0], self.calls()[1]
        self.assertEqual(sorted(first["ids"]), sorted(ids))
        self.assertEqual(second["ids"], [ids[2]])  # only the reported failure came back
        self.assertEqual(second["counts"], [2])

    def test_malformed_partial_response_fails_the_whole_batch(self):
        self.make_queue("bad-partial")
        self.function("liar")
        self.trigger("l", source="queue:bad-partial", function="liar", batch_size=2, batch_window="1s",
                     report_batch_item_failures=True, backoff="50ms", max_backoff="50ms", max_attempts=2)
        ids = self.publish("bad-partial", [{"malformed": True}, {"n": 1}])
        wait_until(lambda: len(self.calls()) >= 2, timeout=20, message="a retry of the whole batch")
        self.assertEqual(sorted(self.calls()[1]["ids"]), sorted(ids))

    def test_bisect_isolates_a_poison_message(self):
        s = self.server
        self.make_queue("mixed")
        self.make_queue("mixed-dlq")
        self.function("bis")
        self.trigger("b", source="queue:mixed", function="bis", batch_size=4, batch_window="1s",
                     bisect_on_error=True, max_attempts=1, on_failure="queue:mixed-dlq")
        ids = self.publish("mixed", [{"n": 0}, {"n": 1}, {"poison": True}, {"n": 3}])
        dead = s.receive("mixed-dlq", wait="20s").json["messages"]
        self.assertEqual([json.loads(d["body"])["message"]["message_id"] for d in dead], [ids[2]])
        wait_until(lambda: s.queue_stats("mixed")["visible"] + s.queue_stats("mixed")["in_flight"] == 0,
                   message="the rest acked")
        self.assertEqual(s.receive("mixed-dlq", wait="0s").json["messages"], [])

    def test_an_ordered_source_keeps_order_under_failures(self):
        s = self.server
        self.make_queue("orders", fifo=True)
        self.function("ordered")
        self.trigger("o", source="queue:orders", function="ordered", batch_size=1, max_concurrency=4,
                     max_attempts=5, backoff="50ms", max_backoff="100ms")
        entries = []
        for i in range(3):
            entries.append({"body": json.dumps({"g": "a", "i": i, "fail_until": 3 if i == 0 else 0}), "group": "a"})
            entries.append({"body": json.dumps({"g": "b", "i": i}), "group": "b"})
        r = s.publish_batch("orders", entries)
        self.assertEqual(r.status, 201, r)
        wait_until(lambda: len({i for c in self.calls() for i in c["ids"]}) == 6
                   and s.queue_stats("orders")["in_flight"] + s.queue_stats("orders")["visible"] == 0,
                   timeout=30, message="all handled")
        order = {"a": [], "b": []}
        for c in self.calls():
            for b in c["bodies"]:
                if not order[b["g"]] or order[b["g"]][-1] != b["i"]:
                    order[b["g"]].append(b["i"])
        self.assertEqual(order["a"], [0, 1, 2])
        self.assertEqual(order["b"], [0, 1, 2])
        # Group b did not wait for group a's failing head.
        b_done = max(c["end"] for c in self.calls() if c["bodies"][0]["g"] == "b")
        a_last = max(c["start"] for c in self.calls() if c["bodies"][0]["g"] == "a")
        self.assertLess(b_done, a_last)

    # --- sources and filters -------------------------------------------------------------------

    def test_topic_subscription_source_with_a_filter(self):
        s = self.server
        s.post("/v1/topics", {"name": "orders-topic", "partitions": 2})
        s.post("/v1/topics/orders-topic/subscriptions", {"name": "billing"})
        self.function("bill")
        self.trigger("billing", source="topic:orders-topic/billing", function="bill", batch_size=10,
                     filter={"attributes": {"status": ["paid"]}})
        r = s.post("/v1/topics/orders-topic/messages/batch", {"messages": [
            {"body": json.dumps({"n": i}), "key": f"k{i}", "attributes": {"status": "paid" if i % 2 else "new"}}
            for i in range(10)]})
        self.assertEqual(r.status, 201, r)
        wait_until(lambda: self.stats("billing")["succeeded"] + self.stats("billing")["filtered"] == 10,
                   timeout=30, message="all 10 handled or filtered")
        self.assertEqual(sorted(b["n"] for c in self.calls() for b in c["bodies"]), [1, 3, 5, 7, 9])
        self.assertTrue(all(c["source"] == "sluice:topic" for c in self.calls()))
        self.assertEqual(s.get("/v1/topics/orders-topic/subscriptions/billing").json["stats"]["backlog"], 0)

    def test_a_deleted_function_pauses_its_trigger(self):
        s = self.server
        self.make_queue("paused")
        self.function("gone")
        self.trigger("t", source="queue:paused", function="gone")
        self.assertEqual(s.delete("/v1/functions/gone").status, 204)
        wait_until(lambda: self.stats("t")["state"].startswith("paused"), message="paused")
        self.assertIn("gone", self.stats("t")["state"])
        self.publish("paused", [{"n": 1}])
        st = s.queue_stats("paused")
        self.assertEqual(st["visible"] + st["in_flight"], 1)  # waits, not lost
        # Paused, it can still be changed (disabled and enabled again) without its function.
        r = s.put("/v1/triggers/t", {"source": "queue:paused", "function": "gone", "enabled": False})
        self.assertEqual(r.status, 200, r)
        r = s.put("/v1/triggers/t", {"source": "queue:paused", "function": "gone"})
        self.assertEqual(r.status, 200, r)
        self.function("gone")
        wait_until(lambda: self.stats("t")["succeeded"] == 1, timeout=30, message="resumed")

    # --- bad input -------------------------------------------------------------------------------

    def test_bad_input(self):
        s = self.server
        self.make_queue("src")
        self.make_queue("dst")
        self.function("f")
        base = {"source": "queue:src", "function": "f"}
        cases = [
            ({"name": "x", "function": "f"}, 400, "InvalidParameter"),
            ({"name": "x", **base, "source": "queue:missing"}, 400, "SourceNotFound"),
            ({"name": "x", **base, "source": "topic:nope/sub"}, 400, "SourceNotFound"),
            ({"name": "x", **base, "source": "kafka:src"}, 400, "InvalidParameter"),
            ({"name": "x", **base, "function": "missing"}, 400, "FunctionNotFound"),
            ({"name": "x", **base, "batch_size": 0}, 400, "InvalidParameter"),
            ({"name": "x", **base, "batch_size": 10001}, 400, "InvalidParameter"),
            ({"name": "x", **base, "batch_window": "301s"}, 400, "InvalidParameter"),
            ({"name": "x", **base, "max_concurrency": 0}, 400, "InvalidParameter"),
            ({"name": "x", **base, "max_concurrency": "lots"}, 400, "InvalidParameter"),
            ({"name": "x", **base, "on_failure": "queue:missing"}, 400, "InvalidOnFailure"),
            ({"name": "x", **base, "on_failure": "queue:src"}, 400, "InvalidOnFailure"),
            ({"name": "x", **base, "filter": {"a": [{"numeric": [">"]}]}}, 400, "InvalidParameter"),
            ({"name": "x", **base, "colour": "red"}, 400, "InvalidParameter"),
            ({"name": "bad name", **base}, 400, "InvalidName"),
        ]
        for i, (body, status, code) in enumerate(cases):
            with self.subTest(i=i, body=body):
                self.assertApiError(s.post("/v1/triggers", body), status, code)
        self.assertApiError(s.get("/v1/triggers/nope"), 404, "TriggerNotFound")
        self.assertApiError(s.delete("/v1/triggers/nope"), 404, "TriggerNotFound")
        self.trigger("ok", source="queue:src", function="f", on_failure="queue:dst")
        self.assertApiError(s.post("/v1/triggers", {"name": "ok", **base, "batch_size": 7}), 409, "TriggerAlreadyExists")
        self.assertEqual(s.put("/v1/triggers/ok", {**base, "batch_size": 7}).status, 200)
        self.assertEqual(s.put("/v1/triggers/made-by-put", base).status, 201)
        self.assertEqual(s.delete("/v1/triggers/made-by-put").status, 204)
        self.assertEqual(s.get("/v1/triggers/ok").json["batch_size"], 7)
        self.assertIn("ok", [t["name"] for t in s.get("/v1/triggers").json["triggers"]])
        self.assertEqual(s.delete("/v1/triggers/ok").status, 204)
        self.assertServerAlive("bad trigger inputs")


class TriggerCrashTest(TriggerTest):
    """Its own server per test: it kills it."""

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def test_no_message_lost_across_kill_9_and_restart(self):
        s = Server().start()
        try:
            s.create_queue("work")
            self.function("worker", server=s)
            self.trigger("w", server=s, source="queue:work", function="worker", batch_size=10,
                         max_concurrency=2)
            ids = []
            for k in range(5):
                r = s.publish_batch("work", [{"body": json.dumps({"n": k * 40 + i, "sleep": 0.002})} for i in range(40)])
                ids += [x["message_id"] for x in r.json["results"]]
            wait_until(lambda: len(set(self.seen_ids())) >= 50, timeout=60, message="some handled")
            s.kill9()
            s.start()
            wait_until(lambda: set(self.seen_ids()) >= set(ids), timeout=120, message="every message handled")
            wait_until(lambda: s.queue_stats("work")["visible"] + s.queue_stats("work")["in_flight"] == 0,
                       timeout=60, message="every message acked")
            r = s.get("/v1/triggers/w")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["stats"]["state"], "running")
        finally:
            s.cleanup()

    # The class-level server of TriggerTest is not started here; skip the inherited tests.
    for _name in [n for n in dir(TriggerTest) if n.startswith("test_")]:
        locals()[_name] = None


if __name__ == "__main__":
    unittest.main()
