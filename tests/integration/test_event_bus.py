"""Event bus end to end through the real binary (issue #7): CloudEvents in all three HTTP modes
with validation, rules with patterns and up to 1,000 targets, fan-out to every target kind,
input transforms, retries then a dead-letter queue against a failing webhook, replay of a time
range, test-pattern, restart, bad input, and the CLI."""
import hashlib
import hmac
import http.server
import json
import os
import tempfile
import threading
import time
import unittest

from harness import Server, ServerTest, wait_until


def event(i=1, **extra):
    e = {"specversion": "1.0", "id": f"e{i}", "source": "/shop", "type": "order.created",
         "datacontenttype": "application/json", "data": {"amount": 100 * i, "region": "eu"}}
    e.update(extra)
    return e


def now_rfc3339():
    ms = int(time.time() * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def put(server, bus, body, content_type="application/cloudevents+json", headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return server.post(f"/v1/buses/{bus}/events", payload, headers=h)


class Sink:
    """An HTTP server on 127.0.0.1 recording every POST (path, headers, body); answers `status`."""

    def __init__(self):
        self.requests = []
        self.status = 200
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                sink.requests.append((self.path, dict(self.headers), body))
                status = sink.status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def on(self, path):
        return [r for r in self.requests if r[0] == path]

    def close(self):
        self.httpd.shutdown()


class BusTest(ServerTest):
    def drain(self, queue, expect, timeout=10):
        """Receives until `expect` messages came (acked), then checks nothing more is there."""
        got = []
        deadline = time.time() + timeout
        while len(got) < expect and time.time() < deadline:
            r = self.server.receive(queue, max_messages=10, wait="1s")
            self.assertEqual(r.status, 200, r)
            msgs = r.json["messages"]
            got += msgs
            if msgs:
                self.server.ack(queue, [m["receipt"] for m in msgs])
        self.assertEqual(len(got), expect, got)
        r = self.server.receive(queue, max_messages=10, wait="0s")
        self.assertEqual(r.json["messages"], [], "more messages than expected")
        return [json.loads(m["body"]) if isinstance(m["body"], str) and m["body"][:1] in "{[\"" else m["body"]
                for m in got]

    def rule(self, name, pattern, targets, bus="default", expect=(200, 201)):
        r = self.server.put(f"/v1/buses/{bus}/rules/{name}", {"pattern": pattern, "targets": targets})
        self.assertIn(r.status, expect, r)
        return r


class TestIngest(BusTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.create_queue("all")
        r = cls.server.put("/v1/buses/default/rules/all", {"targets": ["queue:all"]})
        assert r.status == 201, r

    def test_default_bus_exists(self):
        r = self.server.get("/v1/buses")
        self.assertIn("default", [b["name"] for b in r.json["buses"]])
        r = self.server.get("/v1/buses/default")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["retention"], "7d")
        self.assertApiError(self.server.delete("/v1/buses/default"), 409, "BusInUse")
        # The bus's own topic and queues stay out of listings unless asked for.
        names = [q["name"] for q in self.server.get("/v1/queues").json["queues"]]
        self.assertNotIn("_bus.default.retry", names)
        names = [q["name"] for q in self.server.get("/v1/queues?internal=true").json["queues"]]
        self.assertIn("_bus.default.retry", names)
        self.assertIn("_schedules", names)
        self.assertNotIn("_bus.default", [t["name"] for t in self.server.get("/v1/topics").json["topics"]])
        self.assertIn("_bus.default",
                      [t["name"] for t in self.server.get("/v1/topics?internal=true").json["topics"]])

    def test_three_http_modes(self):
        r = put(self.server, "default", event(1))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["accepted"], 1)
        self.assertTrue(r.json["events"][0]["position"])
        # Binary mode: attributes in ce- headers (percent-encoded), the body is the data.
        r = put(self.server, "default", '{"amount":7}', content_type="application/json",
                headers={"ce-specversion": "1.0", "ce-id": "b1", "ce-source": "/pos",
                         "ce-type": "sale", "ce-tenant": "acme%20corp"})
        self.assertEqual(r.status, 200, r)
        # Batch mode.
        r = put(self.server, "default", [event(2), event(3)],
                content_type="application/cloudevents-batch+json")
        self.assertEqual((r.json["accepted"], r.json["failed"]), (2, 0), r)
        bodies = self.drain("all", 4)
        by_id = {b["id"]: b for b in bodies}
        self.assertEqual(set(by_id), {"e1", "b1", "e2", "e3"})
        self.assertEqual(by_id["b1"]["data"], {"amount": 7})
        self.assertEqual(by_id["b1"]["tenant"], "acme corp")
        self.assertEqual(by_id["e2"]["data"]["amount"], 200)

    def test_bad_events_are_refused_and_store_nothing(self):
        before = self.server.get("/v1/buses/default").json["stats"]["events"]
        cases = [
            ("missing source", {k: v for k, v in event(9).items() if k != "source"}, 400, "source"),
            ("missing id", {k: v for k, v in event(9).items() if k != "id"}, 400, "id"),
            ("missing type", {k: v for k, v in event(9).items() if k != "type"}, 400, "type"),
            ("wrong specversion", event(9, specversion="0.3"), 400, "specversion"),
            ("bad extension name", event(9, BadName="x"), 400, "BadName"),
            ("extension object", event(9, ext={"a": 1}), 400, "ext"),
            ("time not RFC 3339", event(9, time="yesterday"), 400, "time"),
            ("not JSON", "{nope", 400, ""),
            ("array in single mode", [event(9)], 400, ""),
            ("data and data_base64", event(9, data_base64="AAAA"), 400, "data"),
        ]
        for name, body, status, mention in cases:
            with self.subTest(name):
                r = put(self.server, "default", body)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.json["error"]["code"], "InvalidEvent", r)
                self.assertIn(mention, r.json["error"]["message"])
        r = put(self.server, "default", "x" * 300_000)
        self.assertIn(r.status, (400, 413), r)
        r = put(self.server, "default", "hello", content_type="text/plain")
        self.assertApiError(r, 415, "UnsupportedMediaType")
        r = put(self.server, "nope", event(9))
        self.assertApiError(r, 404, "BusNotFound")
        # Binary mode without ce-source.
        r = put(self.server, "default", "{}", content_type="application/json",
                headers={"ce-specversion": "1.0", "ce-id": "x", "ce-type": "t"})
        self.assertApiError(r, 400, "InvalidEvent")
        self.assertEqual(self.server.get("/v1/buses/default").json["stats"]["events"], before)
        self.assertEqual(self.server.receive("all", max_messages=10, wait="0s").json["messages"], [])

    def test_batch_with_some_bad_events_accepts_the_rest(self):
        batch = [event(11), {"specversion": "1.0", "id": "x"}, event(12, specversion="2.0"), event(13)]
        r = put(self.server, "default", batch, content_type="application/cloudevents-batch+json")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["accepted"], r.json["failed"]), (2, 2))
        results = r.json["events"]
        self.assertEqual([("error" in e) for e in results], [False, True, True, False])
        self.assertEqual(results[1]["index"], 1)
        self.assertIn("source", results[1]["error"]["message"])
        self.assertEqual({b["id"] for b in self.drain("all", 2)}, {"e11", "e13"})
        r = put(self.server, "default", "[1,", content_type="application/cloudevents-batch+json")
        self.assertApiError(r, 400, "InvalidEvent")


