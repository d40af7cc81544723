"""The topic commands of the `sluice` binary against a real server (docs/cli.md, docs/topics.md):
`topic`, `publish`, `sub` (create, list, get, delete, recv, ack, seek) and the `topics:` section
of `apply`, end to end, with bad input.

Exit codes: 0 success, 1 the server refused (its message and code on stderr), and a usage error
is reported by the argument parser with a code other than 0 and 1 (2).
"""
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

from harness import ServerTest, wait_until
from test_cli import UsageAssertions, json_lines, run


class TestHelp(unittest.TestCase):
    """Every topic command documents itself, with examples."""

    def help(self, *args):
        p = run(*args, "--help")
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("Examples:", p.stdout, args)
        return p.stdout

    def test_top_level_lists_the_topic_commands(self):
        p = run("--help")
        for command in ("topic", "publish", "sub"):
            self.assertIn(command, p.stdout)

    def test_topic_help(self):
        out = self.help("topic")
        for sub in ("create", "list", "get, stats", "delete"):
            self.assertIn(sub, out)
        out = self.help("topic", "create")
        for flag in ("--partitions", "--retention", "--retention-bytes", "--max-message-size",
                     "--content-dedup", "--dedup-window", "sluice topic create orders"):
            self.assertIn(flag, out)
        self.help("topic", "list")
        self.assertIn("--json", self.help("topic", "stats"))
        self.help("topic", "delete")

    def test_publish_help(self):
        out = self.help("publish")
        for text in ("TOPIC", "BODY", "--key", "--partition", "--attr", "--delay", "--at",
                     "--dedup-id", "--batch", "--json", "stdin", "sluice publish orders --batch"):
            self.assertIn(text, out)

    def test_sub_help(self):
        out = self.help("sub")
        for sub in ("create", "list", "get, stats", "delete", "recv", "ack", "seek"):
            self.assertIn(sub, out)
        out = self.help("sub", "create")
        for flag in ("--mode", "--from", "--filter", "--visibility", "--max-deliveries", "--dlq",
                     "--push-url", "--push-format", "--push-secret", "--push-concurrency",
                     "--push-timeout", "--consumer-ttl", "TagA || TagB"):
            self.assertIn(flag, out)
        out = self.help("sub", "recv")
        for flag in ("--max", "--wait", "--visibility", "--consumer", "--ack", "partition"):
            self.assertIn(flag, out)
        self.assertIn("sluice sub ack orders billing -", self.help("sub", "ack"))
        out = self.help("sub", "seek")
        for flag in ("--offset", "--time", "--partition", "clamped"):
            self.assertIn(flag, out)
        self.help("sub", "list")
        self.help("sub", "get")
        self.help("sub", "delete")


class TopicTest(ServerTest, UsageAssertions):
    def cli_json(self, *args):
        return json.loads(self.server.cli(*args).stdout)

    def recv(self, topic, sub, *args):
        return json_lines(self.server.cli("sub", "recv", topic, sub, "--max", "100", *args).stdout)

    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name


