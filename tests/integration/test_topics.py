"""Topics on the real binary: fan-out to independent subscriptions from one stored copy, per-key
order across partitions, broadcast to consumer instances, filters, replay by offset and time,
restart, and the bad inputs of every topic endpoint. Waits are long polls (a `wait` that returns
as soon as a message is there), never sleeps."""
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

from harness import Client, Server, ServerTest, wait_until


def topic(s, name, **config):
    return s.post("/v1/topics", {"name": name, **config})


def sub(s, t, name, **config):
    return s.post(f"/v1/topics/{t}/subscriptions", {"name": name, **config})


def publish(s, t, body, key=None, attributes=None, partition=None):
    headers = {}
    if key is not None:
        headers["Sluice-Key"] = key
    if partition is not None:
        headers["Sluice-Partition"] = str(partition)
    for k, v in (attributes or {}).items():
        headers[f"Sluice-Attr-{k}"] = v
    r = s.post(f"/v1/topics/{t}/messages", body, headers=headers)
    assert r.status == 201, r
    return r.json


def publish_batch(s, t, messages):
    r = s.post(f"/v1/topics/{t}/messages/batch", {"messages": messages})
    assert r.status == 201, r
    return r.json["results"]


def receive(s, t, name, **options):
    r = s.post(f"/v1/topics/{t}/subscriptions/{name}/receive", options, timeout=60)
    assert r.status == 200, r
    return r.json["messages"]


def ack(s, t, name, messages, consumer=None):
    body = {"receipts": [m["receipt"] for m in messages]}
    if consumer:
        body["consumer"] = consumer
    r = s.post(f"/v1/topics/{t}/subscriptions/{name}/ack", body)
    assert r.status == 200, r
    assert all(x.get("ok") for x in r.json["results"]), r
    return r


def drain(s, t, name, expected, consumer=None, max_messages=100, wait="5s"):
    """Receives and acks until `expected` messages came; returns their bodies in order."""
    bodies = []
    extra = {"consumer": consumer} if consumer else {}
    while len(bodies) < expected:
        got = receive(s, t, name, max_messages=max_messages, wait=wait, **extra)
        if not got:
            break
        bodies += [m["body"] for m in got]
        ack(s, t, name, got, consumer)
    return bodies


class InFlightLimitTest(ServerTest):
    """--max-in-flight holds per subscription partition: a receive skips the partitions at
    their limit and is refused (429 OverLimit) only when every partition is at it."""
    server_args = ("--max-in-flight", "3", "--shards", "2")

    def test_partitions_at_their_limit_are_skipped_and_all_at_it_refuse(self):
        s = self.server
        self.assertEqual(topic(s, "wide", partitions=2).status, 201)
        sub(s, "wide", "all", **{"from": "earliest"})
        for i in range(5):
            publish(s, "wide", f"p0-{i}", partition=0)
        got = receive(s, "wide", "all", max_messages=100)
        self.assertEqual(sorted(m["body"] for m in got), ["p0-0", "p0-1", "p0-2"])
        # Partition 0 is at its limit and partition 1 has nothing yet: not an error, a long
        # poll (whether it starts before the publish or after, it answers with p1-0).
        done = {}

        def long_poll():
            with Client(s.port) as c:
                done["r"] = c.post("/v1/topics/wide/subscriptions/all/receive",
                                   {"max_messages": 100, "wait": "20s"}, timeout=60)

        poll = threading.Thread(target=long_poll)
        poll.start()
        publish(s, "wide", "p1-0", partition=1)
        poll.join(30)
        self.assertEqual(done["r"].status, 200, done["r"])
        self.assertEqual([m["body"] for m in done["r"].json["messages"]], ["p1-0"])
        for i in range(1, 5):
            publish(s, "wide", f"p1-{i}", partition=1)
        self.assertEqual([m["body"] for m in receive(s, "wide", "all", max_messages=100)], ["p1-1", "p1-2"])
        # Both partitions hold 3: refused, and nothing moved.
        r = s.post("/v1/topics/wide/subscriptions/all/receive", {"max_messages": 100})
        self.assertApiError(r, 429, "OverLimit")
        ack(s, "wide", "all", got[:1])
        self.assertEqual([m["body"] for m in receive(s, "wide", "all", max_messages=100)], ["p0-3"])

    def test_push_with_more_concurrency_than_the_limit_delivers_everything(self):
        s = self.server
        ep = Endpoint()
        try:
            topic(s, "hooked")
            # Published before the subscription (which starts at the earliest): the runner's
            # first receive leases 3 and its next is refused; it waits for a push to end and
            # goes on (without that wait it stopped at the first refusal).
            ids = {r["message_id"] for r in publish_batch(s, "hooked", [{"body": f"m{i}"} for i in range(12)])}
            self.assertEqual(sub(s, "hooked", "p", push={"url": ep.url, "concurrency": 10},
                                 **{"from": "earliest"}).status, 201)
            wait_until(lambda: s.get("/v1/topics/hooked/subscriptions/p").json["stats"]["backlog"] == 0
                       and set(ep.attempts) == ids, timeout=30, message="every message pushed")
        finally:
            ep.close()


