"""Queue features on the real binary: dead-letter queues and redrive, delayed and scheduled
messages, FIFO groups, deduplication, purge, receive options, per-entry batches, and their bad
inputs. Waits are long polls on the condition (a `wait` that returns as soon as it holds)."""
import base64
import os
import shutil
import tempfile
import threading
import time
import unittest

from harness import Client, Server, ServerTest, wait_until


class DeadLetterTest(ServerTest):
    def test_dead_letter_after_exactly_max_deliveries(self):
        s = self.server
        self.make_queue("pay-dlq")
        self.make_queue("pay", max_deliveries=3, dead_letter_queue="pay-dlq", visibility_timeout="1s")
        mid = s.publish("pay", "credit 10", attributes={"account": "a1"}).json["message_id"]
        counts = []
        for _ in range(3):
            got = s.receive("pay", wait="5s").json["messages"]  # returns when the lease ends
            self.assertEqual(len(got), 1)
            counts.append(got[0]["delivery_count"])
        self.assertEqual(counts, [1, 2, 3])
        # The next delivery moves it instead: the long poll ends empty, the DLQ holds it.
        self.assertEqual(s.receive("pay", wait="3s").json["messages"], [])
        dead = s.receive("pay-dlq", wait="5s", system_attributes=True).json["messages"]
        self.assertEqual(len(dead), 1)
        d = dead[0]
        self.assertEqual(d["message_id"], mid)
        self.assertEqual(d["body"], "credit 10")
        self.assertEqual(d["attributes"]["account"], "a1")
        self.assertEqual(d["attributes"]["sluice.dlq.source"], "pay")
        self.assertEqual(d["attributes"]["sluice.dlq.delivery_count"], "3")
        self.assertIn("max deliveries", d["attributes"]["sluice.dlq.reason"])
        stats = s.queue_stats("pay")
        self.assertEqual((stats["visible"], stats["in_flight"], stats["dead_lettered"]), (0, 0, 1))
        self.assertEqual(s.get("/v1/queues/pay-dlq/dead-letter-sources").json, {"queues": ["pay"]})

    def test_bad_dead_letter_settings(self):
        s = self.server
        self.make_queue("a")
        self.make_queue("b", max_deliveries=2, dead_letter_queue="a")
        cases = [
            ({"name": "x", "max_deliveries": 2, "dead_letter_queue": "missing"}, "InvalidDeadLetterQueue"),
            ({"name": "x", "max_deliveries": 2, "dead_letter_queue": "x"}, "InvalidDeadLetterQueue"),
            ({"name": "x", "max_deliveries": 0, "dead_letter_queue": "a"}, "InvalidParameter"),
            ({"name": "x", "max_deliveries": 3}, "InvalidParameter"),
            ({"name": "x", "max_deliveries": -1, "dead_letter_queue": "a"}, "InvalidParameter"),
            ({"name": "x", "max_deliveries": 1001, "dead_letter_queue": "a"}, "InvalidParameter"),
            ({"name": "x", "max_deliveries": 2, "dead_letter_queue": "bad name"}, "InvalidName"),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                self.assertApiError(s.post("/v1/queues", body), 400, code)
        self.assertEqual(s.get("/v1/queues/x").status, 404)
        # A cycle: a dead-letters into b, which dead-letters into a.
        r = s.put("/v1/queues/a", {"max_deliveries": 2, "dead_letter_queue": "b"})
        self.assertApiError(r, 400, "InvalidDeadLetterQueue")
        self.assertEqual(s.get("/v1/queues/a").json["dead_letter_queue"], None)

    def test_redrive_back_to_source_and_tasks(self):
        s = self.server
        self.make_queue("jobs-dlq")
        self.make_queue("jobs", max_deliveries=1, dead_letter_queue="jobs-dlq", visibility_timeout="1s")
        s.publish_batch("jobs", [{"body": f"m{i}"} for i in range(5)])
        got = s.receive("jobs", max_messages=10).json["messages"]
        self.assertEqual(len(got), 5)
        wait_until(lambda: s.receive("jobs", wait="2s").json["messages"] == []
                   and s.queue_stats("jobs-dlq")["visible"] == 5, timeout=20, message="5 dead letters")
        t = s.post("/v1/queues/jobs-dlq/redrive", {})
        self.assertEqual(t.status, 201, t)
        tid = t.json["id"]
        wait_until(lambda: s.get(f"/v1/tasks/{tid}").json["state"] == "completed", timeout=20,
                   message="redrive completes")
        task = s.get(f"/v1/tasks/{tid}").json
        self.assertEqual((task["moved"], task["failed"]), (5, 0))
        self.assertIn(tid, [x["id"] for x in s.get("/v1/tasks").json["tasks"]])
        back = s.receive("jobs", max_messages=10, wait="5s").json["messages"]
        self.assertEqual(sorted(m["body"] for m in back), [f"m{i}" for i in range(5)])
        self.assertTrue(all("sluice.dlq.source" not in m["attributes"] for m in back))
        self.assertEqual(s.queue_stats("jobs-dlq")["visible"], 0)

    def test_redrive_to_a_chosen_queue_and_bad_input(self):
        s = self.server
        self.make_queue("r-dlq")
        self.make_queue("r-retry")
        s.publish("r-dlq", "x")
        self.assertApiError(s.post("/v1/queues/r-dlq/redrive", {"destination": "nope"}), 404, "QueueNotFound")
        self.assertApiError(s.post("/v1/queues/r-dlq/redrive", {"destination": "r-dlq"}), 400,
                            "InvalidDeadLetterQueue")
        self.assertApiError(s.post("/v1/queues/r-dlq/redrive", {"rate": "fast"}), 400, "InvalidParameter")
        self.assertApiError(s.post("/v1/queues/r-dlq/redrive", {"colour": 1}), 400, "InvalidParameter")
        self.assertApiError(s.post("/v1/queues/none/redrive", {}), 404, "QueueNotFound")
        self.assertApiError(s.get("/v1/tasks/nope"), 404, "TaskNotFound")
        self.assertApiError(s.delete("/v1/tasks/nope"), 404, "TaskNotFound")
        tid = s.post("/v1/queues/r-dlq/redrive", {"destination": "r-retry"}).json["id"]
        wait_until(lambda: s.get(f"/v1/tasks/{tid}").json["state"] == "completed", timeout=20,
                   message="redrive completes")
        self.assertEqual(s.receive("r-retry", wait="5s").json["messages"][0]["body"], "x")


class RedriveRestartTest(unittest.TestCase):
    def test_rate_limited_redrive_resumes_after_restart_and_can_be_cancelled(self):
        with Server() as s:
            s.create_queue("slow-dlq")
            s.create_queue("slow")
            s.publish_batch("slow-dlq", [{"body": str(i)} for i in range(40)])
            tid = s.post("/v1/queues/slow-dlq/redrive", {"destination": "slow", "rate": 10}).json["id"]
            wait_until(lambda: s.get(f"/v1/tasks/{tid}").json["moved"] >= 3, timeout=20, message="progress")
            s.kill9()
            s.start()
            self.assertIn(tid, [t["id"] for t in s.get("/v1/tasks").json["tasks"]])
            wait_until(lambda: s.get(f"/v1/tasks/{tid}").json["moved"] >= 10, timeout=30,
                       message="resumed after restart")
            c = s.delete(f"/v1/tasks/{tid}")
            self.assertEqual(c.status, 200, c)
            self.assertEqual(c.json["state"], "cancelled")
            # Nothing lost: every message is in one of the two queues (some may be in flight
            # in the DLQ for the task's lease; wait for them to come back).
            wait_until(lambda: s.queue_stats("slow")["visible"] + s.queue_stats("slow-dlq")["visible"] == 40,
                       timeout=90, message="all 40 messages accounted for")


class DiskReclaimTest(unittest.TestCase):
    """A drained queue gives its disk back once it goes idle, and so does a deleted one: the
    acks' tombstones would otherwise sit in a memtable nothing flushes (docs/queues-retention.md)."""

    # 64 KiB that LZ4 cannot shrink, so the files hold about what was written.
    BODY = base64.b64encode(os.urandom(48 * 1024)).decode()

    def fill(self, s, queue, mib):
        body = self.BODY
        for _ in range(mib // 4):  # 64 × 64 KiB per request
            r = s.publish_batch(queue, [{"body": body} for _ in range(64)])
            self.assertEqual(r.status, 201, r)

    def drain(self, s, queue):
        n = 0
        while True:
            got = s.receive(queue, max_messages=100).json["messages"]
            if not got:
                return n
            r = s.ack(queue, [m["receipt"] for m in got])
            self.assertEqual(r.status, 200, r)
            n += len(got)

    def disk(self, s):
        return s.metric("sluice_storage_disk_bytes")

    def wait_given_back(self, s, full, reclaims_before, after_what):
        wait_until(lambda: s.metric("sluice_storage_reclaims_total") > reclaims_before, timeout=60,
                   message=f"a reclaim after {after_what}")
        wait_until(lambda: self.disk(s) < full / 8, timeout=60,
                   message=f"the disk given back (was {full:.0f} bytes, now {self.disk(s):.0f})")

    def test_drained_queue_then_deleted_queue_give_their_disk_back(self):
        with Server() as s:
            s.create_queue("drained")
            self.fill(s, "drained", 24)
            full = self.disk(s)
            self.assertGreater(full, 20 << 20)
            self.assertEqual(self.drain(s, "drained"), 24 * 16)
            self.wait_given_back(s, full, 0, "the drain")
            # The queue works as before.
            s.publish("drained", "after")
            got = s.receive("drained", max_messages=10).json["messages"]
            self.assertEqual([m["body"] for m in got], ["after"])

            s.create_queue("deleted")
            self.fill(s, "deleted", 24)
            full = self.disk(s)
            reclaims = s.metric("sluice_storage_reclaims_total")
            self.assertEqual(s.delete("/v1/queues/deleted").status, 204)
            self.wait_given_back(s, full, reclaims, "the delete")

    def test_deleted_topic_gives_its_disk_back(self):
        with Server() as s:
            self.assertEqual(s.post("/v1/topics", {"name": "gone", "partitions": 2}).status, 201)
            body = self.BODY
            for _ in range(6):  # 24 MiB
                r = s.post("/v1/topics/gone/messages/batch", {"messages": [{"body": body}] * 64})
                self.assertEqual(r.status, 201, r)
            full = self.disk(s)
            self.assertGreater(full, 20 << 20)
            reclaims = s.metric("sluice_storage_reclaims_total")
            self.assertEqual(s.delete("/v1/topics/gone").status, 204)
            self.wait_given_back(s, full, reclaims, "the delete")

    def test_queue_drained_before_a_restart_gives_its_disk_back_after_it(self):
        data_dir = tempfile.mkdtemp(prefix="sluice-it-")
        try:
            # No sweep runs before the stop (so no reclaim either): the acks' tombstones and
            # the values they erased are both still on disk when the server restarts.
            with Server(data_dir=data_dir, args=["--retention-sweep-interval", "1h"]) as s:
                s.create_queue("q")
                self.fill(s, "q", 48)  # more than a 32 MiB memtable: most of it reaches files
                self.assertEqual(self.drain(s, "q"), 48 * 16)
            with Server(data_dir=data_dir) as s:
                full = self.disk(s)
                self.assertGreater(full, 20 << 20, "the erased values are still on disk")
                self.wait_given_back(s, full, 0, "the restart")
                s.publish("q", "after")
                got = s.receive("q", max_messages=10).json["messages"]
                self.assertEqual([m["body"] for m in got], ["after"])
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


class DelayTest(ServerTest):
    def test_delayed_message_is_invisible_until_due(self):
        s = self.server
        self.make_queue("later")
        t0 = time.monotonic()
        mid = s.publish("later", "wake up", headers={"Sluice-Delay": "1s"}).json["message_id"]
        self.assertEqual(s.queue_stats("later")["delayed"], 1)
        self.assertEqual(s.receive("later").json["messages"], [])
        got = s.receive("later", wait="10s").json["messages"]
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)  # not early
        self.assertEqual([m["message_id"] for m in got], [mid])
        self.assertEqual(s.queue_stats("later")["delayed"], 0)

    def test_queue_default_delay_and_batch_fields(self):
        s = self.server
        self.make_queue("d", delay="1s")
        r = s.publish_batch("d", [{"body": "default"}, {"body": "now", "delay": 0},
                                  {"body": "past", "deliver_at": "2001-01-01T00:00:00Z"}])
        self.assertEqual(r.status, 201, r)
        got = s.receive("d", max_messages=10).json["messages"]
        self.assertEqual(sorted(m["body"] for m in got), ["now", "past"])
        later = s.receive("d", max_messages=10, wait="10s").json["messages"]
        self.assertEqual([m["body"] for m in later], ["default"])

    def test_cancel_scheduled_message(self):
        s = self.server
        self.make_queue("unpaid")
        mid = s.publish("unpaid", "cancel order 42", headers={"Sluice-Delay": "30m"}).json["message_id"]
        self.assertEqual(s.delete(f"/v1/queues/unpaid/messages/{mid}").status, 204)
        self.assertApiError(s.delete(f"/v1/queues/unpaid/messages/{mid}"), 404, "MessageNotFound")
        self.assertEqual(s.queue_stats("unpaid")["delayed"], 0)

    def test_bad_delays(self):
        s = self.server
        self.make_queue("short", retention="1h")
        cases = [
            ({"Sluice-Delay": "2h"}, 400, "DelayOutOfRange"),
            ({"Sluice-Delay": "-1s"}, 400, "InvalidParameter"),
            ({"Sluice-Delay": "soon"}, 400, "InvalidParameter"),
            ({"Sluice-Deliver-At": "tomorrow"}, 400, "InvalidParameter"),
            ({"Sluice-Deliver-At": "2099-01-01T00:00:00Z"}, 400, "DelayOutOfRange"),
            ({"Sluice-Delay": "1s", "Sluice-Deliver-At": "2030-01-01T00:00:00Z"}, 400, "InvalidParameter"),
        ]
        for headers, status, code in cases:
            with self.subTest(headers=headers):
                self.assertApiError(s.publish("short", "x", headers=headers), status, code)
        self.assertApiError(s.post("/v1/queues", {"name": "q", "delay": "2d", "retention": "1d"}), 400,
                            "InvalidParameter")
        stats = s.queue_stats("short")
        self.assertEqual((stats["visible"], stats["delayed"]), (0, 0))


class DelayRestartTest(unittest.TestCase):
    def test_delayed_messages_survive_kill9_and_fire(self):
        with Server() as s:
            s.create_queue("timers")
            s.publish_batch("timers", [{"body": str(i), "delay": "2s"} for i in range(200)])
            s.publish_batch("timers", [{"body": "far", "delay": "3d"}])
            s.kill9()
            s.start()
            self.assertEqual(s.queue_stats("timers")["delayed"], 201)
            got = []
            deadline = time.monotonic() + 30
            while len(got) < 200 and time.monotonic() < deadline:
                batch = s.receive("timers", max_messages=100, wait="5s").json["messages"]
                got += batch
                s.ack("timers", [m["receipt"] for m in batch])
            self.assertEqual(sorted(int(m["body"]) for m in got), list(range(200)))
            self.assertEqual(s.queue_stats("timers")["delayed"], 1)


class FifoTest(ServerTest):
    def test_order_per_group_with_4_consumers_and_8_groups(self):
        s = self.server
        self.make_queue("orders.fifo", fifo=True, visibility_timeout="30s")
        groups = [f"order-{g}" for g in range(8)]
        msgs = [{"body": f"{g}:{i}", "group": g} for i in range(25) for g in groups]
        for start in range(0, len(msgs), 100):
            self.assertEqual(s.publish_batch("orders.fifo", msgs[start:start + 100]).status, 201)
        seen = {g: [] for g in groups}
        lock = threading.Lock()
        in_flight = set()
        errors = []

        def consumer():
            with Client(s.port) as c:
                while True:
                    got = c.post("/v1/queues/orders.fifo/receive", {"max_messages": 5, "wait": "1s"}).json["messages"]
                    if not got:
                        with lock:
                            if sum(len(v) for v in seen.values()) == len(msgs):
                                return
                        continue
                    with lock:
                        for m in got:
                            if m["group"] in in_flight:
                                errors.append(f"two of group {m['group']} in flight")
                            in_flight.add(m["group"])
                    for m in got:
                        with lock:
                            seen[m["group"]].append(int(m["body"].split(":")[1]))
                            in_flight.discard(m["group"])
                        c.post("/v1/queues/orders.fifo/ack", {"receipts": [m["receipt"]]})

        threads = [threading.Thread(target=consumer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        for g in groups:
            self.assertEqual(seen[g], list(range(25)), g)

    def test_failing_group_does_not_block_others_and_poison_releases_it(self):
        s = self.server
        self.make_queue("f-dlq")
        self.make_queue("f.fifo", fifo=True, visibility_timeout="1s", max_deliveries=2,
                        dead_letter_queue="f-dlq")
        s.publish_batch("f.fifo", [{"body": "poison", "group": "g"}, {"body": "after", "group": "g"},
                                   {"body": "other", "group": "h"}])
        first = s.receive("f.fifo", max_messages=10).json["messages"]
        self.assertEqual(sorted(m["body"] for m in first), ["other", "poison"])
        s.ack("f.fifo", [m["receipt"] for m in first if m["body"] == "other"])
        bodies = []
        deadline = time.monotonic() + 20
        while "after" not in bodies and time.monotonic() < deadline:
            bodies += [m["body"] for m in s.receive("f.fifo", max_messages=10, wait="3s").json["messages"]]
        self.assertEqual(bodies, ["poison", "after"])  # its second delivery, then the next one
        self.assertEqual(s.receive("f-dlq", wait="3s").json["messages"][0]["body"], "poison")

    def test_a_long_busy_group_holds_later_groups_back_beyond_120000(self):
        s = self.server
        self.make_queue("hot.fifo", fifo=True, visibility_timeout="5m")
        # 120,002 of one group, then one of another: with "hot" in flight, a receive holds back
        # at most 120,000 of its messages, so the last "hot" one stops it before "cold".
        hot = 120_002
        for start in range(0, hot, 1000):
            batch = [{"body": str(i), "group": "hot"} for i in range(start, min(hot, start + 1000))]
            self.assertEqual(s.publish_batch("hot.fifo", batch).status, 201)
        self.assertEqual(s.publish_batch("hot.fifo", [{"body": "cold", "group": "cold"}]).status, 201)
        first = s.receive("hot.fifo", max_messages=10).json["messages"]
        self.assertEqual([m["body"] for m in first], ["0"])
        self.assertEqual(s.receive("hot.fifo", max_messages=10).json["messages"], [])
        stats = s.queue_stats("hot.fifo")
        self.assertEqual((stats["visible"], stats["in_flight"]), (hot, 1))  # held back, not lost
        # "hot" moves on: one more of it is held back, and the read goes on to "cold".
        s.ack("hot.fifo", [first[0]["receipt"]])
        self.assertEqual([m["body"] for m in s.receive("hot.fifo", max_messages=10).json["messages"]],
                         ["1", "cold"])

    def test_group_rules(self):
        s = self.server
        self.make_queue("g.fifo", fifo=True)
        self.make_queue("std")
        self.assertApiError(s.publish("g.fifo", "x"), 400, "GroupRequired")
        self.assertApiError(s.publish("std", "x", headers={"Sluice-Group": "g"}), 400, "GroupNotAllowed")
        self.assertApiError(s.publish("g.fifo", "x", headers={"Sluice-Group": "g" * 129}), 400,
                            "InvalidParameter")
        self.assertApiError(s.publish("g.fifo", "x", headers={"Sluice-Group": "g", "Sluice-Dedup-Id": "d" * 129}),
                            400, "InvalidParameter")
        self.assertApiError(s.put("/v1/queues/std", {"fifo": True}), 400, "FifoImmutable")
        r = s.publish_batch("g.fifo", [{"body": "ok", "group": "g"}, {"body": "no group"}])
        self.assertEqual(r.status, 207, r)
        self.assertEqual(r.json["results"][1]["error"]["code"], "GroupRequired")
        self.assertEqual(s.queue_stats("g.fifo")["visible"], 1)


class InFlightLimitTest(ServerTest):
    """--max-in-flight: a receive that could only lease beyond the limit gets 429 OverLimit at
    once (even a long poll), and nothing stored changes; an ack or a release makes room."""
    server_args = ("--max-in-flight", "5")

    def test_a_receive_at_the_limit_is_refused_until_an_ack_or_a_release(self):
        s = self.server
        self.make_queue("jobs", visibility_timeout="5m")
        self.assertEqual(s.publish_batch("jobs", [{"body": f"m{i}"} for i in range(7)]).status, 201)
        first = s.receive("jobs", max_messages=10).json["messages"]
        self.assertEqual([m["body"] for m in first], [f"m{i}" for i in range(5)])  # what fits
        refused = s.receive("jobs", max_messages=10, wait="20s")
        self.assertApiError(refused, 429, "OverLimit")
        self.assertIn("--max-in-flight", refused.json["error"]["message"])
        self.assertEqual(refused.headers.get("Retry-After"), "1")
        stats = s.queue_stats("jobs")
        self.assertEqual((stats["visible"], stats["in_flight"]), (2, 5))
        self.assertIn("sluice_receive_over_limit_total 1\n", s.get("/metrics").body)
        # One ack: one more goes.
        self.assertEqual(s.ack("jobs", [first[0]["receipt"]]).status, 200)
        self.assertEqual([m["body"] for m in s.receive("jobs", max_messages=10).json["messages"]], ["m5"])
        self.assertApiError(s.receive("jobs", max_messages=1), 429, "OverLimit")
        # A release (visibility 0) ends a lease: the released message and no other go.
        r = s.post("/v1/queues/jobs/visibility", {"receipt": first[1]["receipt"], "timeout": "0s"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["body"] for m in s.receive("jobs", max_messages=10).json["messages"]], ["m1"])
        stats = s.queue_stats("jobs")
        self.assertEqual((stats["visible"], stats["in_flight"]), (1, 5))


class DedupTest(ServerTest):
    def test_dedup_id_within_window_returns_the_original(self):
        s = self.server
        self.make_queue("credits", dedup_window="2s")
        a = s.publish("credits", "credit 10", headers={"Sluice-Dedup-Id": "tx-1"})
        b = s.publish("credits", "credit 10", headers={"Sluice-Dedup-Id": "tx-1"})
        self.assertEqual(a.status, 201)
        self.assertEqual(b.status, 200)
        self.assertEqual(b.json, {"message_id": a.json["message_id"], "duplicate": True})
        r = s.publish_batch("credits", [{"body": "x", "dedup_id": "tx-2"}, {"body": "x", "dedup_id": "tx-2"}])
        self.assertTrue(r.json["results"][1]["duplicate"])
        self.assertEqual(s.queue_stats("credits")["visible"], 2)
        # After the window the same id is new again.
        wait_until(lambda: s.publish("credits", "credit 10", headers={"Sluice-Dedup-Id": "tx-1"}).status == 201,
                   timeout=20, message="dedup window ends")

    def test_content_based_dedup(self):
        s = self.server
        self.make_queue("cbd", content_based_dedup=True)
        ids = [s.publish("cbd", "same").json["message_id"] for _ in range(3)]
        self.assertEqual(len(set(ids)), 1)
        self.assertEqual(s.queue_stats("cbd")["visible"], 1)


class DedupRestartTest(unittest.TestCase):
    def test_dedup_survives_kill9(self):
        with Server() as s:
            s.create_queue("d")
            first = s.publish("d", "x", headers={"Sluice-Dedup-Id": "once"}).json["message_id"]
            s.kill9()
            s.start()
            again = s.publish("d", "x", headers={"Sluice-Dedup-Id": "once"})
            self.assertEqual(again.json, {"message_id": first, "duplicate": True})


class ReceiveOptionsAndPurgeTest(ServerTest):
    def test_attribute_selection_and_system_attributes(self):
        s = self.server
        self.make_queue("opts")
        s.publish("opts", "x", attributes={"a": "1", "b": "2"})
        m = s.receive("opts", attributes=["a"], system_attributes=True).json["messages"][0]
        self.assertEqual(m["attributes"], {"a": "1"})
        self.assertEqual(m["system"]["receive_count"], 1)
        self.assertIn("sent_time", m["system"])
        self.assertIn("first_receive_time", m["system"])
        self.assertApiError(s.receive("opts", attributes="a"), 400, "InvalidParameter")

    def test_purge_and_visibility_batch(self):
        s = self.server
        self.make_queue("pp")
        s.publish_batch("pp", [{"body": "1"}, {"body": "2"}, {"body": "3", "delay": "1h"}])
        got = s.receive("pp", max_messages=2).json["messages"]
        r = s.post("/v1/queues/pp/visibility/batch", {"entries": [
            {"receipt": got[0]["receipt"], "timeout": 0}, {"receipt": "garbage", "timeout": "1s"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["results"][0], {"ok": True})
        self.assertEqual(r.json["results"][1]["error"]["code"], "ReceiptHandleInvalid")
        self.assertApiError(s.post("/v1/queues/pp/visibility/batch", {"entries": []}), 400, "InvalidParameter")
        self.assertEqual(s.post("/v1/queues/pp/purge").status, 204)
        stats = s.queue_stats("pp")
        self.assertEqual((stats["visible"], stats["in_flight"], stats["delayed"], stats["published"]), (0, 0, 0, 0))
        self.assertApiError(s.post("/v1/queues/none/purge"), 404, "QueueNotFound")


class CliFeaturesTest(ServerTest):
    def test_cli_flags(self):
        s = self.server
        s.cli("queue", "create", "c-dlq")
        s.cli("queue", "create", "c.fifo", "--fifo", "--dlq", "c-dlq", "--max-deliveries", "2",
              "--visibility", "30s", "--delay", "0s")
        q = s.get("/v1/queues/c.fifo").json
        self.assertEqual((q["fifo"], q["dead_letter_queue"], q["max_deliveries"]), (True, "c-dlq", 2))
        mid = s.cli("send", "c.fifo", "--group", "order-42", "--dedup-id", "e1", "paid").stdout.strip()
        self.assertEqual(s.cli("send", "c.fifo", "--group", "order-42", "--dedup-id", "e1", "paid").stdout.strip(), mid)
        s.cli("queue", "create", "c-later")
        later = s.cli("send", "c-later", "--delay", "30m", "x").stdout.strip()
        self.assertEqual(s.queue_stats("c-later")["delayed"], 1)
        s.cli("cancel", "c-later", later)
        self.assertEqual(s.queue_stats("c-later")["delayed"], 0)
        s.cli("send", "c-dlq", "back")
        out = s.cli("dlq", "redrive", "c-dlq", "--to", "c-later", "--wait").stdout
        self.assertIn("completed", out)
        self.assertEqual(s.cli("dlq", "sources", "c-dlq").stdout.split(), ["c.fifo"])
        self.assertIn("completed", s.cli("task", "list").stdout)
        s.cli("queue", "purge", "c-later")
        bad = s.cli("send", "c-later", "--delay", "soon", "x", check=False)
        self.assertNotEqual(bad.returncode, 0)
        bad = s.cli("queue", "create", "z", "--max-deliveries", "3", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("--dlq", bad.stderr)


if __name__ == "__main__":
    unittest.main()
