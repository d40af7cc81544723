"""Bad input on every queue endpoint (docs/api.md "Errors"): a table of rows per endpoint, each
asserting the status, the error code, a non-empty message, the request id (body and
X-Request-Id), that the server is still alive, and that nothing stored changed (every queue's
config, created_at and message counts).

The server runs with --max-request-size 1MiB. The fixture: queue `target` (max_message_size
1024) with 3 messages, one of them in flight, and queue `other` with one message in flight.
"""
import base64
import json
import unittest

from harness import Server, ServerTest

LIMIT = 1024 * 1024
TARGET = {"visibility_timeout": "5m", "max_message_size": 1024, "retention": "1d"}

# Names that are not [A-Za-z0-9_.-]{1,128}, as they appear in a URL path (percent-encoded).
BAD_PATH_NAMES = [
    ("129 chars", "a" * 129),
    ("space", "has%20space"),
    ("unicode", "%C3%BCnicode"),
    ("encoded slash", "a%2Fb"),
    ("NUL", "a%00b"),
    ("star", "a*"),
    ("colon", "a:b"),
]
# The same for a JSON body.
BAD_BODY_NAMES = [
    ("empty", ""),
    ("129 chars", "a" * 129),
    ("space", "has space"),
    ("unicode", "ünicode"),
    ("slash", "a/b"),
    ("NUL", "a\x00b"),
    ("tab", "a\tb"),
    ("star", "a*"),
]


def row(label, method, path, body=None, status=400, code="InvalidParameter", headers=None):
    return {"label": label, "method": method, "path": path, "body": body, "status": status,
            "code": code, "headers": headers}


class BadInputTest(ServerTest):
    server_args = ("--max-request-size", "1MiB")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deaths = []
        cls.build_fixture()

    @classmethod
    def build_fixture(cls):
        s = cls.server
        assert s.create_queue("target", **TARGET).status == 201
        assert s.create_queue("other").status == 201
        r = s.publish_batch("target", [{"body": f"t{i}", "attributes": {"i": str(i)}}
                                       for i in range(3)])
        assert r.status == 201, r
        cls.receipt = s.receive("target", visibility_timeout="1h").json["messages"][0]["receipt"]
        assert s.publish("other", "o").status == 201
        cls.other_receipt = s.receive("other", visibility_timeout="1h").json["messages"][0]["receipt"]

    def setUp(self):
        self.ensure_server()

    def ensure_server(self):
        """After a crash (reported by the row that caused it), later rows get a fresh server
        and fixture, so one crash does not fail every row after it."""
        if self.server.answers():
            return
        type(self).deaths.append(self.server.proc.returncode)
        self.server.cleanup()
        type(self).server = Server(args=self.server_args).start()
        type(self).build_fixture()

    # --- state ----------------------------------------------------------------------------------
    def snapshot(self):
        r = self.server.get("/v1/queues")
        self.assertEqual(r.status, 200, r)
        out = {}
        for q in r.json["queues"]:
            st = q["stats"]
            out[q["name"]] = (q["visibility_timeout"], q["max_message_size"], q["retention"],
                              q["created_at"], st["visible"], st["in_flight"], st["delayed"],
                              st["published"], st["acked"], st.get("delivered"))
        return out

    def send(self, r):
        body = r["body"]
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        headers = dict(r["headers"] or {})
        if body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        if body is not None and len(body) > 64 * 1024:
            return self.server.raw_request(r["method"], r["path"], body, headers)
        try:
            return self.server.request(r["method"], r["path"], body=body, headers=headers)
        except OSError as e:
            self.assertServerAlive(f"{r['method']} {r['path']} ({e!r})")
            raise

    def run_table(self, rows):
        for r in rows:
            with self.subTest(r["label"], method=r["method"], path=r["path"][:80]):
                self.ensure_server()
                before = self.snapshot()
                resp = self.send(r)
                self.assertServerAlive(r["label"], resp)
                self.assertApiError(resp, r["status"], r["code"])
                self.assertEqual(self.snapshot(), before, "stored state changed")

    @property
    def r(self):
        return type(self).receipt