class FanOutTest(ServerTest):
    def test_ten_subscriptions_each_receive_every_message_once_at_their_own_pace(self):
        s = self.server
        self.assertEqual(topic(s, "orders", partitions=2).status, 201)
        for i in range(10):
            self.assertEqual(sub(s, "orders", f"s{i}", **{"from": "earliest"}).status, 201)
        bodies = [f"order-{i}" for i in range(50)]
        publish_batch(s, "orders", [{"body": b} for b in bodies[:25]])
        # Half the subscriptions read now, the rest later: each keeps its own cursor.
        for i in range(5):
            self.assertEqual(sorted(drain(s, "orders", f"s{i}", 25)), sorted(bodies[:25]))
        publish_batch(s, "orders", [{"body": b} for b in bodies[25:]])
        for i in range(10):
            want = bodies[25:] if i < 5 else bodies
            got = drain(s, "orders", f"s{i}", len(want))
            self.assertEqual(sorted(got), sorted(want), f"s{i}")
            self.assertEqual(receive(s, "orders", f"s{i}", max_messages=10), [], "nothing twice")
        for i in range(10):
            st = s.get(f"/v1/topics/orders/subscriptions/s{i}").json["stats"]
            self.assertEqual((st["backlog"], st["in_flight"]), (0, 0), st)
        t = s.get("/v1/topics/orders").json
        self.assertEqual(t["stats"]["stored"], 50)  # acks do not delete on a topic
        self.assertEqual(len(t["subscriptions"]), 10)

    def test_fifty_subscriptions_cost_one_stored_copy(self):
        s = self.server
        topic(s, "one-sub")
        topic(s, "fifty-subs")
        sub(s, "one-sub", "only")
        for i in range(50):
            sub(s, "fifty-subs", f"s{i}")
        body = "x" * 1024

        def bytes_written_by(t):
            before = s.metric("sluice_storage_bytes_written_total")
            for _ in range(5):
                publish_batch(s, t, [{"body": body}] * 20)
            return s.metric("sluice_storage_bytes_written_total") - before

        one, fifty = bytes_written_by("one-sub"), bytes_written_by("fifty-subs")
        self.assertGreater(one, 100 * 1024)
        self.assertLess(fifty, one * 1.1, (one, fifty))  # not 50 copies
        self.assertEqual(s.get("/v1/topics/fifty-subs").json["stats"]["stored"], 100)


class ReceiveBoundsTest(ServerTest):
    def test_one_receive_takes_up_to_1000_messages_across_partitions(self):
        s = self.server
        topic(s, "wide", partitions=3)
        sub(s, "wide", "all", **{"from": "earliest"})
        publish_batch(s, "wide", [{"body": f"m{i}", "key": f"k{i}"} for i in range(1000)])
        publish_batch(s, "wide", [{"body": f"n{i}", "key": f"k{i}"} for i in range(200)])
        got = receive(s, "wide", "all", max_messages=1000)
        self.assertEqual(len(got), 1000)
        self.assertEqual(len({m["body"] for m in got}), 1000, "each message once")
        self.assertEqual(len(receive(s, "wide", "all", max_messages=1000)), 200)

    def test_an_answer_stops_at_8_mib_across_partitions(self):
        s = self.server
        self.assertEqual(topic(s, "big", partitions=4, max_message_size=4 << 20).status, 201)
        sub(s, "big", "all", **{"from": "earliest"})
        for p in range(4):  # 3 MiB on each partition, and one more on the first
            publish(s, "big", chr(ord("a") + p) * (3 << 20), partition=p)
        publish(s, "big", "e" * (3 << 20), partition=0)
        first = receive(s, "big", "all", max_messages=10)
        self.assertEqual(len(first), 3, "the third message passes 8 MiB: the answer ends there")
        rest = receive(s, "big", "all", max_messages=10)
        self.assertEqual(len(rest), 2)
        self.assertEqual(sorted(m["body"][0] for m in first + rest), list("abcde"))