class TestTopicCommands(TopicTest):
    def test_create_list_get_delete(self):
        p = self.server.cli("topic", "create", "t-crud", "--partitions", "3", "--retention", "2d",
                            "--retention-bytes", "1GiB", "--max-message-size", "256KiB",
                            "--content-dedup", "--dedup-window", "10m")
        self.assertEqual(p.stdout, "created topic t-crud (3 partitions)\n")
        t = self.server.get("/v1/topics/t-crud").json
        self.assertEqual(
            (t["partitions"], t["retention"], t["retention_bytes"], t["max_message_size"],
             t["content_based_dedup"], t["dedup_window"]),
            (3, "2d", 1 << 30, 256 * 1024, True, "10m"))

        # The same create again is fine; other settings are the server's 409.
        p = self.server.cli("topic", "create", "t-crud", "--partitions", "3", "--retention", "2d",
                            "--retention-bytes", "1GiB", "--max-message-size", "256KiB",
                            "--content-dedup", "--dedup-window", "10m")
        self.assertEqual(p.stdout, "topic t-crud already exists with this configuration\n")
        p = self.server.cli("topic", "create", "t-crud", "--partitions", "3", check=False)
        self.assertServerError(p, "TopicAlreadyExists")

        out = self.server.cli("topic", "list").stdout
        self.assertRegex(out, r"(?m)^NAME\s+PARTITIONS\s+STORED\s+SIZE\s+DELAYED\s+PUBLISHED")
        self.assertRegex(out, r"(?m)^t-crud\s+3\s+0\s+0B\s+0\s+0\s+2d\s+0$")
        listed = self.cli_json("topic", "list", "--json")
        self.assertIn("t-crud", [t["name"] for t in listed["topics"]])

        self.server.cli("publish", "t-crud", "--partition", "1", "x")
        out = self.server.cli("topic", "get", "t-crud").stdout
        self.assertRegex(out, r"(?m)^topic\s+t-crud$")
        self.assertRegex(out, r"(?m)^partitions\s+3$")
        self.assertRegex(out, r"(?m)^published\s+1$")
        self.assertRegex(out, r"(?m)^retention bytes\s+1GiB$")
        self.assertRegex(out, r"(?m)^PARTITION\s+FIRST OFFSET\s+END OFFSET\s+STORED")
        self.assertRegex(out, r"(?m)^1\s+0\s+1\s+1\s")
        self.assertEqual(self.server.cli("topic", "stats", "t-crud").stdout, out)
        self.assertEqual(self.cli_json("topic", "stats", "t-crud", "--json")["stats"]["stored"], 1)

        p = self.server.cli("topic", "delete", "t-crud")
        self.assertEqual(p.stdout, "deleted topic t-crud\n")
        self.assertEqual(self.server.get("/v1/topics/t-crud").status, 404)

    def test_unknown_topic_is_the_servers_message(self):
        for args in (("topic", "get", "t-nope"), ("topic", "delete", "t-nope"),
                     ("publish", "t-nope", "x"), ("sub", "list", "t-nope"),
                     ("sub", "create", "t-nope", "s")):
            p = self.server.cli(*args, check=False)
            self.assertServerError(p, "TopicNotFound")
            self.assertIn("t-nope", p.stderr)
            self.assertEqual(p.stdout, "")

    def test_partitions_cannot_change(self):
        self.server.cli("topic", "create", "t-parts", "--partitions", "2")
        p = self.server.cli("topic", "create", "t-parts", "--partitions", "4", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertRegex(p.stderr, r"\((PartitionsImmutable|TopicAlreadyExists)\)")

    def test_usage_errors(self):
        for args, fragment in [
            (("topic", "create"), "NAME"),
            (("topic", "create", "bad name"), "invalid name"),
            (("topic", "create", "t", "--partitions", "0"), "--partitions"),
            (("topic", "create", "t", "--retention", "forever"), "invalid duration"),
            (("topic", "create", "t", "--max-message-size", "huge"), "invalid size"),
            (("topic", "frobnicate"), "subcommand"),
        ]:
            self.assertUsageError(self.server.cli(*args, check=False), fragment)


class TestPublish(TopicTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("topic", "create", "p", "--partitions", "4")
        cls.server.cli("sub", "create", "p", "all")

    def test_one_message_with_key_attributes_and_stdin(self):
        self.server.cli("topic", "create", "p-one", "--partitions", "4")
        self.server.cli("sub", "create", "p-one", "all")
        first = self.server.cli("publish", "p-one", "--key", "customer-7", "--attr", "type=created",
                                "--attr", "source=web", '{"order":1}').stdout
        self.assertRegex(first, r"^\S+\n$")
        second = self.server.cli("publish", "p-one", "--key", "customer-7", "-",
                                 input='{"order":2}').stdout
        third = self.cli_json("publish", "p-one", "--partition", "2", "--json", "--", "-dash")
        self.assertEqual(third["partition"], 2)
        messages = self.recv("p-one", "all")
        by_id = {m["message_id"]: m for m in messages}
        self.assertEqual(set(by_id), {first.strip(), second.strip(), third["message_id"]})
        one, two = by_id[first.strip()], by_id[second.strip()]
        self.assertEqual(one["body"], {"order": 1})
        self.assertEqual(one["attributes"], {"type": "created", "source": "web"})
        self.assertEqual((one["key"], two["key"]), ("customer-7", "customer-7"))
        self.assertEqual(one["partition"], two["partition"])  # same key, same partition, in order
        self.assertEqual(two["offset"], one["offset"] + 1)
        self.assertEqual(by_id[third["message_id"]]["body"], "-dash")
        for m in messages:
            self.assertEqual(list(m)[:3], ["message_id", "receipt", "body"])

    def test_binary_body(self):
        self.server.cli("topic", "create", "p-bin")
        self.server.cli("sub", "create", "p-bin", "all")
        p = subprocess.run(
            [self.server_bin(), "--server", self.server.url, "publish", "p-bin", "-"],
            input=b"\xff\x00\xfe", capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p)
        [m] = self.recv("p-bin", "all")
        self.assertEqual(m["body_base64"], "/wD+")

    def server_bin(self):
        from harness import SLUICE_BIN
        return SLUICE_BIN

    def test_delay_and_dedup(self):
        self.server.cli("topic", "create", "p-delay")
        self.server.cli("sub", "create", "p-delay", "all")
        start = time.monotonic()
        self.server.cli("publish", "p-delay", "--delay", "2s", "later")
        a = self.server.cli("publish", "p-delay", "--dedup-id", "d-1", "once").stdout
        b = self.server.cli("publish", "p-delay", "--dedup-id", "d-1", "once").stdout
        self.assertEqual(a, b)
        first = [m["body"] for m in self.recv("p-delay", "all")]
        if time.monotonic() - start < 2:
            self.assertEqual(first, ["once"])
        else:  # slower than the delay (a loaded machine, the TSan build): it may be due
            self.assertIn(sorted(first), (["once"], ["later", "once"]))
            if "later" in first:
                return
        later = wait_until(lambda: self.recv("p-delay", "all"), timeout=10, interval=0.2,
                           message="the delayed message")
        self.assertEqual([m["body"] for m in later], ["later"])

    def test_batch_lines_are_message_objects(self):
        self.server.cli("topic", "create", "p-batch", "--partitions", "2")
        self.server.cli("sub", "create", "p-batch", "all")
        lines = ('{"body":{"n":1},"key":"a"}\n'
                 '\n'
                 '{"body":"two","attributes":{"tag":"TagB"},"partition":1}\n'
                 '{"body_base64":"/wD+"}\n')
        p = self.server.cli("publish", "p-batch", "--batch", "-", "--attr", "src=cli",
                            "--key", "k0", input=lines)
        ids = p.stdout.split()
        self.assertEqual(len(ids), 3)
        messages = {m["message_id"]: m for m in self.recv("p-batch", "all")}
        self.assertEqual(set(messages), set(ids))
        one, two, three = (messages[i] for i in ids)
        self.assertEqual((one["body"], one["key"], one["attributes"]), ({"n": 1}, "a", {"src": "cli"}))
        self.assertEqual((two["body"], two["partition"], two["attributes"], two["key"]),
                         ("two", 1, {"src": "cli", "tag": "TagB"}, "k0"))
        self.assertEqual((three["body_base64"], three["key"]), ("/wD+", "k0"))

        # --json prints each entry's result.
        p = self.server.cli("publish", "p-batch", "--batch", "-", "--json",
                            input='{"body":"x","partition":0,"id":"e1"}\n')
        [result] = json_lines(p.stdout)
        self.assertEqual((result["partition"], result["id"]), (0, "e1"))

    def test_bad_batch_lines_publish_nothing(self):
        self.server.cli("topic", "create", "p-badbatch")
        self.server.cli("sub", "create", "p-badbatch", "all", "--from", "earliest")
        p = self.server.cli("publish", "p-badbatch", "--batch", "-", check=False,
                            input='{"body":1}\nplain text\n{"key":"k"}\n')
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("error: <stdin>: line 2: not valid JSON", p.stderr)
        self.assertIn('error: <stdin>: line 3: the message has no "body"', p.stderr)
        self.assertIn("nothing was published", p.stderr)
        self.assertEqual(p.stdout, "")
        # The server's refusal of an entry names the line too.
        p = self.server.cli("publish", "p-badbatch", "--batch", "-", check=False,
                            input='{"body":1}\n{"body":2,"colour":"red"}\n')
        self.assertServerError(p, "InvalidParameter")
        self.assertIn("<stdin> line 2", p.stderr)
        self.assertEqual(self.recv("p-badbatch", "all"), [])
        # A partition beyond the topic's is refused per entry; the others are published.
        p = self.server.cli("publish", "p-badbatch", "--batch", "-", check=False,
                            input='{"body":"ok"}\n{"body":"no","partition":5}\n')
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(len(p.stdout.split()), 1)
        self.assertIn("error: <stdin> line 2 was not published", p.stderr)
        self.assertIn("1 of 2 messages were not published", p.stderr)
        self.assertEqual([m["body"] for m in self.recv("p-badbatch", "all")], ["ok"])

    def test_partition_out_of_range(self):
        p = self.server.cli("publish", "p", "--partition", "9", "x", check=False)
        self.assertServerError(p, "InvalidParameter")

    def test_usage_errors(self):
        for args, fragment in [
            (("publish", "p"), "BODY"),
            (("publish", "p", "x", "--batch", "-"), "excludes"),
            (("publish", "p", "x", "--delay", "1s", "--at", "2026-12-01T09:00:00Z"), "excludes"),
            (("publish", "p", "x", "--delay", "soon"), "invalid duration"),
            (("publish", "p", "x", "--at", "tomorrow"), "RFC 3339"),
            (("publish", "p", "x", "--attr", "novalue"), "KEY=VALUE"),
            (("publish", "p", "x", "--partition", "-1"), "--partition"),
            (("publish", "p", "--batch", "-", "--dedup-id", "d"), "excludes"),
        ]:
            self.assertUsageError(self.server.cli(*args, check=False), fragment)


class TestSubscriptionCommands(TopicTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("queue", "create", "s-dlq")

    def test_create_list_get_delete(self):
        self.server.cli("topic", "create", "s-crud", "--partitions", "2")
        p = self.server.cli("sub", "create", "s-crud", "billing", "--mode", "ordered",
                            "--from", "earliest", "--visibility", "45s", "--max-deliveries", "3",
                            "--dlq", "s-dlq", "--backoff", "1s", "--max-backoff", "30s",
                            "--filter", '{"attributes":{"type":["order.created"]}}')
        self.assertEqual(p.stdout, "created subscription billing on topic s-crud\n")
        s = self.server.get("/v1/topics/s-crud/subscriptions/billing").json
        self.assertEqual(
            (s["mode"], s["visibility_timeout"], s["max_deliveries"], s["dead_letter_queue"],
             s["backoff"], s["max_backoff"], s["filter"]),
            ("ordered", "45s", 3, "s-dlq", "1s", "30s", {"attributes": {"type": ["order.created"]}}))
        p = self.server.cli("sub", "create", "s-crud", "billing", "--mode", "ordered",
                            "--visibility", "45s", "--max-deliveries", "3", "--dlq", "s-dlq",
                            "--backoff", "1s", "--max-backoff", "30s",
                            "--filter", '{"attributes":{"type":["order.created"]}}')
        self.assertIn("already exists with this configuration", p.stdout)
        p = self.server.cli("sub", "create", "s-crud", "billing", "--visibility", "10s",
                            check=False)
        self.assertServerError(p, "SubscriptionAlreadyExists")

        self.server.cli("sub", "create", "s-crud", "cache", "--mode", "broadcast",
                        "--consumer-ttl", "30s")
        self.server.cli("sub", "create", "s-crud", "tags", "--filter", "TagA || TagB")
        out = self.server.cli("sub", "list", "s-crud").stdout
        self.assertRegex(out, r"(?m)^NAME\s+MODE\s+BACKLOG\s+IN FLIGHT\s+OLDEST\s+VISIBILITY\s+FILTER$")
        self.assertRegex(out, r'(?m)^billing\s+ordered\s+0\s+0\s+0s\s+45s\s+\{"attributes"')
        self.assertRegex(out, r"(?m)^cache\s+broadcast\s")
        self.assertRegex(out, r"(?m)^tags\s+shared\s.*tags: TagA \|\| TagB$")
        names = [s["name"] for s in self.cli_json("sub", "list", "s-crud", "--json")["subscriptions"]]
        self.assertEqual(sorted(names), ["billing", "cache", "tags"])

        out = self.server.cli("sub", "get", "s-crud", "cache").stdout
        self.assertRegex(out, r"(?m)^subscription\s+cache$")
        self.assertRegex(out, r"(?m)^mode\s+broadcast$")
        self.assertRegex(out, r"(?m)^consumer ttl\s+30s$")
        self.assertRegex(out, r"(?m)^PARTITION\s+CURSOR\s+END OFFSET\s+LAG$")
        self.assertEqual(self.server.cli("sub", "stats", "s-crud", "cache").stdout, out)
        self.assertEqual(self.cli_json("sub", "get", "s-crud", "billing", "--json")["mode"], "ordered")

        p = self.server.cli("sub", "delete", "s-crud", "tags")
        self.assertEqual(p.stdout, "deleted subscription tags of topic s-crud\n")
        self.assertEqual(self.server.get("/v1/topics/s-crud/subscriptions/tags").status, 404)
        p = self.server.cli("sub", "get", "s-crud", "tags", check=False)
        self.assertServerError(p, "SubscriptionNotFound")
        for args in (("sub", "delete", "s-crud", "tags"), ("sub", "recv", "s-crud", "tags"),
                     ("sub", "ack", "s-crud", "tags", "r"),
                     ("sub", "seek", "s-crud", "tags", "--offset", "earliest")):
            self.assertServerError(self.server.cli(*args, check=False), "SubscriptionNotFound")

    def test_push_settings_are_shown_without_the_secret(self):
        self.server.cli("topic", "create", "s-push")
        self.server.cli("sub", "create", "s-push", "hook", "--push-url", "http://127.0.0.1:9/hook",
                        "--push-format", "cloudevents", "--push-secret", "s3cret",
                        "--push-concurrency", "4", "--push-timeout", "5s")
        s = self.cli_json("sub", "get", "s-push", "hook", "--json")
        self.assertEqual(s["push"], {"url": "http://127.0.0.1:9/hook", "format": "cloudevents",
                                     "signed": True, "concurrency": 4, "timeout": "5s"})
        out = self.server.cli("sub", "get", "s-push", "hook").stdout
        self.assertRegex(out, r"(?m)^push\s+http://127.0.0.1:9/hook \(cloudevents, signed, "
                              r"concurrency 4, timeout 5s\)$")
        self.assertNotIn("s3cret", out)

    def test_server_refusals(self):
        self.server.cli("topic", "create", "s-bad")
        p = self.server.cli("sub", "create", "s-bad", "f",
                            "--filter", '{"attributes":{"type":[{"prefix":1}]}}', check=False)
        self.assertServerError(p, "InvalidParameter")
        self.assertIn("$.attributes.type", p.stderr)  # where in the pattern
        p = self.server.cli("sub", "create", "s-bad", "f", "--filter", "TagA ||", check=False)
        self.assertServerError(p, "InvalidParameter")
        self.assertIn("offset 7", p.stderr)
        p = self.server.cli("sub", "create", "s-bad", "f", "--dlq", "no-such-queue", check=False)
        self.assertServerError(p, "InvalidDeadLetterQueue")
        p = self.server.cli("sub", "create", "s-bad", "f", "--push-url", "ftp://h/x", check=False)
        self.assertServerError(p, "InvalidParameter")
        self.assertEqual(self.server.get("/v1/topics/s-bad/subscriptions/f").status, 404)

    def test_usage_errors(self):
        for args, fragment in [
            (("sub", "create", "t"), "NAME"),
            (("sub", "create", "t", "s", "--mode", "fanout"), "--mode"),
            (("sub", "create", "t", "s", "--from", "yesterday"), "invalid position"),
            (("sub", "create", "t", "s", "--filter", '{"a":'), "not valid JSON at character 6"),
            (("sub", "create", "t", "s", "--max-deliveries", "3"), "--dlq"),
            (("sub", "create", "t", "s", "--push-secret", "x"), "--push-url"),
            (("sub", "create", "t", "s", "--consumer-ttl", "1m"), "broadcast"),
            (("sub", "create", "t", "s", "--mode", "broadcast", "--push-url", "http://h/"),
             "one endpoint"),
            (("sub", "create", "t", "s", "--push-url", "http://h/", "--push-format", "xml"),
             "--push-format"),
            (("sub", "recv", "t", "s", "--max", "1001"), "--max"),
            (("sub", "recv", "t", "s", "--wait", "soon"), "invalid duration"),
            (("sub", "ack", "t", "s"), "RECEIPT"),
            (("sub", "seek", "t", "s"), "--offset or --time"),
            (("sub", "seek", "t", "s", "--offset", "first"), "invalid offset"),
            (("sub", "seek", "t", "s", "--time", "yesterday"), "invalid time"),
            (("sub", "seek", "t", "s", "--offset", "1", "--time", "1h"), "excludes"),
            (("sub", "get", "t"), "NAME"),
        ]:
            self.assertUsageError(self.server.cli(*args, check=False), fragment)


class TestDelivery(TopicTest):
    """The scenarios of docs/topics.md through the CLI."""

    def test_fan_out_recv_and_ack(self):
        self.server.cli("topic", "create", "d-fan", "--partitions", "2")
        self.server.cli("sub", "create", "d-fan", "billing")
        self.server.cli("sub", "create", "d-fan", "shipping")
        ids = [self.server.cli("publish", "d-fan", json.dumps({"order": n})).stdout.strip()
               for n in range(4)]
        billing = self.recv("d-fan", "billing")
        shipping = self.recv("d-fan", "shipping", "--ack")
        self.assertEqual(sorted(m["message_id"] for m in billing), sorted(ids))
        self.assertEqual(sorted(m["message_id"] for m in shipping), sorted(ids))
        for m in billing:
            for field in ("receipt", "partition", "offset", "delivery_count", "publish_time"):
                self.assertIn(field, m)

        stats = self.server.get("/v1/topics/d-fan/subscriptions/billing").json["stats"]
        self.assertEqual(stats["in_flight"], 4)
        p = self.server.cli("sub", "ack", "d-fan", "billing", "-",
                            input="\n".join(json.dumps(m) for m in billing) + "\n")
        self.assertEqual(p.stdout, "acked 4 messages\n")
        for name in ("billing", "shipping"):
            stats = self.server.get(f"/v1/topics/d-fan/subscriptions/{name}").json["stats"]
            self.assertEqual((stats["backlog"], stats["in_flight"], stats["acked"]), (0, 0, 4), name)
        # Acked by every subscription, the messages stay in the topic (retention, not acks).
        self.assertEqual(self.server.get("/v1/topics/d-fan").json["stats"]["stored"], 4)

        p = self.server.cli("sub", "ack", "d-fan", "billing", "not-a-receipt", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("ReceiptHandleInvalid", p.stderr)

    def test_long_poll_wait(self):
        self.server.cli("topic", "create", "d-wait")
        self.server.cli("sub", "create", "d-wait", "s")
        started = time.monotonic()
        self.assertEqual(self.server.cli("sub", "recv", "d-wait", "s", "--wait", "1s").stdout, "")
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_ordered_mode_keeps_order_per_key(self):
        self.server.cli("topic", "create", "d-ord", "--partitions", "4")
        self.server.cli("sub", "create", "d-ord", "s", "--mode", "ordered")
        for key in ("a", "b"):
            for n in range(3):
                self.server.cli("publish", "d-ord", "--key", key, f"{key}{n}")
        seen = {"a": [], "b": []}
        for _ in range(3):
            batch = self.recv("d-ord", "s", "--ack")
            # One message in flight per key: each receive gets at most the next of each key.
            self.assertEqual(sorted(m["key"] for m in batch), ["a", "b"], batch)
            for m in batch:
                seen[m["key"]].append(m["body"])
        self.assertEqual(seen, {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b2"]})

    def test_broadcast_needs_a_consumer_and_every_consumer_gets_everything(self):
        self.server.cli("topic", "create", "d-bc", "--partitions", "2")
        self.server.cli("sub", "create", "d-bc", "cache", "--mode", "broadcast",
                        "--consumer-ttl", "1m")
        p = self.server.cli("sub", "recv", "d-bc", "cache", check=False)
        self.assertServerError(p, "ConsumerRequired")
        # A consumer id starts at the end of the topic when it is first seen.
        for consumer in ("web-1", "web-2"):
            self.assertEqual(self.recv("d-bc", "cache", "--consumer", consumer), [])
        for n in range(3):
            self.server.cli("publish", "d-bc", f"v{n}")
        one = self.recv("d-bc", "cache", "--consumer", "web-1", "--ack")
        two = self.recv("d-bc", "cache", "--consumer", "web-2")
        self.assertEqual(sorted(m["body"] for m in one), ["v0", "v1", "v2"])
        self.assertEqual(sorted(m["body"] for m in two), ["v0", "v1", "v2"])
        p = self.server.cli("sub", "ack", "d-bc", "cache", "--consumer", "web-2",
                            *[m["receipt"] for m in two])
        self.assertEqual(p.stdout, "acked 3 messages\n")
        out = self.server.cli("sub", "get", "d-bc", "cache").stdout
        self.assertRegex(out, r"(?m)^consumers\s+web-1, web-2$")

    def test_filters(self):
        self.server.cli("topic", "create", "d-filter")
        self.server.cli("sub", "create", "d-filter", "created",
                        "--filter", '{"attributes":{"type":["order.created"]}}')
        self.server.cli("sub", "create", "d-filter", "big",
                        "--filter", '{"body":{"total":[{"numeric":[">",100]}]}}')
        self.server.cli("sub", "create", "d-filter", "tagged", "--filter", "TagA || TagB")
        self.server.cli("publish", "d-filter", "--attr", "type=order.created", "--attr", "tag=TagA",
                        '{"total":50}')
        self.server.cli("publish", "d-filter", "--attr", "type=order.paid", "--attr", "tag=TagC",
                        '{"total":150}')
        self.server.cli("publish", "d-filter", "--attr", "tag=TagB", '{"total":200}')
        totals = lambda sub: sorted(m["body"]["total"] for m in self.recv("d-filter", sub, "--ack"))
        self.assertEqual(totals("created"), [50])
        self.assertEqual(totals("big"), [150, 200])
        self.assertEqual(totals("tagged"), [50, 200])
        # Filtered-out messages count as acknowledged: nothing is left behind.
        stats = self.server.get("/v1/topics/d-filter/subscriptions/created").json["stats"]
        self.assertEqual((stats["backlog"], stats["filtered"], stats["acked"]), (0, 2, 1))

    def test_seek_replays_and_reports_clamping(self):
        self.server.cli("topic", "create", "d-seek", "--partitions", "2")
        self.server.cli("sub", "create", "d-seek", "s")
        for n in range(4):
            self.server.cli("publish", "d-seek", "--partition", str(n % 2), f"m{n}")
        self.assertEqual(len(self.recv("d-seek", "s", "--ack")), 4)
        self.assertEqual(self.recv("d-seek", "s"), [])

        p = self.server.cli("sub", "seek", "d-seek", "s", "--offset", "earliest")
        self.assertEqual(p.stdout, "partition 0: cursor at offset 0\npartition 1: cursor at offset 0\n")
        self.assertEqual(sorted(m["body"] for m in self.recv("d-seek", "s", "--ack")),
                         ["m0", "m1", "m2", "m3"])

        p = self.server.cli("sub", "seek", "d-seek", "s", "--offset", "1", "--partition", "1")
        self.assertEqual(p.stdout, "partition 1: cursor at offset 1\n")
        self.assertEqual([m["body"] for m in self.recv("d-seek", "s", "--ack")], ["m3"])

        p = self.server.cli("sub", "seek", "d-seek", "s", "--offset", "1000")
        self.assertIn("partition 0: cursor at offset 2 (clamped)", p.stdout)
        self.assertIn("partition 1: cursor at offset 2 (clamped)", p.stdout)
        self.assertRegex(p.stdout, r"(?m)^note: clamped: .+")
        answer = self.cli_json("sub", "seek", "d-seek", "s", "--offset", "latest", "--json")
        self.assertFalse(answer["clamped"])

        # By time: an hour ago is before every message; a future time is the end.
        self.server.cli("sub", "seek", "d-seek", "s", "--time", "1h")
        self.assertEqual(len(self.recv("d-seek", "s", "--ack")), 4)
        self.server.cli("sub", "seek", "d-seek", "s", "--time", "2099-01-01T00:00:00Z")
        self.assertEqual(self.recv("d-seek", "s"), [])

        p = self.server.cli("sub", "seek", "d-seek", "s", "--offset", "0", "--partition", "7",
                            check=False)
        self.assertServerError(p, "InvalidParameter")


class Endpoint:
    """A local HTTP endpoint for push subscriptions: records each POST, answers `status`."""

    def __init__(self):
        self.requests = []
        self.status = 200
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, dict(self.headers), body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TestPush(TopicTest):
    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)

    def test_signed_json_push(self):
        self.server.cli("topic", "create", "push-json")
        self.server.cli("sub", "create", "push-json", "hook", "--push-url",
                        self.endpoint.url + "/hook", "--push-secret", "s3cret")
        mid = self.server.cli("publish", "push-json", "--key", "k1", "--attr", "type=order.created",
                              '{"order":42}').stdout.strip()
        wait_until(lambda: self.endpoint.requests, timeout=20, message="the push")
        path, headers, body = self.endpoint.requests[0]
        self.assertEqual(path, "/hook")
        self.assertEqual(headers["Sluice-Message-Id"], mid)
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["Sluice-Signature"], expected)
        envelope = json.loads(body)
        self.assertEqual((envelope["id"], envelope["topic"], envelope["subscription"],
                          envelope["attributes"], envelope["data"]),
                         (mid, "push-json", "hook", {"type": "order.created"}, '{"order":42}'))
        stats = wait_until(
            lambda: (s := self.server.get("/v1/topics/push-json/subscriptions/hook").json["stats"])
            ["acked"] == 1 and s, timeout=10, message="the ack of the 2xx")
        self.assertEqual(stats["backlog"], 0)

    def test_cloudevents_push(self):
        self.server.cli("topic", "create", "push-ce")
        self.server.cli("sub", "create", "push-ce", "ce", "--push-url", self.endpoint.url + "/ce",
                        "--push-format", "cloudevents")
        self.server.cli("publish", "push-ce", "--attr", "type=order.created", '{"order":7}')
        wait_until(lambda: self.endpoint.requests, timeout=20, message="the push")
        _, headers, body = self.endpoint.requests[0]
        self.assertEqual(body, b'{"order":7}')
        self.assertEqual((headers["ce-specversion"], headers["ce-type"], headers["ce-source"]),
                         ("1.0", "order.created", "/sluice/topics/push-ce"))
        self.assertNotIn("Sluice-Signature", headers)

    def test_failing_endpoint_ends_in_the_dead_letter_queue(self):
        self.endpoint.status = 500
        self.server.cli("queue", "create", "push-dlq")
        self.server.cli("topic", "create", "push-fail")
        self.server.cli("sub", "create", "push-fail", "hook", "--push-url", self.endpoint.url,
                        "--max-deliveries", "2", "--dlq", "push-dlq", "--backoff", "100ms",
                        "--max-backoff", "200ms")
        self.server.cli("publish", "push-fail", "boom")
        [m] = wait_until(lambda: json_lines(self.server.cli("recv", "push-dlq").stdout),
                         timeout=20, interval=0.2, message="the dead-lettered message")
        self.assertEqual(m["body"], "boom")
        self.assertEqual(len(self.endpoint.requests), 2)


APPLY_YAML = """\
queues:
  a-dlq: {}
topics:
  a-orders:
    partitions: 3
    retention: 7d
    subscriptions:
      billing: {from: earliest}
      shipping:
        mode: ordered
        max_deliveries: 5
        dead_letter_queue: a-dlq
        filter: {attributes: {type: [order.created]}}
      cache:
        mode: broadcast
        consumer_ttl: 30s
      tagged:
        filter: "TagA || TagB"
  a-audit:
"""


class TestApplyTopics(TopicTest):
    def test_dry_run_apply_update_and_idempotent(self):
        path = self.write(APPLY_YAML)
        p = self.server.cli("apply", "-f", path, "--dry-run")
        self.assertEqual(p.stdout.splitlines(), [
            "+ queue a-dlq (create)",
            "+ topic a-orders (create)",
            "+ subscription a-orders/billing (create)",
            "+ subscription a-orders/shipping (create)",
            "+ subscription a-orders/cache (create)",
            "+ subscription a-orders/tagged (create)",
            "+ topic a-audit (create)",
            "Plan: 7 to create, 0 to update, 0 unchanged.",
            "Dry run: nothing was changed.",
        ])
        self.assertEqual(self.server.get("/v1/topics/a-orders").status, 404)

        p = self.server.cli("apply", "-f", path)
        self.assertIn("Applied: 7 created, 0 updated, 0 unchanged.", p.stdout)
        t = self.server.get("/v1/topics/a-orders").json
        self.assertEqual((t["partitions"], t["retention"]), (3, "7d"))
        self.assertEqual(sorted(t["subscriptions"]), ["billing", "cache", "shipping", "tagged"])
        shipping = self.server.get("/v1/topics/a-orders/subscriptions/shipping").json
        self.assertEqual(
            (shipping["mode"], shipping["max_deliveries"], shipping["dead_letter_queue"],
             shipping["filter"]),
            ("ordered", 5, "a-dlq", {"attributes": {"type": ["order.created"]}}))
        cache = self.server.get("/v1/topics/a-orders/subscriptions/cache").json
        self.assertEqual((cache["mode"], cache["consumer_ttl"]), ("broadcast", "30s"))
        tagged = self.server.get("/v1/topics/a-orders/subscriptions/tagged").json
        self.assertEqual(tagged["filter"], "TagA || TagB")

        p = self.server.cli("apply", "-f", path)
        self.assertIn("Plan: 0 to create, 0 to update, 7 unchanged.", p.stdout)
        self.assertIn("Nothing to change.", p.stdout)

        changed = self.write(APPLY_YAML.replace("retention: 7d", "retention: 3d")
                             .replace("max_deliveries: 5", "max_deliveries: 2")
                             .replace("order.created", "order.paid"))
        p = self.server.cli("apply", "-f", changed, "--dry-run")
        self.assertIn("~ topic a-orders: retention 7d → 3d", p.stdout)
        self.assertIn("~ subscription a-orders/shipping: max_deliveries 5 → 2, filter "
                      '{"attributes":{"type":["order.created"]}} → '
                      '{"attributes":{"type":["order.paid"]}}', p.stdout)
        self.assertEqual(self.server.get("/v1/topics/a-orders").json["retention"], "7d")
        p = self.server.cli("apply", "-f", changed)
        self.assertIn("Applied: 0 created, 2 updated, 5 unchanged.", p.stdout)
        self.assertEqual(self.server.get("/v1/topics/a-orders").json["retention"], "3d")
        shipping = self.server.get("/v1/topics/a-orders/subscriptions/shipping").json
        # Fields the file leaves out keep their values (the server's PUT replaces the config).
        self.assertEqual(
            (shipping["mode"], shipping["max_deliveries"], shipping["dead_letter_queue"],
             shipping["filter"], shipping["visibility_timeout"]),
            ("ordered", 2, "a-dlq", {"attributes": {"type": ["order.paid"]}}, "30s"))

    def test_changes_the_server_cannot_make_stop_everything(self):
        self.server.cli("topic", "create", "a-fixed", "--partitions", "2")
        self.server.cli("sub", "create", "a-fixed", "s", "--mode", "shared")
        path = self.write("topics:\n  a-fixed:\n    partitions: 4\n    retention: 1d\n"
                          "    subscriptions:\n      s: {mode: ordered}\n")
        p = self.server.cli("apply", "-f", path, check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn(f"error: {path}:3:17: topic 'a-fixed': partitions cannot change (2 on the "
                      "server, 4 in the file)", p.stderr)
        self.assertIn(f"error: {path}:6:17: subscription 'a-fixed/s': the mode cannot change",
                      p.stderr)
        self.assertIn("nothing was applied", p.stderr)
        self.assertEqual(self.server.get("/v1/topics/a-fixed").json["retention"], "7d")

    def test_invalid_files_say_where(self):
        cases = [
            ("topics:\n  a-bad1:\n    partitons: 2\n",
             "app.yaml:3:5: topic 'a-bad1': unknown field 'partitons'"),
            ("topics:\n  a-bad2:\n    subscriptions:\n      s: {mode: fanout}\n",
             "app.yaml:4:17: subscription 'a-bad2/s': mode: 'fanout' is not shared, ordered or "
             "broadcast"),
            ("topics:\n  a-bad3:\n    subscriptions:\n      s: {max_deliveries: 3}\n",
             "app.yaml:4:27: subscription 'a-bad3/s': max_deliveries 3 needs a dead_letter_queue"),
            ("topics:\n  a-bad4:\n    subscriptions:\n      s:\n        push: {format: json}\n",
             "app.yaml:5:9: subscription 'a-bad4/s': push: 'url' is required"),
        ]
        for text, message in cases:
            path = self.write(text)
            p = self.server.cli("apply", "-f", path, check=False)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("error: " + message.replace("app.yaml", path), p.stderr)
            self.assertIn("nothing was applied", p.stderr)
            self.assertEqual(p.stdout, "")
        names = [t["name"] for t in self.server.get("/v1/topics").json["topics"]]
        self.assertFalse([n for n in names if n.startswith("a-bad")], names)

    def test_a_server_refusal_names_the_subscription(self):
        path = self.write("topics:\n  a-refused:\n    subscriptions:\n"
                          "      s: {filter: {attributes: {type: [{prefix: 1}]}}}\n")
        p = self.server.cli("apply", "-f", path, check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("error: subscription a-refused/s was not applied", p.stderr)
        self.assertRegex(p.stderr, r"(?m)^error: invalid filter: .+ \(InvalidParameter\)$")


if __name__ == "__main__":
    unittest.main()