class TestCreateQueue(BadInputTest):
    def test_create(self):
        p = "/v1/queues"
        rows = [
            row("malformed JSON", "POST", p, b'{"name": "x"', code="MalformedJson"),
            row("trailing garbage", "POST", p, b'{"name": "x"} x', code="MalformedJson"),
            row("empty body", "POST", p, b"", code="MalformedJson"),
            row("invalid UTF-8 in JSON", "POST", p, b'{"name": "x\xff"}', code="MalformedJson"),
            row("array", "POST", p, [{"name": "x"}]),
            row("string", "POST", p, '"x"'),
            row("number", "POST", p, b"42"),
            row("null", "POST", p, b"null"),
            row("name missing", "POST", p, {"visibility_timeout": "1s"}),
            row("name null", "POST", p, {"name": None}),
            row("name a number", "POST", p, {"name": 5}),
            row("name an array", "POST", p, {"name": ["x"]}),
            row("unknown field", "POST", p, {"name": "newq", "colour": "red"}),
            row("unknown field, existing queue", "POST", p, {"name": "target", **TARGET, "x": 1}),
        ]
        rows += [row(f"name {label}", "POST", p, {"name": name}, code="InvalidName")
                 for label, name in BAD_BODY_NAMES]
        for field, values in BAD_CONFIG_VALUES.items():
            for v in values:
                rows.append(row(f"{field}={v!r:.40}", "POST", p, {"name": "newq", field: v}))
                rows.append(row(f"{field}={v!r:.40} on existing", "POST", p,
                                {"name": "target", **{**TARGET, field: v}}))
        self.run_table(rows)

    def test_name_of_128_chars_is_valid(self):
        name = "n" * 128
        self.assertEqual(self.server.create_queue(name).status, 201)
        self.assertEqual(self.server.get(f"/v1/queues/{name}").json["name"], name)
        self.assertEqual(self.server.delete(f"/v1/queues/{name}").status, 204)


# Config values out of range or of the wrong type, per field.
BAD_CONFIG_VALUES = {
    "visibility_timeout": ["-1s", -1, "12h1s", 43201, "13h", "soon", "", True, [30], {"s": 30},
                           1.5, 10 ** 20, "99999999999999999999999s"],
    "retention": ["59s", 59, 0, "0s", "366d", "1y", False, -60],
    "max_message_size": [0, 16 * 1024 * 1024 + 1, "17MiB", "1GiB", -5, "lots", "1.5MiB", 2.5,
                         "16MiB1"],
}


class TestPutQueue(BadInputTest):
    def test_put(self):
        rows = []
        for name in ("target", "newq"):
            p = f"/v1/queues/{name}"
            rows += [
                row(f"{name}: malformed JSON", "PUT", p, b"{", code="MalformedJson"),
                row(f"{name}: array", "PUT", p, []),
                row(f"{name}: string", "PUT", p, '"x"'),
                row(f"{name}: name field", "PUT", p, {"name": name}),
                row(f"{name}: unknown field", "PUT", p, {"colour": "red"}),
            ]
            for field, values in BAD_CONFIG_VALUES.items():
                rows += [row(f"{name}: {field}={v!r:.40}", "PUT", p, {field: v}) for v in values]
        rows += [row(f"name {label}", "PUT", f"/v1/queues/{name}", {}, code="InvalidName")
                 for label, name in BAD_PATH_NAMES]
        self.run_table(rows)


class TestGetDeleteQueue(BadInputTest):
    def test_get_and_delete(self):
        rows = []
        for method in ("GET", "DELETE"):
            rows += [row(f"{method} name {label}", method, f"/v1/queues/{name}", code="InvalidName")
                     for label, name in BAD_PATH_NAMES]
            rows.append(row(f"{method} unknown", method, "/v1/queues/nope", status=404,
                            code="QueueNotFound"))
        self.run_table(rows)