class OrderTest(ServerTest):
    def test_per_key_order_across_four_partitions(self):
        s = self.server
        topic(s, "events", partitions=4)
        sub(s, "events", "ordered", mode="ordered", **{"from": "earliest"})
        keys = [f"order-{k}" for k in range(12)]
        msgs = [{"body": f"{k}:{i}", "key": k} for i in range(10) for k in keys]
        results = publish_batch(s, "events", msgs)
        partitions = {}
        for m, r in zip(msgs, results):
            partitions.setdefault(m["key"], set()).add(r["partition"])
        self.assertTrue(all(len(p) == 1 for p in partitions.values()), "a key stays on one partition")
        self.assertGreater(len({next(iter(p)) for p in partitions.values()}), 1, "keys spread")
        seen = {k: [] for k in keys}
        lock = threading.Lock()

        def consumer():
            with self.server.client() as c:
                consume(c)

        def consume(c):
            while True:
                with lock:
                    if sum(len(v) for v in seen.values()) >= len(msgs):
                        return
                r = c.post("/v1/topics/events/subscriptions/ordered/receive",
                           {"max_messages": 5, "wait": "1s"})
                got = r.json["messages"]
                # At most one message per key in flight: a receive never holds two of a key.
                self.assertEqual(len({m["key"] for m in got}), len(got))
                with lock:
                    for m in got:
                        seen[m["key"]].append(int(m["body"].split(":")[1]))
                if got:
                    c.post("/v1/topics/events/subscriptions/ordered/ack",
                           {"receipts": [m["receipt"] for m in got]})

        threads = [threading.Thread(target=consumer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for k in keys:
            self.assertEqual(seen[k], list(range(10)), k)


class BroadcastTest(ServerTest):
    def test_every_consumer_instance_gets_every_message(self):
        s = self.server
        topic(s, "prices", partitions=2)
        sub(s, "prices", "cache", mode="broadcast", consumer_ttl="1h")
        nodes = ["node-1", "node-2", "node-3"]
        for n in nodes:  # joining: each instance starts at the end of the log
            self.assertEqual(receive(s, "prices", "cache", consumer=n), [])
        publish_batch(s, "prices", [{"body": f"sku-{i}=9.99", "key": f"sku-{i}"} for i in range(20)])
        for n in nodes:
            got = drain(s, "prices", "cache", 20, consumer=n)
            self.assertEqual(sorted(got), sorted(f"sku-{i}=9.99" for i in range(20)), n)
        st = s.get("/v1/topics/prices/subscriptions/cache").json["stats"]
        self.assertEqual(sorted(st["consumers"]), nodes)
        r = s.post("/v1/topics/prices/subscriptions/cache/receive", {})
        self.assertApiError(r, 400, "ConsumerRequired")

    def test_an_instance_unseen_for_longer_than_its_ttl_is_dropped(self):
        with Server(args=["--retention-sweep-interval", "100ms"]) as s:
            topic(s, "t")
            sub(s, "t", "b", mode="broadcast", consumer_ttl="1s")
            receive(s, "t", "b", consumer="gone")
            receive(s, "t", "b", consumer="alive")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                receive(s, "t", "b", consumer="alive", wait="200ms")
                consumers = s.get("/v1/topics/t/subscriptions/b").json["stats"]["consumers"]
                if consumers == ["alive"]:
                    break
            self.assertEqual(consumers, ["alive"])


class FilterTest(ServerTest):
    CASES = [
        # (filter, attributes, body, delivered?)
        ({"attributes": {"status": ["paid"]}}, {"status": "paid"}, "x", True),
        ({"attributes": {"status": ["paid"]}}, {"status": "new"}, "x", False),
        ({"attributes": {"status": ["paid"]}}, {}, "x", False),
        ({"attributes": {"region": [{"prefix": "eu-"}]}}, {"region": "eu-west"}, "x", True),
        ({"attributes": {"region": [{"prefix": "eu-"}]}}, {"region": "us-east"}, "x", False),
        ({"attributes": {"vip": [{"exists": True}]}}, {"vip": "1"}, "x", True),
        ({"attributes": {"vip": [{"exists": True}]}}, {}, "x", False),
        ({"attributes": {"vip": [{"exists": False}]}}, {}, "x", True),
        ({"attributes": {"type": [{"anything-but": "test"}]}}, {"type": "real"}, "x", True),
        ({"attributes": {"type": [{"anything-but": "test"}]}}, {"type": "test"}, "x", False),
        ({"body": {"amount": [{"numeric": [">", 100, "<=", 500]}]}}, {}, '{"amount": 250}', True),
        ({"body": {"amount": [{"numeric": [">", 100, "<=", 500]}]}}, {}, '{"amount": 50}', False),
        ({"body": {"amount": [{"numeric": [">", 100]}]}}, {}, "not json", False),
        ("TagA || TagB", {"tag": "TagB"}, "x", True),
        ("TagA || TagB", {"tag": "TagC"}, "x", False),
        ("TagA || TagB", {}, "x", False),
        ("*", {"tag": "anything"}, "x", True),
    ]

    def test_filter_table(self):
        s = self.server
        topic(s, "f")
        for i, (_, attrs, body, _) in enumerate(self.CASES):
            # Each message carries its case number, so a subscription can tell its own apart.
            publish(s, "f", body, attributes={**attrs, "case": str(i)})
        for i, (flt, attrs, body, want) in enumerate(self.CASES):
            name = f"x{i}"
            if isinstance(flt, dict):  # narrowed to this case's message
                flt = {**flt, "attributes": {**flt.get("attributes", {}), "case": [str(i)]}}
            self.assertEqual(sub(s, "f", name, filter=flt, **{"from": "earliest"}).status, 201)
            got = receive(s, "f", name, max_messages=100)
            ours = [m for m in got if m["attributes"].get("case") == str(i)]
            self.assertEqual(len(ours), 1 if want else 0, (i, flt, attrs, body))

    def test_filtered_out_messages_count_as_acknowledged(self):
        s = self.server
        topic(s, "g")
        sub(s, "g", "paid", filter={"attributes": {"status": ["paid"]}})
        publish_batch(s, "g", [{"body": str(i), "attributes": {"status": "paid" if i % 3 == 0 else "new"}}
                               for i in range(9)])
        self.assertEqual(drain(s, "g", "paid", 3), ["0", "3", "6"])
        st = s.get("/v1/topics/g/subscriptions/paid").json["stats"]
        self.assertEqual((st["backlog"], st["filtered"], st["acked"]), (0, 6, 3), st)
        self.assertEqual(st["partitions"][0]["cursor"], 9)


class ReplayTest(ServerTest):
    def test_seek_by_offset_and_by_time_redelivers_acked_messages(self):
        s = self.server
        topic(s, "log")
        sub(s, "log", "recon")
        publish_batch(s, "log", [{"body": f"early-{i}"} for i in range(5)])
        time.sleep(0.01)  # publish times must differ from the seek time below (ms resolution)
        middle = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (int(time.time() * 1000) % 1000)
        time.sleep(0.01)
        publish_batch(s, "log", [{"body": f"late-{i}"} for i in range(5)])
        self.assertEqual(len(drain(s, "log", "recon", 10)), 10)
        r = s.post("/v1/topics/log/subscriptions/recon/seek", {"to": 3})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["partitions"], [{"partition": 0, "offset": 3, "clamped": False}])
        self.assertEqual(drain(s, "log", "recon", 7), [f"early-{i}" for i in (3, 4)] + [f"late-{i}" for i in range(5)])
        r = s.post("/v1/topics/log/subscriptions/recon/seek", {"to": middle})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(drain(s, "log", "recon", 5), [f"late-{i}" for i in range(5)])
        s.post("/v1/topics/log/subscriptions/recon/seek", {"to": "earliest"})
        self.assertEqual(len(drain(s, "log", "recon", 10)), 10)
        s.post("/v1/topics/log/subscriptions/recon/seek", {"to": "latest"})
        self.assertEqual(receive(s, "log", "recon", max_messages=10), [])

    def test_seek_outside_the_log_is_clamped_and_says_so(self):
        s = self.server
        topic(s, "c")
        sub(s, "c", "s")
        publish(s, "c", "only")
        r = s.post("/v1/topics/c/subscriptions/s/seek", {"to": 1000})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["clamped"])
        self.assertEqual(r.json["partitions"][0]["offset"], 1)
        self.assertIn("outside", r.json["message"])
        r = s.post("/v1/topics/c/subscriptions/s/seek", {"to": "2000-01-01T00:00:00Z"})
        self.assertEqual(r.json["partitions"][0]["offset"], 0)


