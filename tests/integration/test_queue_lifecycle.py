"""Queue resource lifecycle against the real binary (docs/api.md "Queues"): create, idempotent
create, conflicting create, PUT upsert, get with stats, list, delete.
"""
import re
import threading
import time
import unittest

from harness import ServerTest, wait_until

RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DEFAULTS = {"visibility_timeout": "30s", "max_message_size": 1048576, "retention": "4d"}
EMPTY_STATS = {"visible": 0, "in_flight": 0, "delayed": 0, "oldest_age_ms": 0, "published": 0,
               "acked": 0}


def config_of(queue):
    return {k: queue[k] for k in DEFAULTS}


class TestCreate(ServerTest):
    def test_create_returns_201_with_defaults_and_empty_stats(self):
        r = self.server.create_queue("orders")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("Content-Type"), "application/json", r)
        self.assertTrue(r.headers.get("X-Request-Id"), r)
        q = r.json
        self.assertEqual(q["name"], "orders")
        self.assertEqual(config_of(q), DEFAULTS)
        self.assertRegex(q["created_at"], RFC3339_MS)
        for key, value in EMPTY_STATS.items():
            self.assertEqual(q["stats"][key], value, (key, q))

    def test_create_with_config_returns_it_normalized(self):
        r = self.server.create_queue("jobs", visibility_timeout=90, max_message_size="64KiB",
                                     retention="1h30m")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(config_of(r.json),
                         {"visibility_timeout": "1m30s", "max_message_size": 65536,
                          "retention": "1h30m"})
        self.assertEqual(config_of(self.server.get("/v1/queues/jobs").json), config_of(r.json))

    def test_create_at_the_bounds(self):
        r = self.server.create_queue("bounds-low", visibility_timeout=0, max_message_size=1,
                                     retention="1m")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(config_of(r.json),
                         {"visibility_timeout": "0s", "max_message_size": 1, "retention": "1m"})
        r = self.server.create_queue("bounds-high", visibility_timeout="12h",
                                     max_message_size="16MiB", retention="365d")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(config_of(r.json), {"visibility_timeout": "12h",
                                             "max_message_size": 16 * 1024 * 1024,
                                             "retention": "365d"})

    def test_identical_create_again_is_200_and_changes_nothing(self):
        first = self.make_queue("idem", visibility_timeout="45s")
        self.assertEqual(self.server.publish("idem", "kept").status, 201)
        again = self.server.create_queue("idem", visibility_timeout="45s")
        self.assertEqual(again.status, 200, again)
        self.assertEqual(config_of(again.json), config_of(first))
        self.assertEqual(again.json["created_at"], first["created_at"])
        self.assertEqual(self.server.queue_stats("idem")["visible"], 1)

    def test_create_with_the_same_config_spelled_differently_is_identical(self):
        self.make_queue("spelled", visibility_timeout=60, max_message_size=1024)
        r = self.server.create_queue("spelled", visibility_timeout="1m", max_message_size="1KiB")
        self.assertEqual(r.status, 200, r)
        # Omitted fields are the defaults, so spelling the defaults out is identical too.
        self.make_queue("spelled-defaults")
        r = self.server.create_queue("spelled-defaults", **DEFAULTS)
        self.assertEqual(r.status, 200, r)

    def test_create_with_a_different_config_is_409_and_keeps_the_original(self):
        first = self.make_queue("conflict", retention="2h")
        self.assertEqual(self.server.publish("conflict", "kept").status, 201)
        for change in ({"retention": "3h"}, {"retention": "2h", "visibility_timeout": "31s"},
                       {"retention": "2h", "max_message_size": 1000}, {}):
            with self.subTest(change=change):
                r = self.server.create_queue("conflict", **change)
                self.assertApiError(r, 409, "QueueAlreadyExists")
                self.assertIn("conflict", r.json["error"]["message"])
        now = self.server.get("/v1/queues/conflict").json
        self.assertEqual(config_of(now), config_of(first))
        self.assertEqual(now["created_at"], first["created_at"])
        self.assertEqual(now["stats"]["visible"], 1)