class TestPublish(BadInputTest):
    def test_publish_raw(self):
        p = "/v1/queues/target/messages"
        attrs = {f"Sluice-Attr-a{i}": "v" for i in range(65)}
        rows = [
            row("over max_message_size", "POST", p, b"x" * 1025, status=413,
                code="MessageTooLarge"),
            row("far over max_message_size", "POST", p, b"x" * 200_000, status=413,
                code="MessageTooLarge"),
            row("attribute key with '!'", "POST", p, b"x", headers={"Sluice-Attr-k!y": "v"}),
            row("attribute value over 4096", "POST", p, b"x",
                headers={"Sluice-Attr-k": "v" * 4097}),
            row("65 attributes", "POST", p, b"x", headers=attrs),
            row("unknown queue", "POST", "/v1/queues/nope/messages", b"x", status=404,
                code="QueueNotFound"),
        ]
        rows += [row(f"name {label}", "POST", f"/v1/queues/{name}/messages", b"x",
                     code="InvalidName") for label, name in BAD_PATH_NAMES]
        self.run_table(rows)

    def test_publish_batch(self):
        p = "/v1/queues/target/messages/batch"
        ok = {"body": "fine"}

        def batch(*entries, **extra):
            return {"messages": list(entries), **extra}

        rows = [
            row("malformed JSON", "POST", p, b'{"messages": [', code="MalformedJson"),
            row("empty body", "POST", p, b"", code="MalformedJson"),
            row("invalid UTF-8 in a body string", "POST", p, b'{"messages":[{"body":"\xc3"}]}',
                code="MalformedJson"),
            row("array", "POST", p, [ok]),
            row("messages missing", "POST", p, {}),
            row("messages null", "POST", p, {"messages": None}),
            row("messages a string", "POST", p, {"messages": "fine"}),
            row("messages an object", "POST", p, {"messages": ok}),
            row("messages empty", "POST", p, batch()),
            row("1001 messages", "POST", p, batch(*[ok] * 1001)),
            row("unknown top-level field", "POST", p, batch(ok, priority=1)),
            row("entry a string", "POST", p, batch(ok, "fine")),
            row("entry null", "POST", p, batch(ok, None)),
            row("entry missing body", "POST", p, batch(ok, {"attributes": {"k": "v"}})),
            row("entry body null", "POST", p, batch(ok, {"body": None})),
            row("entry with body and body_base64", "POST", p,
                batch(ok, {"body": "a", "body_base64": "YQ=="})),
            row("entry bad base64", "POST", p, batch(ok, {"body_base64": "!!!not base64"})),
            row("entry base64 with a star", "POST", p, batch(ok, {"body_base64": "YW*j"})),
            row("entry body_base64 a number", "POST", p, batch(ok, {"body_base64": 5})),
            row("entry unknown field", "POST", p, batch(ok, {"body": "a", "colour": "red"})),
            row("entry with delay and deliver_at", "POST", p,
                batch(ok, {"body": "a", "delay": "1s", "deliver_at": "2030-01-01T00:00:00Z"})),
            row("entry delay not a duration", "POST", p, batch(ok, {"body": "a", "delay": "soon"})),
            row("entry deliver_at unparsable", "POST", p,
                batch(ok, {"body": "a", "deliver_at": "tomorrow 9am"})),
            row("duplicate entry ids", "POST", p,
                batch({"id": "1", "body": "a"}, {"id": "1", "body": "b"})),
            row("attributes a list", "POST", p, batch(ok, {"body": "a", "attributes": ["k"]})),
            row("attributes a string", "POST", p, batch(ok, {"body": "a", "attributes": "k=v"})),
            row("attribute value a number", "POST", p,
                batch(ok, {"body": "a", "attributes": {"k": 5}})),
            row("attribute value null", "POST", p,
                batch(ok, {"body": "a", "attributes": {"k": None}})),
            row("attribute value an object", "POST", p,
                batch(ok, {"body": "a", "attributes": {"k": {"v": 1}}})),
            row("attribute key with a space", "POST", p,
                batch(ok, {"body": "a", "attributes": {"bad key": "v"}})),
            row("attribute key empty", "POST", p, batch(ok, {"body": "a", "attributes": {"": "v"}})),
            row("attribute value over 4096", "POST", p,
                batch(ok, {"body": "a", "attributes": {"k": "v" * 4097}})),
            row("65 attributes", "POST", p,
                batch(ok, {"body": "a", "attributes": {f"a{i}": "v" for i in range(65)}})),
            # (An entry over max_message_size fails alone: BatchEntryErrorsTest.)
            row("unknown queue", "POST", "/v1/queues/nope/messages/batch", batch(ok), status=404,
                code="QueueNotFound"),
        ]
        rows += [row(f"name {label}", "POST", f"/v1/queues/{name}/messages/batch", batch(ok),
                     code="InvalidName") for label, name in BAD_PATH_NAMES]
        self.run_table(rows)