class TestRules(BusTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = Sink()

    @classmethod
    def tearDownClass(cls):
        cls.sink.close()
        super().tearDownClass()

    def test_routing_by_amount_and_region(self):
        for q in ("big-eu", "small"):
            self.server.create_queue(q)
        self.rule("big-eu", {"type": ["order.created"],
                             "data": {"amount": [{"numeric": [">=", 200]}], "region": ["eu"]}}, ["queue:big-eu"])
        self.rule("small", {"data": {"amount": [{"numeric": ["<", 200]}]}}, ["queue:small"])
        put(self.server, "default", [event(1), event(2), event(3, data={"amount": 999, "region": "us"})],
            content_type="application/cloudevents-batch+json")
        self.assertEqual([b["id"] for b in self.drain("big-eu", 1)], ["e2"])
        self.assertEqual([b["id"] for b in self.drain("small", 1)], ["e1"])
        stats = self.server.get("/v1/buses/default/rules/big-eu").json["stats"]
        self.assertEqual((stats["matched"], stats["delivered"]), (1, 1))
        for r in ("big-eu", "small"):
            self.server.delete(f"/v1/buses/default/rules/{r}")

    def test_fan_out_to_five_target_kinds(self):
        self.server.create_queue("fan-q")
        self.server.create_queue("fan-other")
        self.assertEqual(self.server.post("/v1/topics", {"name": "fan-t"}).status, 201)
        self.assertEqual(self.server.post("/v1/topics/fan-t/subscriptions", {"name": "s", "from": "earliest"}).status, 201)
        r = self.server.put("/v1/functions/fan-fn", {"kind": "webhook", "url": self.sink.url("/fn")})
        self.assertIn(r.status, (200, 201), r)
        self.assertEqual(self.server.post("/v1/buses", {"name": "other"}).status, 201)
        self.rule("to-q", {}, ["queue:fan-other"], bus="other")
        self.rule("fan", {"source": ["/fan"]}, [
            "queue:fan-q", "topic:fan-t", "fn:fan-fn", "bus:other",
            {"target": "webhook:" + self.sink.url("/hook"), "headers": {"X-Team": "billing"},
             "secret": "s3cret"},
        ])
        r = put(self.server, "default", event(50, source="/fan"))
        self.assertEqual(r.json["accepted"], 1, r)
        self.assertEqual(self.drain("fan-q", 1)[0]["id"], "e50")
        self.assertEqual(self.drain("fan-other", 1)[0]["id"], "e50")
        got = self.server.post("/v1/topics/fan-t/subscriptions/s/receive", {"max_messages": 10, "wait": "5s"})
        self.assertEqual([json.loads(m["body"])["id"] for m in got.json["messages"]], ["e50"])
        wait_until(lambda: self.sink.on("/fn") and self.sink.on("/hook"), message="fn and webhook deliveries")
        fn_body = json.loads(self.sink.on("/fn")[0][2])
        self.assertEqual(fn_body["id"], "e50")
        path, headers, body = self.sink.on("/hook")[0]
        self.assertEqual(headers["X-Team"], "billing")
        self.assertEqual(headers["Sluice-Rule"], "fan")
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["Sluice-Signature"], expected)
        # The secret is never echoed back.
        rule = self.server.get("/v1/buses/default/rules/fan").json
        self.assertEqual(rule["targets"][4]["secret"], "********")
        self.server.delete("/v1/buses/default/rules/fan")

    def test_one_hundred_targets(self):
        for i in range(100):
            self.server.create_queue(f"many-{i}")
        self.rule("many", {"source": ["/many"]}, [f"queue:many-{i}" for i in range(100)])
        put(self.server, "default", event(60, source="/many"))
        for i in (0, 42, 99):
            self.assertEqual(self.drain(f"many-{i}", 1)[0]["id"], "e60")
        wait_until(lambda: self.server.get("/v1/buses/default/rules/many").json["stats"]["delivered"] == 100)
        self.server.delete("/v1/buses/default/rules/many")

    def test_input_transforms(self):
        for q in ("tf-event", "tf-data", "tf-const", "tf-tmpl", "tf-text"):
            self.server.create_queue(q)
        self.rule("tf", {"source": ["/tf"]}, [
            {"target": "queue:tf-event"},
            {"target": "queue:tf-data", "input": {"kind": "data"}},
            {"target": "queue:tf-const", "input": {"kind": "constant", "value": {"hello": [1, 2]}}},
            {"target": "queue:tf-tmpl", "input": {
                "kind": "template",
                "input_paths": {"amount": "$.data.amount", "region": "$.data.region",
                                "missing": "$.data.nope", "first": "$.data.items[0].sku"},
                "template": '{"amt": <amount>, "where": "in <region>", "gone": <missing>, '
                            '"note": "x<missing>y", "sku": <first>, "rule": "<sluice.rule>"}'}},
            {"target": "queue:tf-text", "input": {
                "kind": "template", "input_paths": {"region": "$.data.region"},
                "template": "order from <region>"}},
        ])
        put(self.server, "default", event(70, source="/tf",
                                          data={"amount": 12.50, "region": "eu", "items": [{"sku": "A1"}]}))
        self.assertEqual(self.drain("tf-event", 1)[0]["id"], "e70")
        self.assertEqual(self.drain("tf-data", 1)[0], {"amount": 12.50, "region": "eu", "items": [{"sku": "A1"}]})
        self.assertEqual(self.drain("tf-const", 1)[0], {"hello": [1, 2]})
        self.assertEqual(self.drain("tf-tmpl", 1)[0],
                         {"amt": 12.5, "where": "in eu", "gone": None, "note": "xy", "sku": "A1", "rule": "tf"})
        self.assertEqual(self.drain("tf-text", 1)[0], "order from eu")
        self.server.delete("/v1/buses/default/rules/tf")

    def test_failing_webhook_is_retried_then_dead_lettered(self):
        self.server.create_queue("hook-dlq")
        failing = Sink()
        failing.status = 503
        try:
            self.rule("flaky", {"source": ["/flaky"]}, [{
                "target": "webhook:" + failing.url("/down"),
                "retry": {"max_attempts": 3, "backoff": "20ms", "max_backoff": "40ms"},
                "dead_letter": "queue:hook-dlq"}])
            put(self.server, "default", event(80, source="/flaky"))
            dead = self.drain("hook-dlq", 1, timeout=20)[0]
            self.assertEqual(dead["event"]["id"], "e80")
            self.assertEqual(dead["attempts"], 3)
            self.assertEqual(dead["reason"], "max_attempts")
            self.assertIn("503", dead["error"])
            self.assertEqual(dead["rule"], "flaky")
            self.assertEqual(len(failing.on("/down")), 3)
            attempts = [h["Sluice-Attempt"] for _, h, _ in failing.on("/down")]
            self.assertEqual(attempts, ["1", "2", "3"])
            stats = self.server.get("/v1/buses/default/rules/flaky").json["stats"]
            self.assertEqual((stats["failed"], stats["retried"], stats["dead_lettered"]), (3, 2, 1))
        finally:
            failing.close()
            self.server.delete("/v1/buses/default/rules/flaky")

    def test_a_queue_target_that_fails_dead_letters_the_transformed_payload(self):
        # Queue targets are published in batches, the payload moved into the publish: a failed
        # publish must still retry and dead-letter what the target was to receive.
        self.server.create_queue("vanishing")
        self.server.create_queue("q-dlq")
        self.rule("to-vanishing", {"source": ["/vanish"]}, [{
            "target": "queue:vanishing", "input": {"kind": "constant", "value": {"kept": [1, 2]}},
            "retry": {"max_attempts": 2, "backoff": "20ms", "max_backoff": "20ms"},
            "dead_letter": "queue:q-dlq"}])
        try:
            self.assertEqual(self.server.delete("/v1/queues/vanishing").status, 204)
            put(self.server, "default", event(82, source="/vanish"))
            dead = self.drain("q-dlq", 1, timeout=20)[0]
            self.assertEqual(dead["event"], {"kept": [1, 2]})
            self.assertEqual((dead["attempts"], dead["reason"], dead["event_id"]), (2, "max_attempts", "e82"))
            self.assertIn("vanishing", dead["error"])
        finally:
            self.server.delete("/v1/buses/default/rules/to-vanishing")

    def test_a_webhook_that_recovers_gets_the_event_once(self):
        self.server.create_queue("rec-dlq")
        flaky = Sink()
        flaky.status = 500
        try:
            self.rule("recover", {"source": ["/recover"]}, [{
                "target": "webhook:" + flaky.url("/x"),
                "retry": {"max_attempts": 10, "backoff": "20ms", "max_backoff": "50ms"},
                "dead_letter": "queue:rec-dlq"}])
            put(self.server, "default", event(81, source="/recover"))
            wait_until(lambda: len(flaky.on("/x")) >= 2, message="two failed attempts")
            flaky.status = 200
            wait_until(lambda: self.server.get("/v1/buses/default/rules/recover").json["stats"]["delivered"] == 1,
                       message="delivered after recovery")
            self.assertEqual(self.server.receive("rec-dlq", max_messages=10, wait="0s").json["messages"], [])
        finally:
            flaky.close()
            self.server.delete("/v1/buses/default/rules/recover")

    def test_replay_redelivers_a_time_range(self):
        self.server.create_queue("replayed")
        # Range boundaries at millisecond resolution: each boundary is taken in a millisecond of its
        # own, after the events before it and before the events after it.
        def next_millisecond():
            mark = now_rfc3339()
            wait_until(lambda: now_rfc3339() > mark, message="the clock to move on")
            return now_rfc3339()

        put(self.server, "default", event(90, source="/replay"))
        t1 = next_millisecond()
        next_millisecond()
        put(self.server, "default", [event(91, source="/replay"), event(92, source="/replay")],
            content_type="application/cloudevents-batch+json")
        t2 = next_millisecond()
        next_millisecond()
        put(self.server, "default", event(93, source="/replay"))
        # The rule did not exist when the events came: only the replay delivers them.
        self.rule("replay-r", {"source": ["/replay"]}, ["queue:replayed"])
        r = self.server.post("/v1/buses/default/replays", {"from": t1, "to": t2, "rules": ["replay-r"]})
        self.assertEqual(r.status, 201, r)
        replay_id = r.json["id"]
        bodies = self.drain("replayed", 2)
        self.assertEqual([b["id"] for b in bodies], ["e91", "e92"])  # original order
        self.assertEqual({b["replay"] for b in bodies}, {replay_id})
        wait_until(lambda: self.server.get(f"/v1/replays/{replay_id}").json["state"] == "completed")
        task = self.server.get(f"/v1/replays/{replay_id}").json
        self.assertEqual((task["replayed"], task["matched"]), (2, 2))
        self.assertIn(replay_id, [t["id"] for t in self.server.get("/v1/buses/default/replays").json["replays"]])
        self.server.delete("/v1/buses/default/rules/replay-r")

    def test_an_event_with_a_huge_integer_still_matches(self):
        self.server.create_queue("huge")
        self.rule("huge", {"source": ["/huge"]}, ["queue:huge"])
        put(self.server, "default", '{"specversion":"1.0","id":"h1","source":"/huge","type":"t",'
                                    '"data":{"big":12345678901234567890123}}')
        body = self.server.receive("huge", max_messages=10, wait="5s").json["messages"][0]["body"]
        self.assertIn("12345678901234567890123", body)  # delivered with its digits as written
        self.server.delete("/v1/buses/default/rules/huge")

    def test_buses_sending_to_each_other_stop_after_eight_hops(self):
        self.server.create_queue("loop-dlq")
        self.assertEqual(self.server.post("/v1/buses", {"name": "ping"}).status, 201)
        self.assertEqual(self.server.post("/v1/buses", {"name": "pong"}).status, 201)
        self.rule("to-pong", {}, [{"target": "bus:pong", "dead_letter": "queue:loop-dlq"}], bus="ping")
        self.rule("to-ping", {}, [{"target": "bus:ping", "dead_letter": "queue:loop-dlq"}], bus="pong")
        put(self.server, "ping", event(1))
        dead = self.drain("loop-dlq", 1, timeout=20)[0]
        self.assertEqual(dead["reason"], "permanent")
        self.assertIn("passed through 8 buses", dead["error"])
        self.assertEqual(dead["attempts"], 1)
        ping = self.server.get("/v1/buses/ping").json["stats"]["events"]
        pong = self.server.get("/v1/buses/pong").json["stats"]["events"]
        self.assertEqual(ping + pong, 9)  # the original and eight forwards
        for bus, rule in (("ping", "to-pong"), ("pong", "to-ping")):
            self.server.delete(f"/v1/buses/{bus}/rules/{rule}")

    def test_a_rule_put_back_as_shown_keeps_its_webhook_secret(self):
        sink = Sink()
        try:
            self.rule("signed", {"source": ["/signed"]},
                      [{"target": "webhook:" + sink.url("/s"), "secret": "s3cret", "id": "w"}])
            shown = self.server.get("/v1/buses/default/rules/signed").json
            self.assertEqual(shown["targets"][0]["secret"], "********")
            again = {k: shown[k] for k in ("pattern", "targets", "enabled", "description")}
            self.assertEqual(self.server.put("/v1/buses/default/rules/signed", again).status, 200)
            put(self.server, "default", event(5, source="/signed"))
            wait_until(lambda: sink.on("/s"), message="signed delivery")
            _, headers, body = sink.on("/s")[0]
            expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            self.assertEqual(headers["Sluice-Signature"], expected)
            r = self.server.put("/v1/buses/default/rules/other",
                                {"targets": [{"target": "webhook:" + sink.url("/o"), "secret": "********"}]})
            self.assertApiError(r, 400, "InvalidParameter")
            self.assertIn("masks a secret", r.json["error"]["message"])
        finally:
            sink.close()
            self.server.delete("/v1/buses/default/rules/signed")

    def test_bad_replays(self):
        for body, code in (({"to": "2026-01-01T00:00:00Z"}, "InvalidParameter"),
                           ({"from": "yesterday"}, "InvalidParameter"),
                           ({"from": "2030-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"}, "InvalidReplay"),
                           ({"from": "2026-01-01T00:00:00Z", "rules": ["no-such-rule"]}, "InvalidReplay"),
                           ({"from": "2026-01-01T00:00:00Z", "extra": 1}, "InvalidParameter")):
            with self.subTest(body):
                self.assertApiError(self.server.post("/v1/buses/default/replays", body), 400, code)
        self.assertApiError(self.server.get("/v1/replays/replay-999"), 404, "ReplayNotFound")
        self.assertApiError(self.server.post("/v1/buses/nope/replays", {"from": "2026-01-01T00:00:00Z"}),
                            404, "BusNotFound")

    def test_bad_rules_are_refused_with_the_place(self):
        self.server.create_queue("ok-q")
        cases = [
            ("unknown operator", {"pattern": {"data": {"a": [{"bogus": 1}]}}, "targets": ["queue:ok-q"]},
             400, "InvalidParameter", "$.data.a"),
            ("numeric bad bounds", {"pattern": {"x": [{"numeric": [">", 5, "<", 1]}]}, "targets": ["queue:ok-q"]},
             400, "InvalidParameter", "$.x"),
            ("invalid cidr", {"pattern": {"ip": [{"cidr": "10.0.0.0/99"}]}, "targets": ["queue:ok-q"]},
             400, "InvalidParameter", "CIDR"),
            ("pattern not an object", {"pattern": [1], "targets": ["queue:ok-q"]}, 400, "InvalidParameter", "pattern"),
            ("target that does not exist", {"targets": ["queue:nope"]}, 400, "TargetNotFound", "queue:nope"),
            ("function that does not exist", {"targets": ["fn:nope"]}, 400, "TargetNotFound", "fn:nope"),
            ("bus that does not exist", {"targets": ["bus:nope"]}, 400, "TargetNotFound", "bus:nope"),
            ("own bus", {"targets": ["bus:default"]}, 400, "TargetNotFound", "loop"),
            ("bad target syntax", {"targets": ["sqs:ok-q"]}, 400, "InvalidParameter", "targets[0]"),
            ("bad webhook URL", {"targets": ["webhook:ftp://x"]}, 400, "InvalidParameter", "targets[0]"),
            ("missing dead-letter queue", {"targets": [{"target": "queue:ok-q", "dead_letter": "queue:nope"}]},
             400, "TargetNotFound", "dead_letter"),
            ("transform wildcard", {"targets": [{"target": "queue:ok-q", "input": {
                "kind": "template", "input_paths": {"a": "$.items[*]"}, "template": "<a>"}}]},
             400, "InvalidParameter", "targets[0].input"),
            ("max_attempts out of range", {"targets": [{"target": "queue:ok-q", "retry": {"max_attempts": 0}}]},
             400, "InvalidParameter", "max_attempts"),
            ("unknown field", {"targets": ["queue:ok-q"], "colour": "red"}, 400, "InvalidParameter", "colour"),
            ("duplicate target ids", {"targets": [{"target": "queue:ok-q", "id": "a"},
                                                  {"target": "queue:ok-q", "id": "a"}]},
             400, "InvalidParameter", "used twice"),
            ("too many targets", {"targets": ["queue:ok-q"] * 1001}, 400, "InvalidParameter", "1000"),
            ("sync on a queue", {"targets": [{"target": "queue:ok-q", "sync": True}]}, 400, "InvalidParameter", "sync"),
        ]
        for name, body, status, code, mention in cases:
            with self.subTest(name):
                r = self.server.put("/v1/buses/default/rules/bad", body)
                self.assertApiError(r, status, code)
                self.assertIn(mention, r.json["error"]["message"])
        self.assertApiError(self.server.get("/v1/buses/default/rules/bad"), 404, "RuleNotFound")
        self.assertApiError(self.server.put("/v1/buses/nope/rules/x", {"targets": []}), 404, "BusNotFound")
        self.assertApiError(self.server.put("/v1/buses/default/rules/_x", {"targets": []}), 400, "InvalidName")
        self.assertApiError(self.server.put("/v1/buses/default/rules/x", "[1]"), 400, "InvalidParameter")

    def test_test_pattern(self):
        ev = event(1, data={"amount": 250, "ip": "10.1.2.3"})
        for pattern, expected in (({"data": {"amount": [{"numeric": [">", 100]}]}}, True),
                                  ({"data": {"amount": [{"numeric": [">", 300]}]}}, False),
                                  ({"data": {"ip": [{"cidr": "10.0.0.0/8"}]}}, True),
                                  ({"type": [{"prefix": "order."}]}, True),
                                  ({"source": [{"anything-but": "/shop"}]}, False),
                                  ({"$or": [{"type": ["x"]}, {"data": {"amount": [250]}}]}, True)):
            with self.subTest(pattern):
                r = self.server.post("/v1/test-pattern", {"pattern": pattern, "event": ev})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json["matches"], expected)
        r = self.server.post("/v1/test-pattern", {"pattern": {"a": [{"nope": 1}]}, "event": ev})
        self.assertApiError(r, 400, "InvalidPattern")
        self.assertIn("$.a", r.json["error"]["message"])
        self.assertApiError(self.server.post("/v1/test-pattern", {"pattern": {}}), 400, "InvalidParameter")

    def test_buses_create_get_delete(self):
        self.assertEqual(self.server.post("/v1/buses", {"name": "tmp", "retention": "1d"}).status, 201)
        self.assertEqual(self.server.post("/v1/buses", {"name": "tmp", "retention": "1d"}).status, 200)
        self.assertApiError(self.server.post("/v1/buses", {"name": "tmp", "retention": "2d"}), 409, "BusAlreadyExists")
        self.assertEqual(self.server.put("/v1/buses/tmp", {"retention": "2d"}).json["retention"], "2d")
        for body, code in (({"name": "tmp2", "retention": "1s"}, "InvalidParameter"),
                           ({"name": "tmp2", "colour": 1}, "InvalidParameter"),
                           ({"name": "bad name"}, "InvalidName"),
                           ({"retention": "1d"}, "InvalidParameter")):
            with self.subTest(body):
                self.assertApiError(self.server.post("/v1/buses", body), 400, code)
        self.assertEqual(self.server.delete("/v1/buses/tmp").status, 204)
        self.assertApiError(self.server.get("/v1/buses/tmp"), 404, "BusNotFound")


