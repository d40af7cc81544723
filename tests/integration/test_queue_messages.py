"""Messages on a queue against the real binary (docs/api.md "Queues"): publish (raw and batch),
receive (incl. long poll), ack, visibility; leases, redelivery, stale receipts, competing consumers
and volume. Waits are on conditions (long polls with a `wait`, stats with a deadline), never sleeps
for correctness.
"""
import base64
import concurrent.futures
import json
import threading
import time
import unittest

from harness import ServerTest, wait_until


def bodies(messages):
    return sorted(m["body"] for m in messages)


class QueueTest(ServerTest):
    """Each test gets its own queue, named after the test."""
    queue_config = {}

    def setUp(self):
        self.q = self.id().rsplit(".", 1)[-1][:120]
        self.make_queue(self.q, **self.queue_config)

    def publish(self, body, **attributes):
        r = self.server.publish(self.q, body, attributes)
        self.assertEqual(r.status, 201, r)
        return r.json["message_id"]

    def publish_many(self, count, prefix="m", batch=1000):
        ids = []
        for start in range(0, count, batch):
            entries = [{"body": f"{prefix}{i}"} for i in range(start, min(count, start + batch))]
            r = self.server.publish_batch(self.q, entries)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(len(r.json["results"]), len(entries))
            ids += [x["message_id"] for x in r.json["results"]]
        return ids

    def receive(self, client=None, **options):
        r = (client or self.server).receive(self.q, **options)
        self.assertEqual(r.status, 200, r)
        return r.json["messages"]

    def ack(self, receipts, client=None):
        r = (client or self.server).ack(self.q, receipts)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["results"]), len(receipts), r)
        return r.json["results"]

    def visibility(self, receipt, timeout):
        return self.server.post(f"/v1/queues/{self.q}/visibility",
                                {"receipt": receipt, "timeout": timeout})

    def stats(self):
        return self.server.queue_stats(self.q)

    def counts(self):
        s = self.stats()
        return s["visible"], s["in_flight"]