class TestReceive(BadInputTest):
    def test_receive(self):
        p = "/v1/queues/target/receive"
        rows = [
            row("malformed JSON", "POST", p, b"{max_messages: 1}", code="MalformedJson"),
            row("array", "POST", p, []),
            row("number", "POST", p, b"5"),
            row("unknown field", "POST", p, {"max_messages": 1, "timeout": "1s"}),
        ]
        for v in (0, 1001, -1, "5", 1.5, True, 10 ** 20, [1]):
            rows.append(row(f"max_messages={v!r}", "POST", p, {"max_messages": v}))
        for v in ("21s", 21, "20001ms", "-1s", -1, "soon", True, 10 ** 20):
            rows.append(row(f"wait={v!r}", "POST", p, {"wait": v}))
        for v in ("12h1s", 43201, "13h", -1, "later", [1]):
            rows.append(row(f"visibility_timeout={v!r}", "POST", p, {"visibility_timeout": v}))
        rows.append(row("unknown queue", "POST", "/v1/queues/nope/receive", {}, status=404,
                        code="QueueNotFound"))
        rows += [row(f"name {label}", "POST", f"/v1/queues/{name}/receive", {},
                     code="InvalidName") for label, name in BAD_PATH_NAMES]
        self.run_table(rows)


class TestAckAndVisibility(BadInputTest):
    def bad_receipts(self):
        r = self.r
        flipped = r[:10] + ("A" if r[10] != "A" else "B") + r[11:]
        return [
            ("garbage", "not-a-receipt"),
            ("empty", ""),
            ("truncated", r[:-4]),
            ("one char changed", flipped),
            ("extended", r + "AAAA"),
            ("very long", "A" * 300),
            ("receipt of another queue", type(self).other_receipt),
        ]

    def test_ack(self):
        p = "/v1/queues/target/ack"
        rows = [
            row("malformed JSON", "POST", p, b'{"receipts": ["x"', code="MalformedJson"),
            row("empty body", "POST", p, b"", code="MalformedJson"),
            row("array", "POST", p, [self.r]),
            row("receipts missing", "POST", p, {}),
            row("receipts a string", "POST", p, {"receipts": self.r}),
            row("receipts empty", "POST", p, {"receipts": []}),
            row("receipt a number", "POST", p, {"receipts": [self.r, 5]}),
            row("receipt null", "POST", p, {"receipts": [None]}),
            row("1001 receipts", "POST", p, {"receipts": ["x"] * 1001}),
            row("unknown field", "POST", p, {"receipts": [self.r], "force": True}),
            row("unknown queue", "POST", "/v1/queues/nope/ack", {"receipts": [self.r]},
                status=404, code="QueueNotFound"),
        ]
        rows += [row(f"name {label}", "POST", f"/v1/queues/{name}/ack", {"receipts": [self.r]},
                     code="InvalidName") for label, name in BAD_PATH_NAMES]
        self.run_table(rows)

    def test_ack_with_bad_receipts_reports_each_as_invalid(self):
        for label, receipt in self.bad_receipts():
            with self.subTest(label):
                self.ensure_server()
                before = self.snapshot()
                resp = self.server.ack("target", [receipt])
                self.assertServerAlive(label, resp)
                self.assertEqual(resp.status, 200, resp)
                [result] = resp.json["results"]
                self.assertEqual(result.get("error", {}).get("code"), "ReceiptHandleInvalid", resp)
                self.assertTrue(result["error"]["message"], resp)
                self.assertEqual(self.snapshot(), before, "stored state changed")

    def test_visibility(self):
        p = "/v1/queues/target/visibility"
        rows = [
            row("malformed JSON", "POST", p, b'{"receipt":', code="MalformedJson"),
            row("empty body", "POST", p, b"", code="MalformedJson"),
            row("array", "POST", p, [self.r, "1s"]),
            row("receipt missing", "POST", p, {"timeout": "1s"}),
            row("timeout missing", "POST", p, {"receipt": self.r}),
            row("receipt a number", "POST", p, {"receipt": 5, "timeout": "1s"}),
            row("receipt a list", "POST", p, {"receipt": [self.r], "timeout": "1s"}),
            row("unknown field", "POST", p, {"receipt": self.r, "timeout": "1s", "x": 1}),
            row("unknown queue", "POST", "/v1/queues/nope/visibility",
                {"receipt": self.r, "timeout": "1s"}, status=404, code="QueueNotFound"),
        ]
        for v in ("12h1s", 43201, "13h", "-1s", -1, "later", True, 1.5, 10 ** 20):
            rows.append(row(f"timeout={v!r}", "POST", p, {"receipt": self.r, "timeout": v}))
        for label, receipt in self.bad_receipts():
            if label == "very long":
                continue  # over the field's length limit: InvalidParameter is as right
            rows.append(row(f"receipt {label}", "POST", p, {"receipt": receipt, "timeout": "1s"},
                            code="ReceiptHandleInvalid"))
        rows += [row(f"name {label}", "POST", f"/v1/queues/{name}/visibility",
                     {"receipt": self.r, "timeout": "1s"}, code="InvalidName")
                 for label, name in BAD_PATH_NAMES]
        self.run_table(rows)


