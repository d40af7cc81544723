"""Asynchronous invocations: durably queued, retried with backoff, then the on-failure
destination; on-success destination; max event age."""
import json
import unittest

from fn_support import deploy, invoke, python_function, stats
from harness import ServerTest, wait_until


class TestAsync(ServerTest):
    def receive_one(self, queue, wait="5s"):
        r = self.server.receive(queue, wait=wait, max_messages=1)
        self.assertEqual(r.status, 200, r)
        return r.json["messages"]

    def test_success_goes_to_on_success(self):
        deploy(self.server, "ok", python_function(on_success="queue:ok-results"))
        r = self.server.post("/v1/functions/ok/invoke", {"v": 1}, headers={"Sluice-Invocation-Type": "Event"})
        self.assertEqual(r.status, 202, r)
        inv = r.json["invocation_id"]
        msgs = wait_until(lambda: self.receive_one("ok-results"), timeout=20, message="success record")
        rec = json.loads(msgs[0]["body"])
        self.assertEqual(rec["requestContext"]["condition"], "Success")
        self.assertEqual(rec["requestContext"]["requestId"], inv)
        self.assertEqual(rec["requestPayload"], {"v": 1})
        self.assertEqual(rec["responsePayload"]["echo"], {"v": 1})

    def test_retries_then_on_failure(self):
        deploy(self.server, "flaky", python_function(retries=2, on_failure="queue:flaky-dlq"))
        r = self.server.post("/v1/functions/flaky/invoke?async=true", {"fail": "always"})
        self.assertEqual(r.status, 202, r)
        inv = r.json["invocation_id"]
        # 1 attempt + 2 retries with 1s and 2s backoff.
        msgs = wait_until(lambda: self.receive_one("flaky-dlq"), timeout=30, message="failure record")
        rec = json.loads(msgs[0]["body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(rec["requestContext"]["requestId"], inv)
        self.assertEqual(rec["requestPayload"], {"fail": "always"})
        self.assertEqual(rec["responsePayload"]["errorType"], "ValueError")
        self.assertEqual(msgs[0]["attributes"]["invocation_id"], inv)
        st = stats(self.server, "flaky")
        self.assertEqual(st["errors"], 3)
        self.assertEqual(st["async_retries"], 2)
        self.assertEqual(st["async_failed"], 1)
        logs = self.server.get("/v1/functions/flaky/logs?limit=100").json["lines"]
        self.assertTrue(any("retrying in" in l["text"] for l in logs), logs)

    def test_destinations_may_be_topics(self):
        # The topic is created with the function when missing; a subscription reads the records.
        deploy(self.server, "to-topic", python_function(retries=0, on_success="topic:fn-done",
                                                        on_failure="topic:fn-failed"))
        for topic in ("fn-done", "fn-failed"):
            r = self.server.post(f"/v1/topics/{topic}/subscriptions", {"name": "audit", "from": "earliest"})
            self.assertEqual(r.status, 201, r)
        self.server.post("/v1/functions/to-topic/invoke?async=true", {"v": 2})
        self.server.post("/v1/functions/to-topic/invoke?async=true", {"fail": "once"})
        for topic, condition in (("fn-done", "Success"), ("fn-failed", "RetriesExhausted")):
            got = self.server.post(f"/v1/topics/{topic}/subscriptions/audit/receive",
                                   {"max_messages": 10, "wait": "20s"}).json["messages"]
            self.assertEqual(len(got), 1, got)
            self.assertEqual(json.loads(got[0]["body"])["requestContext"]["condition"], condition)
        for bad in ("topic:", "topic:bad name", "stream:x"):
            r = self.server.put("/v1/functions/bad-dest", {**python_function(), "on_failure": bad})
            self.assertApiError(r, 400, "InvalidParameter")
            self.assertIn("queue:NAME or topic:NAME", r.json["error"]["message"])

    def test_async_payload_limit_and_json(self):
        deploy(self.server, "lim", python_function())
        r = self.server.post("/v1/functions/lim/invoke?async=true", json.dumps({"x": "a" * (300 * 1024)}))
        self.assertApiError(r, 413, "RequestTooLarge")
        r = self.server.post("/v1/functions/lim/invoke?async=true", "{nope")
        self.assertApiError(r, 400, "MalformedJson")


if __name__ == "__main__":
    unittest.main()


class TestRestart(unittest.TestCase):
    def test_functions_and_queued_events_survive_a_restart(self):
        from harness import Server
        server = Server().start()
        try:
            deploy(server, "keep", python_function(on_success="queue:keep-done"))
            self.assertEqual(invoke(server, "keep", {"a": 1}).status, 200)
            server.stop()
            server.start()
            r = invoke(server, "keep", {"a": 2})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["echo"], {"a": 2})
            r = server.post("/v1/functions/keep/invoke?async=true", {"after": "restart"})
            self.assertEqual(r.status, 202, r)
            msgs = wait_until(lambda: server.receive("keep-done", wait="5s").json["messages"], timeout=20,
                              message="async result after restart")
            self.assertEqual(json.loads(msgs[0]["body"])["requestPayload"], {"after": "restart"})
        finally:
            server.cleanup()