class TestPublishReceiveAck(QueueTest):
    def test_raw_publish_receive_ack_moves_the_stats(self):
        mid = self.publish('{"order":42}')
        self.assertTrue(mid)
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]), (1, 0, 1, 0), s)
        wait_until(lambda: self.stats()["oldest_age_ms"] > 0, message="oldest_age_ms > 0")

        before = time.time()
        [m] = self.receive()
        self.assertEqual(m["message_id"], mid)
        self.assertEqual(m["body"], '{"order":42}')
        self.assertEqual(m["delivery_count"], 1)
        self.assertEqual(m["attributes"], {})
        self.assertNotIn("body_base64", m)
        self.assertIsInstance(m["receipt"], str)
        self.assertTrue(m["receipt"])
        self.assertRegex(m["publish_time"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]), (0, 1, 1, 0), s)
        self.assertGreater(s["oldest_age_ms"], 0, s)  # in flight is still unacknowledged
        self.assertLess(s["oldest_age_ms"], (time.time() - before) * 1000 + 60_000, s)

        self.assertEqual(self.ack([m["receipt"]]), [{"ok": True}])
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["oldest_age_ms"], s["published"],
                          s["acked"]), (0, 0, 0, 1, 1), s)
        self.assertEqual(self.receive(), [])

    def test_raw_body_is_kept_byte_for_byte_whatever_the_content_type(self):
        for body, ctype in (("plain text", "text/plain"), ("", "text/plain"),
                            ("  spaced\r\n\ttabs  ", "application/octet-stream"),
                            ("Grüße, 世界 🙂", "text/plain; charset=utf-8"),
                            ("not json {", "application/json")):
            with self.subTest(body=body):
                r = self.server.publish(self.q, body.encode(), headers={"Content-Type": ctype})
                self.assertEqual(r.status, 201, r)
                [m] = self.receive()
                self.assertEqual(m["body"], body)
                self.ack([m["receipt"]])

    def test_attributes_from_headers_come_back(self):
        # Header values travel as bytes: send UTF-8 (http.client would encode str as Latin-1).
        self.publish("with attrs", color="blue", tenant_id="t-17",
                     **{"trace.id": "a b=c,d;é 世界".encode()})
        [m] = self.receive()
        self.assertEqual(m["attributes"],
                         {"color": "blue", "tenant_id": "t-17", "trace.id": "a b=c,d;é 世界"})

    def test_attribute_keys_keep_their_case_and_values_may_be_empty(self):
        self.publish("cased", **{"TraceId": "x", "empty": ""})
        [m] = self.receive()
        self.assertEqual(m["attributes"], {"TraceId": "x", "empty": ""})

    def test_binary_body_comes_back_as_body_base64(self):
        raw = bytes(range(256)) + b"\xff\xfe\x00\xc3"
        r = self.server.publish(self.q, raw, headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 201, r)
        [m] = self.receive()
        self.assertNotIn("body", m)
        self.assertEqual(base64.b64decode(m["body_base64"]), raw)

    def test_batch_publish_with_string_json_and_base64_bodies(self):
        raw = b"\x00\x01\xfe\xffbinary"
        entries = [
            {"body": "a string", "attributes": {"kind": "text"}},
            {"body": {"order": 42, "items": [1, 2], "ok": True}},
            {"body": [1, "two", None]},
            {"body": 3.5},
            {"body": True},
            {"body_base64": base64.b64encode(raw).decode(), "attributes": {"kind": "bin"}},
            {"body_base64": base64.b64encode("utf-8 text".encode()).decode()},
            {"body": ""},
        ]
        r = self.server.publish_batch(self.q, entries)
        self.assertEqual(r.status, 201, r)
        ids = [x["message_id"] for x in r.json["results"]]
        self.assertEqual(len(ids), len(entries))
        self.assertEqual(len(set(ids)), len(ids))

        got = {m["message_id"]: m for m in self.receive(max_messages=100)}
        self.assertEqual(set(got), set(ids))
        by_index = [got[i] for i in ids]  # results are in request order
        self.assertEqual(by_index[0]["body"], "a string")
        self.assertEqual(by_index[0]["attributes"], {"kind": "text"})
        self.assertEqual(json.loads(by_index[1]["body"]), {"order": 42, "items": [1, 2], "ok": True})
        self.assertEqual(json.loads(by_index[2]["body"]), [1, "two", None])
        self.assertEqual(json.loads(by_index[3]["body"]), 3.5)
        self.assertEqual(json.loads(by_index[4]["body"]), True)
        self.assertEqual(base64.b64decode(by_index[5]["body_base64"]), raw)
        self.assertEqual(by_index[5]["attributes"], {"kind": "bin"})
        self.assertEqual(by_index[6]["body"], "utf-8 text")
        self.assertEqual(by_index[7]["body"], "")
        self.assertEqual(self.stats()["published"], len(entries))

    def test_receive_max_messages(self):
        self.publish_many(7)
        first = self.receive(max_messages=5)
        self.assertEqual(len(first), 5)
        second = self.receive(max_messages=5)
        self.assertEqual(len(second), 2)
        self.assertEqual(self.receive(max_messages=5), [])
        self.assertEqual(bodies(first + second), sorted(f"m{i}" for i in range(7)))
        self.assertEqual(len({m["message_id"] for m in first + second}), 7)
        self.assertEqual(self.counts(), (0, 7))
        self.assertEqual(len(self.receive()), 0)  # default max_messages is 1, nothing visible

    def test_receive_default_is_one_message(self):
        self.publish_many(3)
        self.assertEqual(len(self.receive()), 1)
        self.assertEqual(self.counts(), (2, 1))

    def test_receive_then_ack_all_flow(self):
        """What `sluice recv --ack` does: receive a batch, ack every receipt in one request."""
        self.publish_many(25)
        seen = []
        while True:
            got = self.receive(max_messages=10)
            if not got:
                break
            results = self.ack([m["receipt"] for m in got])
            self.assertEqual(results, [{"ok": True}] * len(got))
            seen += got
        self.assertEqual(bodies(seen), sorted(f"m{i}" for i in range(25)))
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["acked"], s["oldest_age_ms"]),
                         (0, 0, 25, 0), s)

    def test_ack_of_an_already_acked_message_succeeds(self):
        self.publish("once")
        [m] = self.receive()
        self.assertEqual(self.ack([m["receipt"]]), [{"ok": True}])
        self.assertEqual(self.ack([m["receipt"]]), [{"ok": True}])
        self.assertEqual(self.ack([m["receipt"], m["receipt"]]), [{"ok": True}, {"ok": True}])
        self.assertEqual(self.stats()["acked"], 1)

    def test_ack_results_are_per_receipt_and_in_order(self):
        self.publish_many(2)
        a, b = self.receive(max_messages=2)
        results = self.ack([a["receipt"], "garbage", b["receipt"]])
        self.assertEqual(results[0], {"ok": True})
        self.assertEqual(results[1]["error"]["code"], "ReceiptHandleInvalid")
        self.assertTrue(results[1]["error"]["message"])
        self.assertEqual(results[2], {"ok": True})
        self.assertEqual(self.counts(), (0, 0))