class TestRoutes(BadInputTest):
    def test_unknown_paths_are_404_not_found(self):
        rows = [row(f"{m} {p}", m, p, status=404, code="NotFound") for m, p in [
            ("GET", "/"),
            ("GET", "/v1"),
            ("GET", "/v1/nope"),
            ("GET", "/v2/queues"),
            ("GET", "/v1/queues/target/nope"),
            ("POST", "/v1/queues/target/messages/batch/x"),
            ("POST", "/v1/queues/target/receive/now"),
            ("GET", "/v1/queues/target/stats/x"),
            ("GET", "/metricsx"),
        ]]
        self.run_table(rows)

    def test_wrong_methods_are_405_method_not_allowed(self):
        rows = [row(f"{m} {p}", m, p, status=405, code="MethodNotAllowed") for m, p in [
            ("PATCH", "/v1/queues/target"),
            ("POST", "/v1/queues/target"),
            ("DELETE", "/v1/queues"),
            ("PUT", "/v1/queues"),
            ("GET", "/v1/queues/target/messages"),
            ("DELETE", "/v1/queues/target/messages"),
            ("PUT", "/v1/queues/target/messages/batch"),
            ("GET", "/v1/queues/target/receive"),
            ("GET", "/v1/queues/target/ack"),
            ("DELETE", "/v1/queues/target/ack"),
            ("GET", "/v1/queues/target/visibility"),
            ("POST", "/healthz"),
            ("DELETE", "/metrics"),
            # A method the path knows with a queue that does not exist: still 405.
            ("PATCH", "/v1/queues/nope"),
        ]]
        self.run_table(rows)