def at_in(seconds):
    """An at() expression `seconds` from now (UTC, whole seconds rounded up)."""
    return "at(" + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(time.time()) + seconds + 1)) + ")"


class TestSchedules(BusTest):
    def test_one_time_schedule_fires_once_with_its_payload(self):
        self.server.create_queue("at-q")
        r = self.server.put("/v1/schedules/once", {"expression": at_in(1), "target": "queue:at-q",
                                                   "payload": {"report": "daily"}})
        self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(r.json["stats"]["next_fire"])
        got = self.server.receive("at-q", max_messages=10, wait="10s").json["messages"]
        self.assertEqual(len(got), 1, got)
        ev = json.loads(got[0]["body"])
        self.assertEqual((ev["type"], ev["source"], ev["subject"]), ("sluice.schedule", "sluice.scheduler", "once"))
        self.assertEqual(ev["data"], {"report": "daily"})
        info = self.server.get("/v1/schedules/once").json
        self.assertEqual(info["stats"]["fired"], 1)
        self.assertIsNone(info["stats"]["next_fire"])
        self.assertEqual(self.server.receive("at-q", max_messages=10, wait="0s").json["messages"], [])

    def test_transform_and_recurring_next_fire(self):
        self.server.create_queue("cron-q")
        r = self.server.put("/v1/schedules/hourly", {
            "expression": "cron(0 9 * * ? *)", "timezone": "America/New_York",
            "target": {"target": "queue:cron-q", "input": {"kind": "data"}}, "flexible_window": "5m"})
        self.assertEqual(r.status, 201, r)
        nxt = r.json["stats"]["next_fire"]
        self.assertTrue(nxt.endswith(":00:00.000Z"), nxt)
        self.assertIn(nxt[11:13], ("13", "14"))  # 09:00 in New York is 13:00 or 14:00 UTC
        names = [s["name"] for s in self.server.get("/v1/schedules").json["schedules"]]
        self.assertIn("hourly", names)
        self.assertEqual(self.server.delete("/v1/schedules/hourly").status, 204)
        self.assertApiError(self.server.get("/v1/schedules/hourly"), 404, "ScheduleNotFound")

    def test_bad_schedules(self):
        self.server.create_queue("bad-s-q")
        cases = [
            ({"expression": "rate(0 minutes)", "target": "queue:bad-s-q"}, 400, "InvalidParameter", "rate"),
            ({"expression": "cron(0 0 * * *)", "target": "queue:bad-s-q"}, 400, "InvalidParameter", "cron"),
            ({"expression": "every day", "target": "queue:bad-s-q"}, 400, "InvalidParameter", "expression"),
            ({"expression": "cron(0 0 30 2 ? *)", "target": "queue:bad-s-q"}, 400, "InvalidSchedule", "never fires"),
            ({"expression": "at(2020-01-01T00:00:00)", "target": "queue:bad-s-q"}, 400, "InvalidSchedule", "not after"),
            ({"expression": "rate(5 minutes)", "timezone": "Mars/Base", "target": "queue:bad-s-q"},
             400, "InvalidSchedule", "Mars/Base"),
            ({"expression": "rate(5 minutes)", "target": "queue:nope"}, 400, "TargetNotFound", "queue:nope"),
            ({"expression": "rate(5 minutes)", "target": "nope:x"}, 400, "InvalidParameter", "target"),
            ({"expression": "rate(5 minutes)"}, 400, "InvalidParameter", "target"),
            ({"expression": "rate(5 minutes)", "target": "queue:bad-s-q", "missed": "later"},
             400, "InvalidParameter", "missed"),
            ({"expression": "rate(5 minutes)", "target": "queue:bad-s-q", "flexible_window": "2d"},
             400, "InvalidParameter", "flexible_window"),
        ]
        for body, status, code, mention in cases:
            with self.subTest(body):
                r = self.server.put("/v1/schedules/bad", body)
                self.assertApiError(r, status, code)
                self.assertIn(mention, r.json["error"]["message"])
        self.assertApiError(self.server.get("/v1/schedules/bad"), 404, "ScheduleNotFound")

    def test_cli(self):
        self.server.create_queue("cli-s")
        p = self.server.cli("schedule", "create", "soon", "--expression", at_in(1), "--target", "queue:cli-s",
                            "--payload", '{"a":1}', "--input", '{"kind":"data"}')
        self.assertIn("created schedule soon: next fire", p.stdout)
        got = self.server.receive("cli-s", max_messages=10, wait="10s").json["messages"]
        self.assertEqual([json.loads(m["body"]) for m in got], [{"a": 1}])
        p = self.server.cli("schedule", "list")
        self.assertRegex(p.stdout, r"soon\s+at\(")
        self.assertIn("deleted schedule soon", self.server.cli("schedule", "delete", "soon").stdout)