class TestLeases(QueueTest):
    queue_config = {"visibility_timeout": "1s"}

    def test_visibility_zero_releases_at_once(self):
        self.publish("release me")
        [m] = self.receive(visibility_timeout="5m")
        self.assertEqual(self.counts(), (0, 1))
        r = self.visibility(m["receipt"], 0)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"ok": True})
        self.assertEqual(self.counts(), (1, 0))
        [again] = self.receive(visibility_timeout="5m")
        self.assertEqual(again["message_id"], m["message_id"])
        self.assertEqual(again["delivery_count"], 2)
        self.assertNotEqual(again["receipt"], m["receipt"])

    def test_visibility_extend_keeps_the_lease(self):
        self.publish("keep me")
        [m] = self.receive()  # the queue's 1s lease
        r = self.visibility(m["receipt"], "60s")
        self.assertEqual(r.status, 200, r)
        # Had the extension not worked, this long poll would get the message back after 1s.
        self.assertEqual(self.receive(wait="3s"), [])
        self.assertEqual(self.counts(), (0, 1))
        self.assertEqual(self.ack([m["receipt"]]), [{"ok": True}])

    def test_lease_expiry_redelivers_with_delivery_count_2(self):
        mid = self.publish("crashy worker")
        [first] = self.receive()
        self.assertEqual(first["delivery_count"], 1)
        started = time.monotonic()
        [second] = self.receive(wait="5s")  # returns when the 1s lease expires
        elapsed = time.monotonic() - started
        self.assertEqual(second["message_id"], mid)
        self.assertEqual(second["body"], "crashy worker")
        self.assertEqual(second["delivery_count"], 2)
        self.assertNotEqual(second["receipt"], first["receipt"])
        self.assertLess(elapsed, 4.5)
        self.assertEqual(self.counts(), (0, 1))

    def test_stale_receipt_after_redelivery_is_refused_and_deletes_nothing(self):
        self.publish("contended")
        [first] = self.receive()
        [second] = self.receive(wait="5s", visibility_timeout="60s")
        self.assertEqual(second["delivery_count"], 2)

        results = self.ack([first["receipt"]])
        self.assertEqual(results[0]["error"]["code"], "ReceiptHandleStale", results)
        self.assertTrue(results[0]["error"]["message"])
        r = self.visibility(first["receipt"], 0)
        self.assertApiError(r, 409, "ReceiptHandleStale")
        # The current delivery is untouched: still in flight, still ackable.
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["acked"]), (0, 1, 0), s)
        self.assertEqual(self.ack([second["receipt"]]), [{"ok": True}])
        self.assertEqual(self.counts(), (0, 0))

    def test_receive_visibility_timeout_overrides_the_queue(self):
        self.publish("long job")
        [m] = self.receive(visibility_timeout="60s")
        self.assertEqual(self.receive(wait="2s"), [])  # the queue's 1s would have expired
        self.assertEqual(self.counts(), (0, 1))
        self.assertEqual(self.ack([m["receipt"]]), [{"ok": True}])