class BackoffTest(ServerTest):
    def test_a_nacked_message_comes_back_after_its_backoff(self):
        s = self.server
        topic(s, "b")
        sub(s, "b", "s", backoff="1s", max_backoff="4s")
        publish(s, "b", "retry me")
        first = receive(s, "b", "s")
        r = s.post("/v1/topics/b/subscriptions/s/visibility", {"receipt": first[0]["receipt"], "timeout": "0s"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(receive(s, "b", "s", wait="0s"), [])  # backing off, not visible yet
        started = time.monotonic()
        again = receive(s, "b", "s", wait="5s")
        self.assertEqual([m["body"] for m in again], ["retry me"])
        self.assertEqual(again[0]["delivery_count"], 2)
        self.assertGreater(time.monotonic() - started, 0.5)  # came back after the backoff
        info = s.get("/v1/topics/b/subscriptions/s").json
        self.assertEqual((info["backoff"], info["max_backoff"]), ("1s", "4s"))


class Endpoint:
    """A local HTTP endpoint for push tests: answers `fail_first` requests per message with 503,
    then 200 (or always 500 when `always_fail`); records every request and checks signatures."""

    def __init__(self, secret=None, fail_first=0, always_fail=False):
        self.requests = []
        self.bad_signatures = 0
        self.attempts = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                mid = headers.get("sluice-message-id")
                with outer.lock:
                    outer.requests.append((headers, body))
                    outer.attempts[mid] = outer.attempts.get(mid, 0) + 1
                    n = outer.attempts[mid]
                    if secret is not None:
                        want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
                        if headers.get("sluice-signature") != want:
                            outer.bad_signatures += 1
                status = 500 if always_fail else (503 if n <= fail_first else 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class PushTest(ServerTest):
    def test_retries_until_the_endpoint_answers_2xx_signed_and_in_json(self):
        s = self.server
        ep = Endpoint(secret="s3cret", fail_first=2)
        try:
            topic(s, "payments")
            r = sub(s, "payments", "merchant", backoff="100ms", max_backoff="400ms",
                    push={"url": ep.url, "secret": "s3cret", "concurrency": 4})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["push"], {"url": ep.url, "format": "json", "signed": True,
                                              "concurrency": 4, "timeout": "10s"})
            ids = [publish(s, "payments", json.dumps({"paid": i}), attributes={"kind": "paid"})["message_id"]
                   for i in range(5)]
            wait_until(lambda: s.get("/v1/topics/payments/subscriptions/merchant").json["stats"]["backlog"] == 0
                       and len(ep.attempts) == 5, timeout=30, message="every message acked by a 2xx")
            self.assertEqual(sorted(ep.attempts), sorted(ids))
            self.assertTrue(all(n == 3 for n in ep.attempts.values()), ep.attempts)  # 503, 503, 200
            self.assertEqual(ep.bad_signatures, 0)
            headers, body = ep.requests[-1]
            env = json.loads(body)
            self.assertEqual((env["topic"], env["subscription"], env["attributes"]["kind"]),
                             ("payments", "merchant", "paid"))
            self.assertIn(env["id"], ids)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertGreaterEqual(s.metric("sluice_push_delivered_total"), 5)
        finally:
            ep.close()

    def test_cloudevents_binary_mode(self):
        s = self.server
        ep = Endpoint()
        try:
            topic(s, "ce")
            sub(s, "ce", "hook", push={"url": ep.url, "format": "cloudevents"})
            mid = publish(s, "ce", '{"x":1}', attributes={"type": "order.paid", "content-type": "application/json"})["message_id"]
            wait_until(lambda: len(ep.requests) >= 1, timeout=20, message="a push")
            headers, body = ep.requests[0]
            self.assertEqual(body, b'{"x":1}')
            self.assertEqual((headers["ce-specversion"], headers["ce-id"], headers["ce-type"]), ("1.0", mid, "order.paid"))
            self.assertEqual(headers["ce-source"], "/sluice/topics/ce")
            self.assertEqual(headers["content-type"], "application/json")
        finally:
            ep.close()

    def test_an_endpoint_that_always_fails_ends_in_the_dead_letter_queue(self):
        s = self.server
        ep = Endpoint(always_fail=True)
        try:
            self.make_queue("merchant-dlq")
            topic(s, "refunds")
            sub(s, "refunds", "merchant", backoff="50ms", max_backoff="100ms", max_deliveries=3,
                dead_letter_queue="merchant-dlq", push={"url": ep.url})
            mid = publish(s, "refunds", "refund 7")["message_id"]
            dead = s.receive("merchant-dlq", wait="20s").json["messages"]
            self.assertEqual([m["message_id"] for m in dead], [mid])
            self.assertEqual(dead[0]["attributes"]["sluice.dlq.source"], "topic:refunds/merchant")
            self.assertEqual(ep.attempts[mid], 3)
            st = s.get("/v1/topics/refunds/subscriptions/merchant").json["stats"]
            self.assertEqual((st["backlog"], st["dead_lettered"]), (0, 1), st)
            # A redrive without a destination cannot put it back on a subscription: it refuses
            # (failed) and the message stays in the dead-letter queue.
            self.make_queue("merchant")  # a queue that shares the subscription's name is not used
            s.post("/v1/queues/merchant-dlq/visibility", {"receipt": dead[0]["receipt"], "timeout": "0s"})
            task = s.post("/v1/queues/merchant-dlq/redrive", {}).json
            wait_until(lambda: s.get(f"/v1/tasks/{task['id']}").json["state"] != "running", message="redrive done")
            done = s.get(f"/v1/tasks/{task['id']}").json
            self.assertEqual((done["moved"], done["failed"]), (0, 1), done)
            self.assertEqual(s.queue_stats("merchant")["visible"], 0)
        finally:
            ep.close()

    def test_push_survives_restart(self):
        ep = Endpoint()
        s = Server().start()
        try:
            topic(s, "t")
            sub(s, "t", "p", push={"url": ep.url})
            s.stop()
            s.start()
            mid = publish(s, "t", "after restart")["message_id"]
            wait_until(lambda: mid in ep.attempts, timeout=20, message="pushed after restart")
        finally:
            s.cleanup()
            ep.close()


class RestartTest(unittest.TestCase):
    def test_topics_subscriptions_cursors_and_consumers_survive_restart(self):
        s = Server().start()
        try:
            topic(s, "orders", partitions=3)
            sub(s, "orders", "billing", **{"from": "earliest"})
            sub(s, "orders", "paid", filter={"attributes": {"status": ["paid"]}})
            sub(s, "orders", "cache", mode="broadcast", consumer_ttl="1h")
            receive(s, "orders", "cache", consumer="n1")
            publish_batch(s, "orders", [{"body": f"m{i}", "key": f"k{i}",
                                         "attributes": {"status": "paid" if i % 2 else "new"}}
                                        for i in range(30)])
            self.assertEqual(len(drain(s, "orders", "billing", 10, max_messages=10)), 10)
            self.assertEqual(len(drain(s, "orders", "cache", 30, consumer="n1")), 30)
            s.stop()
            s.start()
            t = s.get("/v1/topics/orders").json
            self.assertEqual((t["partitions"], t["stats"]["stored"]), (3, 30))
            self.assertEqual(sorted(t["subscriptions"]), ["billing", "cache", "paid"])
            rest = drain(s, "orders", "billing", 20)
            self.assertEqual(len(rest), 20)  # the 10 acked before the restart stay acked
            self.assertEqual(len(drain(s, "orders", "paid", 15)), 15)
            self.assertEqual(receive(s, "orders", "cache", consumer="n1"), [])
            publish(s, "orders", "after", key="k1")
            self.assertEqual(drain(s, "orders", "cache", 1, consumer="n1"), ["after"])
            # kill -9 too: acks are durable before they are answered.
            s.kill9()
            s.start()
            self.assertEqual(drain(s, "orders", "billing", 2, wait="0s"), ["after"])
        finally:
            s.cleanup()


class BadInputTest(ServerTest):
    def test_topic_endpoints(self):
        s = self.server
        topic(s, "t", partitions=2)
        sub(s, "t", "s")
        cases = [
            (topic(s, "zero", partitions=0), 400, "InvalidParameter"),
            (topic(s, "huge", partitions=100000), 400, "InvalidParameter"),
            (topic(s, "bad name!"), 400, "InvalidName"),
            (topic(s, "wrong", partitions="two"), 400, "InvalidParameter"),
            (topic(s, "unknown", colour="red"), 400, "InvalidParameter"),
            (s.post("/v1/topics", "{not json"), 400, "MalformedJson"),
            (topic(s, "t", partitions=3), 409, "TopicAlreadyExists"),
            (s.put("/v1/topics/t", {"partitions": 3}), 400, "PartitionsImmutable"),
            (s.get("/v1/topics/nope"), 404, "TopicNotFound"),
            (s.delete("/v1/topics/nope"), 404, "TopicNotFound"),
            (s.post("/v1/topics/nope/messages", "x"), 404, "TopicNotFound"),
            (s.post("/v1/topics/t/messages", "x", headers={"Sluice-Partition": "7"}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/messages", "x", headers={"Sluice-Partition": "one"}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/messages/batch", {"messages": []}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/messages/batch", {"messages": [{"body": "a", "id": "1"}, {"body": "b", "id": "1"}]}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/messages/batch", {"messages": [{"body": "a", "group": "g"}]}), 400, "InvalidParameter"),
            (sub(s, "nope", "x"), 404, "TopicNotFound"),
            (sub(s, "t", "s", mode="ordered"), 409, "SubscriptionAlreadyExists"),
            (sub(s, "t", "m", mode="round-robin"), 400, "InvalidParameter"),
            (sub(s, "t", "f", filter={"attributes": {"x": [{"numeric": [">"]}]}}), 400, "InvalidParameter"),
            (sub(s, "t", "f", filter="TagA ||"), 400, "InvalidParameter"),
            (sub(s, "t", "f", filter=42), 400, "InvalidParameter"),
            (sub(s, "t", "p", push={"url": "ftp://example/x"}), 400, "InvalidParameter"),
            (sub(s, "t", "p", push={"url": "not a url"}), 400, "InvalidParameter"),
            (sub(s, "t", "p", push={}), 400, "InvalidParameter"),
            (sub(s, "t", "d", max_deliveries=3), 400, "InvalidParameter"),
            (sub(s, "t", "d", max_deliveries=3, dead_letter_queue="missing"), 400, "InvalidDeadLetterQueue"),
            (sub(s, "t", "o", **{"from": "yesterday"}), 400, "InvalidParameter"),
            (s.get("/v1/topics/t/subscriptions/nope"), 404, "SubscriptionNotFound"),
            (s.post("/v1/topics/t/subscriptions/nope/receive", {}), 404, "SubscriptionNotFound"),
            (s.post("/v1/topics/t/subscriptions/s/receive", {"max_messages": 0}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/receive", {"max_messages": 1001}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/receive", {"wait": "1h"}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/ack", {"receipts": []}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/ack", {"receipts": [1]}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/visibility", {"receipt": "x"}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/visibility", {"receipt": "AAAA", "timeout": "1s"}), 400, "ReceiptHandleInvalid"),
            (s.post("/v1/topics/t/subscriptions/s/seek", {}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/seek", {"to": "sometime"}), 400, "InvalidParameter"),
            (s.post("/v1/topics/t/subscriptions/s/seek", {"to": 0, "partition": 9}), 400, "InvalidParameter"),
            (s.delete("/v1/topics/t/subscriptions/nope"), 404, "SubscriptionNotFound"),
        ]
        for i, (r, status, code) in enumerate(cases):
            with self.subTest(i=i, response=r):
                self.assertApiError(r, status, code)
        # A bad ack receipt is a per-entry error; nothing stored changed.
        r = s.post("/v1/topics/t/subscriptions/s/ack", {"receipts": ["garbage"]})
        self.assertEqual(r.json["results"][0]["error"]["code"], "ReceiptHandleInvalid")
        t = s.get("/v1/topics/t").json
        self.assertEqual((t["partitions"], t["stats"]["stored"], t["subscriptions"]), (2, 0, ["s"]))
        self.assertServerAlive("bad topic inputs")


if __name__ == "__main__":
    unittest.main()