class TestPut(ServerTest):
    def test_put_creates_201_then_updates_200_then_unchanged_200(self):
        r = self.server.put("/v1/queues/upsert", {"visibility_timeout": "10s"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["name"], "upsert")
        self.assertEqual(config_of(r.json), {**DEFAULTS, "visibility_timeout": "10s"})
        created_at = r.json["created_at"]

        r = self.server.put("/v1/queues/upsert",
                            {"visibility_timeout": "20s", "retention": "1d", "max_message_size": 2048})
        self.assertEqual(r.status, 200, r)
        updated = {"visibility_timeout": "20s", "retention": "1d", "max_message_size": 2048}
        self.assertEqual(config_of(r.json), updated)
        self.assertEqual(r.json["created_at"], created_at)

        r = self.server.put("/v1/queues/upsert",
                            {"visibility_timeout": "20s", "retention": "1d", "max_message_size": 2048})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(config_of(r.json), updated)
        self.assertEqual(config_of(self.server.get("/v1/queues/upsert").json), updated)

    def test_put_with_an_empty_body_creates_with_defaults(self):
        r = self.server.put("/v1/queues/put-empty")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(config_of(r.json), DEFAULTS)
        r = self.server.put("/v1/queues/put-empty", {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(config_of(r.json), DEFAULTS)

    def test_update_keeps_messages_and_applies_the_new_limit(self):
        self.server.put("/v1/queues/put-msgs", {"max_message_size": 100})
        self.assertEqual(self.server.publish("put-msgs", "x" * 100).status, 201)
        self.assertEqual(self.server.publish("put-msgs", "x" * 101).status, 413)
        r = self.server.put("/v1/queues/put-msgs", {"max_message_size": 200})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["stats"]["visible"], 1, r)
        self.assertEqual(self.server.publish("put-msgs", "x" * 101).status, 201)
        self.assertEqual(self.server.queue_stats("put-msgs")["visible"], 2)

    def test_create_then_put_the_same_config_is_unchanged(self):
        created = self.make_queue("post-then-put", retention="2d")
        r = self.server.put("/v1/queues/post-then-put", {"retention": "2d"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(config_of(r.json), config_of(created))
        self.assertEqual(r.json["created_at"], created["created_at"])


class TestGetListDelete(ServerTest):
    def test_get_reports_stats_as_messages_move(self):
        self.make_queue("stats")
        for i in range(3):
            self.assertEqual(self.server.publish("stats", f"m{i}").status, 201)
        s = self.server.queue_stats("stats")
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]), (3, 0, 3, 0), s)
        # The oldest message ages while it waits.
        wait_until(lambda: self.server.queue_stats("stats")["oldest_age_ms"] > 0,
                   message="oldest_age_ms > 0")

        got = self.server.receive("stats").json["messages"]
        self.assertEqual(len(got), 1)
        s = self.server.queue_stats("stats")
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]), (2, 1, 3, 0), s)

        self.assertEqual(self.server.ack("stats", [got[0]["receipt"]]).status, 200)
        s = self.server.queue_stats("stats")
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]), (2, 0, 3, 1), s)
        self.assertGreater(s["oldest_age_ms"], 0, s)

    def test_get_unknown_is_404(self):
        self.assertApiError(self.server.get("/v1/queues/never-made"), 404, "QueueNotFound")

    def test_list_is_sorted_by_name_and_has_stats(self):
        names = ["ls-b", "ls-A", "ls-a.2", "ls-a_1", "ls-0", "ls-a-3", "ls-Z"]
        for n in names:
            self.make_queue(n)
        self.assertEqual(self.server.publish("ls-b", "one").status, 201)
        r = self.server.get("/v1/queues")
        self.assertEqual(r.status, 200, r)
        listed = r.json["queues"]
        all_names = [q["name"] for q in listed]
        self.assertEqual(all_names, sorted(all_names))
        self.assertEqual([n for n in all_names if n.startswith("ls-")], sorted(names))
        by_name = {q["name"]: q for q in listed}
        self.assertEqual(by_name["ls-b"]["stats"]["visible"], 1)
        self.assertEqual(config_of(by_name["ls-A"]), DEFAULTS)

    def test_delete_is_204_then_404(self):
        self.make_queue("del")
        r = self.server.delete("/v1/queues/del")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, "")
        self.assertApiError(self.server.get("/v1/queues/del"), 404, "QueueNotFound")
        self.assertApiError(self.server.delete("/v1/queues/del"), 404, "QueueNotFound")
        self.assertNotIn("del", [q["name"] for q in self.server.get("/v1/queues").json["queues"]])

    def test_delete_loses_the_messages(self):
        self.make_queue("del-msgs")
        batch = [{"body": f"m{i}"} for i in range(5)]
        self.assertEqual(self.server.publish_batch("del-msgs", batch).status, 201)
        in_flight = self.server.receive("del-msgs", max_messages=2).json["messages"]
        self.assertEqual(len(in_flight), 2)
        self.assertEqual(self.server.delete("/v1/queues/del-msgs").status, 204)
        self.assertApiError(self.server.receive("del-msgs"), 404, "QueueNotFound")
        self.assertApiError(self.server.ack("del-msgs", [in_flight[0]["receipt"]]), 404,
                            "QueueNotFound")

        # A new queue of the same name starts empty: nothing of the old one comes back.
        again = self.make_queue("del-msgs")
        for key, value in EMPTY_STATS.items():
            self.assertEqual(again["stats"][key], value, (key, again))
        self.assertEqual(self.server.receive("del-msgs", max_messages=10).json["messages"], [])
        # An old receipt never deletes a message of the new queue.
        for i in range(5):
            self.assertEqual(self.server.publish("del-msgs", f"new{i}").status, 201)
        r = self.server.ack("del-msgs", [m["receipt"] for m in in_flight])
        self.assertEqual(r.status, 200, r)
        s = self.server.queue_stats("del-msgs")
        self.assertEqual((s["visible"], s["acked"]), (5, 0), (s, r))

    def test_delete_ends_a_long_poll_on_the_queue_at_once(self):
        self.make_queue("del-polled")
        result = {}

        def poll():
            with self.server.client() as c:
                result["response"] = c.receive("del-polled", wait="10s", timeout=30)
                result["returned"] = time.monotonic()

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.3)  # lets the poll start waiting; not needed for correctness
        deleted = time.monotonic()
        self.assertEqual(self.server.delete("/v1/queues/del-polled").status, 204)
        poller.join(15)
        self.assertFalse(poller.is_alive())
        r = result["response"]
        self.assertTrue(r.status == 404 or (r.status == 200 and r.json["messages"] == []), r)
        self.assertLess(result["returned"] - deleted, 2.0)

    def test_every_response_carries_a_unique_request_id(self):
        self.make_queue("rid")
        responses = [
            self.server.get("/v1/queues/rid"),
            self.server.get("/v1/queues"),
            self.server.publish("rid", "x"),
            self.server.receive("rid"),
            self.server.get("/healthz"),
            self.server.get("/metrics"),
            self.server.get("/v1/queues/nope"),
            self.server.delete("/v1/queues/rid"),
        ]
        ids = [r.headers.get("X-Request-Id") for r in responses]
        self.assertTrue(all(ids), list(zip(ids, responses)))
        self.assertEqual(len(set(ids)), len(ids))

    def test_delete_does_not_touch_other_queues(self):
        self.make_queue("keep-1")
        self.make_queue("drop-1")
        self.assertEqual(self.server.publish("keep-1", "stay").status, 201)
        self.assertEqual(self.server.publish("drop-1", "go").status, 201)
        self.assertEqual(self.server.delete("/v1/queues/drop-1").status, 204)
        got = self.server.receive("keep-1").json["messages"]
        self.assertEqual([m["body"] for m in got], ["stay"])


if __name__ == "__main__":
    unittest.main()
