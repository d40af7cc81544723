"""`sluice apply` with the queue fields of issue #3 (dead-letter queues, FIFO, dedup, delay,
retention by size) against a real server: the dead-letter queue is created before the queue that
names it, a second apply changes nothing, --dry-run changes nothing, and the file's validation
reports line numbers before anything is sent.
"""
import os
import tempfile
import unittest

from harness import ServerTest

APP_YAML = """\
queues:
  payments:
    visibility_timeout: 10s
    max_deliveries: 3
    dead_letter_queue: payments-dlq
  order-events:
    fifo: true
    content_based_dedup: true
    dedup_window: 10m
    max_deliveries: 5
    dead_letter_queue: order-events-dlq
  order-events-dlq:
    fifo: true
    retention: 14d
  payments-dlq:
    retention: 14d
    retention_bytes: 1GiB
  reminders:
    delay: 30s
"""


class TestApplyQueues(ServerTest):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def queue_names(self):
        return sorted(q["name"] for q in self.server.get("/v1/queues").json["queues"])

    def test_dead_letter_queues_first_then_idempotent(self):
        path = self.write(APP_YAML)
        p = self.server.cli("apply", "-f", path, "--dry-run")
        self.assertEqual(
            p.stdout.splitlines()[:5],
            ["+ queue payments-dlq (create)", "+ queue payments (create)",
             "+ queue order-events-dlq (create)", "+ queue order-events (create)",
             "+ queue reminders (create)"])
        self.assertIn("Dry run: nothing was changed.", p.stdout)
        declared = {"payments", "payments-dlq", "order-events", "order-events-dlq", "reminders"}
        self.assertFalse(declared & set(self.queue_names()))

        p = self.server.cli("apply", "-f", path)
        self.assertIn("Applied: 5 created, 0 updated, 0 unchanged.", p.stdout)
        payments = self.server.get("/v1/queues/payments").json
        self.assertEqual((payments["max_deliveries"], payments["dead_letter_queue"],
                          payments["visibility_timeout"]), (3, "payments-dlq", "10s"))
        events = self.server.get("/v1/queues/order-events").json
        self.assertEqual((events["fifo"], events["content_based_dedup"], events["dedup_window"],
                          events["max_deliveries"], events["dead_letter_queue"]),
                         (True, True, "10m", 5, "order-events-dlq"))
        dlq = self.server.get("/v1/queues/payments-dlq").json
        self.assertEqual((dlq["retention"], dlq["retention_bytes"], dlq["dead_letter_queue"]),
                         ("14d", 1 << 30, None))
        self.assertEqual(self.server.get("/v1/queues/reminders").json["delay"], "30s")
        self.assertEqual(self.server.get("/v1/queues/payments-dlq/dead-letter-sources").json,
                         {"queues": ["payments"]})

        p = self.server.cli("apply", "-f", path)
        self.assertIn("Plan: 0 to create, 0 to update, 5 unchanged.", p.stdout)
        self.assertIn("Nothing to change.", p.stdout)

        # A change: the dry run shows it and changes nothing; the apply makes it.
        changed = APP_YAML.replace("max_deliveries: 3", "max_deliveries: 4").replace(
            "delay: 30s", "delay: 1m")
        path = self.write(changed)
        p = self.server.cli("apply", "-f", path, "--dry-run")
        self.assertIn("~ queue payments: max_deliveries 3 → 4", p.stdout)
        self.assertIn("~ queue reminders: delay 30s → 1m", p.stdout)
        self.assertIn("Plan: 0 to create, 2 to update, 3 unchanged.", p.stdout)
        self.assertEqual(self.server.get("/v1/queues/payments").json["max_deliveries"], 3)
        p = self.server.cli("apply", "-f", path)
        self.assertIn("Applied: 0 created, 2 updated, 3 unchanged.", p.stdout)
        payments = self.server.get("/v1/queues/payments").json
        # The update keeps the fields the file does not change.
        self.assertEqual((payments["max_deliveries"], payments["dead_letter_queue"],
                          payments["visibility_timeout"]), (4, "payments-dlq", "10s"))
        self.assertEqual(self.server.get("/v1/queues/reminders").json["delay"], "1m")

    def test_adding_dead_lettering_to_an_existing_queue(self):
        self.server.cli("queue", "create", "refunds", "--visibility", "45s")
        path = self.write("queues:\n  refunds:\n    max_deliveries: 3\n"
                          "    dead_letter_queue: refunds-dlq\n  refunds-dlq: {}\n")
        p = self.server.cli("apply", "-f", path)
        self.assertIn("+ queue refunds-dlq (create)\n"
                      "~ queue refunds: max_deliveries 0 → 3, dead_letter_queue none → refunds-dlq\n",
                      p.stdout)
        refunds = self.server.get("/v1/queues/refunds").json
        self.assertEqual((refunds["max_deliveries"], refunds["dead_letter_queue"],
                          refunds["visibility_timeout"]), (3, "refunds-dlq", "45s"))

        # Turning it off again: max_deliveries 0 clears the dead-letter queue too.
        p = self.server.cli("apply", "-f", "-", input="queues:\n  refunds:\n    max_deliveries: 0\n")
        self.assertIn("~ queue refunds: max_deliveries 3 → 0, dead_letter_queue refunds-dlq → none",
                      p.stdout)
        refunds = self.server.get("/v1/queues/refunds").json
        self.assertEqual((refunds["max_deliveries"], refunds["dead_letter_queue"]), (0, None))

    def test_invalid_queue_fields_change_nothing(self):
        cases = [
            ("queues:\n  bad-a:\n    max_deliveries: 3\n",
             "app.yaml:3:21: queue 'bad-a': max_deliveries 3 needs a dead_letter_queue"),
            ("queues:\n  bad-b:\n    fifo: sometimes\n",
             "app.yaml:3:11: queue 'bad-b': fifo: expected true or false, not 'sometimes'"),
            ("queues:\n  bad-c:\n    max_deliveries: 2\n    dead_letter_queue: bad-d\n"
             "  bad-d:\n    max_deliveries: 2\n    dead_letter_queue: bad-c\n",
             "app.yaml:4:24: queue 'bad-c': dead_letter_queue makes a cycle (bad-c → bad-d → bad-c)"),
            ("queues:\n  bad-e:\n    dedup_window: 0s\n",
             "app.yaml:3:19: queue 'bad-e': dedup_window: 0s is out of range (1s to 1d)"),
        ]
        for text, message in cases:
            path = self.write(text)
            p = self.server.cli("apply", "-f", path, check=False)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("error: " + message.replace("app.yaml", path), p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertFalse([n for n in self.queue_names() if n.startswith("bad-")])

    def test_server_refusals_are_reported(self):
        # fifo cannot change after create: the server refuses and apply says which queue.
        self.server.cli("queue", "create", "plain-q")
        p = self.server.cli("apply", "-f", "-", input="queues:\n  plain-q:\n    fifo: true\n",
                            check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("~ queue plain-q: fifo false → true", p.stdout)
        self.assertIn("queue plain-q was not applied", p.stderr)
        self.assertIn("FifoImmutable", p.stderr)
        # A dead-letter queue that neither the file nor the server has.
        p = self.server.cli("apply", "-f", "-", check=False,
                            input="queues:\n  orphan:\n    max_deliveries: 1\n"
                                  "    dead_letter_queue: nowhere\n")
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("InvalidDeadLetterQueue", p.stderr)


if __name__ == "__main__":
    unittest.main()