class TestApply(BusTest):
    def test_apply_declares_buses_rules_and_schedules(self):
        with tempfile.TemporaryDirectory() as d:
            app = os.path.join(d, "app.yaml")
            with open(app, "w") as f:
                f.write("""
queues:
  fraud-review: {}
  eu-data: {}
buses:
  default:
    rules:
      big-eu:
        pattern: {data: {amount: [{numeric: ['>=', 1000]}], region: [eu]}}
        targets: [queue:fraud-review, {target: 'queue:eu-data', input: {kind: data}}]
  audit: {retention: 30d}
schedules:
  hourly-report: {expression: 'cron(0 * * * ? *)', target: 'queue:eu-data', timezone: Europe/Paris}
""")
            p = self.server.cli("apply", "-f", app)
            for line in ("created bus audit", "created rule default/big-eu", "created schedule hourly-report"):
                self.assertIn(line, p.stdout)
            p = self.server.cli("apply", "-f", app)  # idempotent
            self.assertNotRegex(p.stdout, r"(?m)^created ")
            self.assertEqual(self.server.get("/v1/buses/audit").json["retention"], "30d")
            self.assertEqual(self.server.get("/v1/schedules/hourly-report").json["timezone"], "Europe/Paris")
            put(self.server, "default", event(20))  # amount 2000, eu
            self.assertEqual(self.drain("fraud-review", 1)[0]["id"], "e20")
            self.assertEqual(self.drain("eu-data", 1)[0], {"amount": 2000, "region": "eu"})
            bad = os.path.join(d, "bad.yaml")
            with open(bad, "w") as f:
                f.write("buses:\n  bad name: {}\nschedules:\n  s: 5\n")
            p = self.server.cli("apply", "-f", bad, check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("line 2: invalid bus name 'bad name'", p.stderr)
            self.assertIn("line 4: schedule 's' must be a mapping", p.stderr)
            with open(bad, "w") as f:
                f.write("schedules:\n  s: {expression: 'rate(0 minutes)', target: 'queue:eu-data'}\n")
            p = self.server.cli("apply", "-f", bad, check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("schedule s (line 2) was not applied", p.stderr)
            self.assertApiError(self.server.get("/v1/schedules/s"), 404, "ScheduleNotFound")


class TestRestart(unittest.TestCase):
    def test_a_fire_missed_while_down_fires_once_after_restart(self):
        with tempfile.TemporaryDirectory() as d:
            server = Server(data_dir=d).start()
            try:
                server.create_queue("missed")
                r = server.put("/v1/schedules/m", {"expression": at_in(1), "target": "queue:missed"})
                self.assertEqual(r.status, 201, r)
                server.kill9()
                due = r.json["stats"]["next_fire"]
                # Down past the due time (the fire is missed), then back.
                wait_until(lambda: now_rfc3339() > due, timeout=5, message="the due time to pass")
                server.start()
                got = server.receive("missed", max_messages=10, wait="10s").json["messages"]
                self.assertEqual(len(got), 1, got)
                self.assertEqual(json.loads(got[0]["body"])["subject"], "m")
                self.assertEqual(server.get("/v1/schedules/m").json["stats"]["fired"], 1)
            finally:
                server.cleanup()

    def test_missed_skip_drops_a_fire_found_long_after_its_time(self):
        # The server comes back (per its clock, shifted by the test switch) 5 minutes after
        # the due time: more than the flexible window + 1 minute, so the fire was missed.
        with tempfile.TemporaryDirectory() as d:
            server = Server(data_dir=d).start()
            try:
                server.create_queue("skipped")
                server.create_queue("once")
                for name, missed, queue in (("s", "skip", "skipped"), ("o", "fire_once", "once")):
                    r = server.put("/v1/schedules/" + name, {"expression": at_in(2), "target": "queue:" + queue,
                                                            "missed": missed})
                    self.assertEqual(r.status, 201, r)
                server.kill9()
                server.env = {"SLUICE_TEST_FAULTS": "1", "SLUICE_TEST_CLOCK_OFFSET_MS": "300000"}
                server.start()
                got = server.receive("once", max_messages=10, wait="10s").json["messages"]
                self.assertEqual(len(got), 1, got)
                wait_until(lambda: server.get("/v1/schedules/s").json["stats"]["skipped"] == 1, timeout=10,
                           message="the skip schedule to count its missed fire")
                stats = server.get("/v1/schedules/s").json["stats"]
                self.assertEqual(stats["fired"], 0, stats)
                self.assertEqual(server.receive("skipped", max_messages=10).json["messages"], [])
                self.assertEqual(server.get("/v1/schedules/o").json["stats"]["fired"], 1)
            finally:
                server.cleanup()

    def test_buses_rules_and_pending_retries_survive_a_restart(self):
        with tempfile.TemporaryDirectory() as d:
            server = Server(data_dir=d).start()
            sink = Sink()
            sink.status = 500
            try:
                server.create_queue("after")
                server.create_queue("dlq")
                self.assertEqual(server.post("/v1/buses", {"name": "kept"}).status, 201)
                r = server.put("/v1/buses/kept/rules/r", {"pattern": {"type": ["t"]}, "targets": [
                    "queue:after",
                    {"target": "webhook:" + sink.url("/w"), "dead_letter": "queue:dlq",
                     "retry": {"max_attempts": 5, "backoff": "2s", "max_backoff": "2s"}}]})
                self.assertEqual(r.status, 201, r)
                put(server, "kept", event(1, type="t"))
                wait_until(lambda: len(sink.on("/w")) == 1, message="first webhook attempt")
                server.kill9()
                sink.status = 200
                server.start()
                self.assertEqual(server.get("/v1/buses/kept/rules/r").json["pattern"], {"type": ["t"]})
                # The retry scheduled before the crash is delivered after it.
                wait_until(lambda: len(sink.on("/w")) == 2, timeout=15, message="retry after restart")
                put(server, "kept", event(2, type="t"))
                # At least once: an event dispatched but not yet acknowledged when the process
                # died is dispatched again, so e1 may come twice; e2 must come, nothing else.
                got = []
                wait_until(lambda: got.extend(server.receive("after", max_messages=10, wait="1s").json["messages"])
                           or {"e1", "e2"} <= {json.loads(m["body"])["id"] for m in got},
                           timeout=15, message="both events in the queue")
                self.assertEqual({json.loads(m["body"])["id"] for m in got}, {"e1", "e2"})
            finally:
                sink.close()
                server.cleanup()


class TestCli(BusTest):
    def test_bus_rule_put_test_pattern_replay(self):
        self.server.create_queue("cli-q")
        with tempfile.TemporaryDirectory() as d:
            pattern = os.path.join(d, "pattern.json")
            with open(pattern, "w") as f:
                json.dump({"data": {"amount": [{"numeric": [">", 100]}]}}, f)
            p = self.server.cli("rule", "create", "big", "--bus", "default", "--pattern", "@" + pattern,
                                "--target", "queue:cli-q", "--max-attempts", "5")
            self.assertIn("created rule big on bus default with 1 target", p.stdout)
            p = self.server.cli("bus", "put", "--source", "/cli", "--type", "order", "--data", '{"amount":250.50}')
            self.assertIn("put event", p.stdout)
            self.server.cli("bus", "put", "--source", "/cli", "--type", "order", "--data", '{"amount":5}')
            got = self.server.receive("cli-q", max_messages=10, wait="5s").json["messages"]
            self.assertEqual(len(got), 1)
            self.assertIn('"amount":250.50', got[0]["body"])  # the data's text as written
            self.server.ack("cli-q", [got[0]["receipt"]])
            p = self.server.cli("rule", "list")
            self.assertRegex(p.stdout, r"big\s+true\s+1\s+1\s+1")
            events = os.path.join(d, "events.json")
            with open(events, "w") as f:
                json.dump([event(1), {"id": "broken"}], f)
            p = self.server.cli("bus", "put", "--file", events, check=False)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("1 of 2 events were refused", p.stderr)
            p = self.server.cli("test-pattern", "--pattern", "@" + pattern, "--event", json.dumps(event(3)))
            self.assertEqual(p.stdout.strip(), "match")
            p = self.server.cli("test-pattern", "--pattern", "@" + pattern, "--event", json.dumps(event(1)),
                                check=False)
            self.assertEqual((p.returncode, p.stdout.strip()), (3, "no match"))
            p = self.server.cli("test-pattern", "--pattern", '{"a":[{"bad":1}]}', "--event", "{}", check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("InvalidPattern", p.stderr)
            p = self.server.cli("replay", "start", "--from", "2020-01-01T00:00:00Z", "--rule", "big", "--wait")
            self.assertIn("completed", p.stderr)
            # The first put again (amount 250); e1 of the file (amount 100) does not match.
            self.assertEqual([b["data"]["amount"] for b in self.drain("cli-q", 1)], [250.5])
            p = self.server.cli("rule", "delete", "big")
            self.assertIn("deleted rule big", p.stdout)
            p = self.server.cli("rule", "create", "x", "--target", "nope:x", check=False)
            self.assertNotEqual(p.returncode, 0)


if __name__ == "__main__":
    unittest.main()