class TestLongPoll(QueueTest):
    def test_long_poll_on_an_empty_queue_waits_then_returns_empty(self):
        started = time.monotonic()
        self.assertEqual(self.receive(wait="1s"), [])
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_long_poll_with_integer_seconds(self):
        started = time.monotonic()
        self.assertEqual(self.receive(wait=1), [])
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_long_poll_returns_as_soon_as_another_connection_publishes(self):
        result = {}

        def poll():
            with self.server.client() as c:
                t0 = time.monotonic()
                result["response"] = c.receive(self.q, wait="10s", timeout=30)
                result["returned"] = time.monotonic()
                result["started"] = t0

        poller = threading.Thread(target=poll)
        poller.start()
        # Give the poll time to reach the server. Not needed for correctness: a publish that
        # arrives first must be returned at once too.
        time.sleep(0.3)
        published = time.monotonic()
        mid = self.publish("wake up")
        poller.join(15)
        self.assertFalse(poller.is_alive())
        r = result["response"]
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["message_id"] for m in r.json["messages"]], [mid])
        self.assertLess(result["returned"] - published, 2.0)
        self.assertLess(result["returned"] - result["started"], 5.0)

    def test_long_poll_returns_for_a_released_message(self):
        self.publish("released")
        [m] = self.receive(visibility_timeout="5m")
        result = {}

        def poll():
            with self.server.client() as c:
                result["response"] = c.receive(self.q, wait="10s", timeout=30)
                result["returned"] = time.monotonic()

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.3)  # as above: only to make the poll wait first
        released = time.monotonic()
        self.assertEqual(self.visibility(m["receipt"], 0).status, 200)
        poller.join(15)
        self.assertFalse(poller.is_alive())
        got = result["response"].json["messages"]
        self.assertEqual([x["message_id"] for x in got], [m["message_id"]])
        self.assertLess(result["returned"] - released, 2.0)


class TestConsumersAndVolume(QueueTest):
    queue_config = {"visibility_timeout": "5m"}

    def test_two_competing_consumers_receive_2000_messages_exactly_once(self):
        total = 2000
        self.publish_many(total)
        lock = threading.Lock()
        held = {}  # message_id -> consumer currently holding it
        deliveries = {}  # message_id -> number of deliveries
        per_consumer = [0, 0]
        errors = []
        done = threading.Event()

        def consume(me):
            try:
                with self.server.client() as c:
                    while not done.is_set():
                        r = c.receive(self.q, max_messages=10, wait="1s")
                        if r.status != 200:
                            errors.append(repr(r))
                            return
                        got = r.json["messages"]
                        with lock:
                            for m in got:
                                other = held.get(m["message_id"])
                                if other is not None:
                                    errors.append(f"{m['message_id']} held by {other} and {me}")
                                held[m["message_id"]] = me
                                deliveries[m["message_id"]] = deliveries.get(m["message_id"], 0) + 1
                        if not got:
                            continue
                        a = c.ack(self.q, [m["receipt"] for m in got])
                        if a.status != 200 or a.json["results"] != [{"ok": True}] * len(got):
                            errors.append(repr(a))
                            return
                        with lock:
                            for m in got:
                                del held[m["message_id"]]
                            per_consumer[me] += len(got)
                            if sum(per_consumer) >= total:
                                done.set()
            except Exception as e:  # reported by the main thread
                errors.append(repr(e))
                done.set()

        threads = [threading.Thread(target=consume, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        done.wait(120)
        done.set()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(deliveries), total)
        self.assertEqual(set(deliveries.values()), {1})
        self.assertEqual(sum(per_consumer), total)
        self.assertTrue(all(per_consumer), per_consumer)  # both really competed
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["acked"]), (0, 0, total), s)

    def test_10000_messages_published_in_batches_then_received_once_each(self):
        total = 10_000
        ids = self.publish_many(total, prefix="v")
        self.assertEqual(len(set(ids)), total)
        self.assertEqual(self.stats()["visible"], total)
        # Acks go out from 4 worker connections, as 4 workers would send them: the server
        # commits each ack durably, and concurrent requests share group commits.
        local = threading.local()
        clients = []

        def ack(receipts):
            if not hasattr(local, "client"):
                local.client = self.server.client()
                clients.append(local.client)
            r = local.client.ack(self.q, receipts)
            return r.status, r.json["results"] if r.status == 200 else r.body

        seen = {}
        pending = []
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            while True:
                got = self.receive(max_messages=100)
                if not got:
                    break
                for m in got:
                    self.assertNotIn(m["message_id"], seen)
                    self.assertEqual(m["delivery_count"], 1)
                    seen[m["message_id"]] = m["body"]
                pending.append((len(got), pool.submit(ack, [m["receipt"] for m in got])))
            for n, f in pending:
                self.assertEqual(f.result(), (200, [{"ok": True}] * n))
        for c in clients:
            c.close()
        self.assertEqual(set(seen), set(ids))
        self.assertEqual(sorted(seen.values()), sorted(f"v{i}" for i in range(total)))
        s = self.stats()
        self.assertEqual((s["visible"], s["in_flight"], s["published"], s["acked"]),
                         (0, 0, total, total), s)

if __name__ == "__main__":
    unittest.main()