class TestRequestTooLarge(BadInputTest):
    """Bodies over --max-request-size (1MiB): 413 PayloadTooLarge before any parsing."""

    def test_bodies_over_the_server_limit(self):
        big = "x" * LIMIT
        rows = [
            row("raw publish 1MiB+1", "POST", "/v1/queues/target/messages", b"y" * (LIMIT + 1),
                status=413, code="PayloadTooLarge"),
            row("raw publish 3MiB", "POST", "/v1/queues/target/messages", b"y" * (3 * LIMIT),
                status=413, code="PayloadTooLarge"),
            row("batch over 1MiB", "POST", "/v1/queues/target/messages/batch",
                {"messages": [{"body": big}]}, status=413, code="PayloadTooLarge"),
            row("create over 1MiB", "POST", "/v1/queues", {"name": "newq", "pad": big},
                status=413, code="PayloadTooLarge"),
            row("receive over 1MiB", "POST", "/v1/queues/target/receive",
                {"wait": "0s", "pad": big}, status=413, code="PayloadTooLarge"),
            row("unknown queue over 1MiB", "POST", "/v1/queues/nope/messages", b"y" * (LIMIT + 1),
                status=413, code="PayloadTooLarge"),
        ]
        self.run_table(rows)

    def test_body_at_the_limit_reaches_the_handler(self):
        # Exactly 1MiB passes the HTTP limit; the queue's 1024-byte max_message_size refuses it.
        before = self.snapshot()
        r = self.server.request("POST", "/v1/queues/target/messages", body=b"z" * LIMIT)
        self.assertServerAlive("1MiB body", r)
        self.assertApiError(r, 413, "MessageTooLarge")
        self.assertEqual(self.snapshot(), before)


class TestAttributeEncoding(BadInputTest):
    # A Sluice-Attr-* header value that is not UTF-8 (obs-text, e.g. Latin-1 "\xe9") is refused
    # at publish; stored, it made every receive answer invalid JSON (docs/RELIABILITY.md bug 11).
    def test_non_utf8_attribute_header_value_is_refused(self):
        before = self.snapshot()
        resp = self.server.publish("target", b"x", headers={"Sluice-Attr-k": b"caf\xe9"})
        self.assertServerAlive("a Latin-1 attribute value", resp)
        self.assertApiError(resp, 400, "InvalidParameter")
        self.assertEqual(self.snapshot(), before, "stored state changed")


class BatchEntryErrorsTest(ServerTest):
    """A bad entry in a publish batch fails alone with its own error; the others are published
    (docs/api.md, 207 Multi-Status)."""

    def test_each_entry_fails_alone(self):
        s = self.server
        self.assertEqual(s.create_queue("small", max_message_size=1024).status, 201)
        r = s.post("/v1/queues/small/messages/batch", {"messages": [
            {"id": "a", "body": "fine"},
            {"id": "b", "body": "x" * 1025},
            {"id": "c", "body": {"k": "x" * 1020}},
            {"id": "d", "body_base64": base64.b64encode(b"\xff" * 1025).decode()},
            {"id": "e", "body": "also fine"},
        ]})
        self.assertEqual(r.status, 207, r)
        results = r.json["results"]
        self.assertEqual([x["id"] for x in results], ["a", "b", "c", "d", "e"])
        self.assertIn("message_id", results[0])
        self.assertIn("message_id", results[4])
        for bad in results[1:4]:
            self.assertEqual(bad["error"]["code"], "MessageTooLarge")
            self.assertTrue(bad["error"]["message"])
        got = s.post("/v1/queues/small/receive", {"max_messages": 10}).json["messages"]
        self.assertEqual(sorted(m["body"] for m in got), ["also fine", "fine"])

    def test_all_good_is_201(self):
        s = self.server
        s.create_queue("all-good")
        r = s.post("/v1/queues/all-good/messages/batch", {"messages": [{"body": "1"}, {"body": "2"}]})
        self.assertEqual(r.status, 201, r)


if __name__ == "__main__":
    unittest.main()
