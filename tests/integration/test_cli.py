"""The client commands of the `sluice` binary against a real server: one class per command group,
`--help` output, the user flow from the CLI issue, `apply`, and bad inputs (docs/cli.md).

Exit codes: 0 success, 1 the server refused or could not be reached, and a usage error is
reported by CLI11 with a different non-zero code (asserted as "neither 0 nor 1").
"""
import json
import os
import subprocess
import tempfile
import unittest

from harness import SLUICE_BIN, ServerTest, free_port


def run(*args, input=None, env=None, timeout=60):
    """Runs the binary without a server (help, usage errors, server down)."""
    full_env = dict(os.environ)
    full_env.pop("SLUICE_SERVER", None)
    full_env.pop("SLUICE_API_KEY", None)
    full_env.update(env or {})
    return subprocess.run([SLUICE_BIN] + list(args), input=input, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def json_lines(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


class UsageAssertions:
    def assertUsageError(self, p, *fragments):
        self.assertNotIn(p.returncode, (0, 1), p)
        for fragment in fragments:
            self.assertIn(fragment, p.stderr, p)
        self.assertEqual(p.stdout, "", p)

    def assertServerError(self, p, code):
        self.assertEqual(p.returncode, 1, p)
        self.assertRegex(p.stderr, r"(?m)^error: .+ \(" + code + r"\)$", p)


class TestHelp(unittest.TestCase):
    """Every command documents itself, with examples."""

    def help(self, *args):
        p = run(*args, "--help")
        self.assertEqual(p.returncode, 0, p)
        return p.stdout

    def test_top_level_lists_client_commands(self):
        out = self.help()
        for command in ("queue", "send", "recv", "ack", "apply", "--server", "--api-key"):
            self.assertIn(command, out)

    def test_queue_help(self):
        out = self.help("queue")
        for sub in ("create", "list", "get, stats", "delete"):
            self.assertIn(sub, out)
        self.assertIn("Examples:", out)
        out = self.help("queue", "create")
        for flag in ("--visibility", "--max-message-size", "--retention", "NAME"):
            self.assertIn(flag, out)
        self.assertIn("sluice queue create", out)
        self.assertIn("--json", self.help("queue", "stats"))

    def test_send_recv_ack_help(self):
        out = self.help("send")
        for text in ("QUEUE", "BODY", "--attr", "--batch", "stdin", "Examples:"):
            self.assertIn(text, out)
        out = self.help("recv")
        for text in ("--max", "--wait", "--visibility", "--ack", "receipt", "Examples:"):
            self.assertIn(text, out)
        out = self.help("ack")
        for text in ("RECEIPT", "stdin", "sluice recv orders --max 10 | sluice ack orders -"):
            self.assertIn(text, out)

    def test_apply_help_shows_the_file_format(self):
        out = self.help("apply")
        for text in ("-f,--file", "--dry-run", "queues:", "visibility_timeout:", "max_message_size:",
                     "retention:", "sluice apply -f app.yaml"):
            self.assertIn(text, out)


class TestQueueCommands(ServerTest, UsageAssertions):
    def test_create_get_list_delete(self):
        p = self.server.cli("queue", "create", "q-crud", "--visibility", "45s",
                            "--max-message-size", "256KiB", "--retention", "2d")
        self.assertEqual(p.stdout, "created queue q-crud\n")
        q = self.server.get("/v1/queues/q-crud").json
        self.assertEqual(q["visibility_timeout"], "45s")
        self.assertEqual(q["max_message_size"], 256 * 1024)
        self.assertEqual(q["retention"], "2d")

        # The same create again is fine; a different config is the server's 409.
        p = self.server.cli("queue", "create", "q-crud", "--visibility", "45s",
                            "--max-message-size", "256KiB", "--retention", "2d")
        self.assertIn("already exists", p.stdout)
        p = self.server.cli("queue", "create", "q-crud", "--visibility", "10s", check=False)
        self.assertServerError(p, "QueueAlreadyExists")

        out = self.server.cli("queue", "list").stdout
        self.assertRegex(out, r"(?m)^NAME\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+OLDEST")
        self.assertRegex(out, r"(?m)^q-crud\s+0\s+0\s+0\s+0s\s+45s\s+2d$")
        listed = json.loads(self.server.cli("queue", "list", "--json").stdout)
        self.assertIn("q-crud", [q["name"] for q in listed["queues"]])

        out = self.server.cli("queue", "get", "q-crud").stdout
        self.assertRegex(out, r"(?m)^queue\s+q-crud$")
        self.assertRegex(out, r"(?m)^max message size\s+256KiB$")
        self.assertEqual(json.loads(self.server.cli("queue", "get", "q-crud", "--json").stdout)["name"],
                         "q-crud")

        p = self.server.cli("queue", "delete", "q-crud")
        self.assertEqual(p.stdout, "deleted queue q-crud\n")
        self.assertEqual(self.server.get("/v1/queues/q-crud").status, 404)

    def test_stats_is_an_alias_of_get_and_reads_well(self):
        self.server.cli("queue", "create", "q-stats")
        for body in ("a", "b", "c"):
            self.server.cli("send", "q-stats", body)
        self.server.cli("recv", "q-stats")
        out = self.server.cli("queue", "stats", "q-stats").stdout
        self.assertRegex(out, r"(?m)^visible\s+2$")
        self.assertRegex(out, r"(?m)^in flight\s+1$")
        self.assertRegex(out, r"(?m)^delayed\s+0$")
        self.assertRegex(out, r"(?m)^oldest age\s+\d+(\.\d)?(ms|s|m)")
        stats = json.loads(self.server.cli("queue", "stats", "q-stats", "--json").stdout)["stats"]
        self.assertEqual((stats["visible"], stats["in_flight"]), (2, 1))

    def test_unknown_queue(self):
        for args in (("queue", "get", "no-such-queue"), ("queue", "stats", "no-such-queue"),
                     ("queue", "delete", "no-such-queue"), ("send", "no-such-queue", "x"),
                     ("recv", "no-such-queue"), ("ack", "no-such-queue", "r")):
            p = self.server.cli(*args, check=False)
            self.assertServerError(p, "QueueNotFound")
            self.assertIn("no-such-queue", p.stderr)

    def test_usage_errors_never_reach_the_server(self):
        self.assertUsageError(self.server.cli("queue", "create", "bad name", check=False),
                              "invalid name 'bad name'")
        self.assertUsageError(self.server.cli("queue", "create", "q", "--visibility", "30x", check=False),
                              "--visibility", "invalid duration '30x'")
        self.assertUsageError(self.server.cli("queue", "create", "q", "--max-message-size", "big",
                                              check=False), "invalid size 'big'")
        self.assertUsageError(self.server.cli("queue", check=False))
        self.assertUsageError(self.server.cli("queue", "get", check=False), "NAME")
        self.assertEqual(self.server.get("/v1/queues/q").status, 404)


class TestSendRecvAck(ServerTest, UsageAssertions):
    def test_the_user_flow(self):
        self.server.cli("queue", "create", "orders")
        ids = []
        for n in range(3):
            p = self.server.cli("send", "orders", json.dumps({"order": n}))
            self.assertRegex(p.stdout, r"^\S+\n$")
            ids.append(p.stdout.strip())
        self.assertEqual(len(set(ids)), 3)

        p = self.server.cli("recv", "orders", "--max", "10", "--wait", "2s")
        messages = json_lines(p.stdout)
        self.assertEqual([m["message_id"] for m in messages], ids)
        for n, m in enumerate(messages):
            self.assertEqual(list(m)[:3], ["message_id", "receipt", "body"])
            self.assertTrue(m["receipt"])
            self.assertEqual(m["body"], {"order": n})  # inline JSON, ready for jq
            self.assertEqual(m["delivery_count"], 1)

        out = self.server.cli("queue", "stats", "orders").stdout
        self.assertRegex(out, r"(?m)^in flight\s+3$")

        p = self.server.cli("ack", "orders", *[m["receipt"] for m in messages])
        self.assertEqual(p.stdout, "acked 3 messages\n")
        out = self.server.cli("queue", "stats", "orders").stdout
        self.assertRegex(out, r"(?m)^visible\s+0$")
        self.assertRegex(out, r"(?m)^in flight\s+0$")

        # recv --ack: stdout stays pure JSON lines, the count goes to stderr.
        self.server.cli("send", "orders", "plain text")
        p = self.server.cli("recv", "orders", "--max", "10", "--ack")
        [m] = json_lines(p.stdout)
        self.assertEqual(m["body"], "plain text")
        self.assertIn("acked 1 message", p.stderr)
        self.assertEqual(self.server.get("/v1/queues/orders").json["stats"]["in_flight"], 0)
        self.assertEqual(self.server.cli("recv", "orders").stdout, "")

    def test_attributes_stdin_and_binary_bodies(self):
        self.server.cli("queue", "create", "q-bodies")
        self.server.cli("send", "q-bodies", "--attr", "type=order.created", "--attr", "source=web", "hi")
        self.server.cli("send", "q-bodies", "-", input='{"from":"stdin"}')
        self.server.cli("send", "q-bodies", "--", "-starts-with-a-dash")
        p = subprocess.run([SLUICE_BIN, "--server", self.server.url, "send", "q-bodies", "-"],
                           input=b"\xff\x00\xfe", capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p)
        messages = json_lines(self.server.cli("recv", "q-bodies", "--max", "10").stdout)
        self.assertEqual(len(messages), 4)
        self.assertEqual(messages[0]["body"], "hi")
        self.assertEqual(messages[0]["attributes"], {"type": "order.created", "source": "web"})
        self.assertEqual(messages[1]["body"], {"from": "stdin"})
        self.assertEqual(messages[2]["body"], "-starts-with-a-dash")
        self.assertEqual(messages[3]["body_base64"], "/wD+")
        self.assertNotIn("body", messages[3])

    def test_raw_body_keeps_json_as_text(self):
        self.server.cli("queue", "create", "q-raw")
        self.server.cli("send", "q-raw", '{"price": 1.10}')
        [m] = json_lines(self.server.cli("recv", "q-raw", "--raw-body").stdout)
        self.assertEqual(m["body"], '{"price": 1.10}')

    def test_batch_send(self):
        self.server.cli("queue", "create", "q-batch")
        p = self.server.cli("send", "q-batch", "--batch", "-", "--attr", "k=v",
                            input='{"n":1}\n\nsecond line\n{"n":3}\n')
        ids = p.stdout.split()
        self.assertEqual(len(ids), 3)
        messages = json_lines(self.server.cli("recv", "q-batch", "--max", "10").stdout)
        self.assertEqual([m["message_id"] for m in messages], ids)
        self.assertEqual([m["body"] for m in messages], [{"n": 1}, "second line", {"n": 3}])
        self.assertTrue(all(m["attributes"] == {"k": "v"} for m in messages))

    def test_ack_reads_recv_output_from_stdin(self):
        self.server.cli("queue", "create", "q-pipe")
        for n in range(3):
            self.server.cli("send", "q-pipe", str(n))
        received = self.server.cli("recv", "q-pipe", "--max", "10").stdout
        p = self.server.cli("ack", "q-pipe", "-", input=received)
        self.assertEqual(p.stdout, "acked 3 messages\n")
        stats = self.server.get("/v1/queues/q-pipe").json["stats"]
        self.assertEqual((stats["visible"], stats["in_flight"]), (0, 0))

        self.server.cli("send", "q-pipe", "x")
        [m] = json_lines(self.server.cli("recv", "q-pipe").stdout)
        p = self.server.cli("ack", "q-pipe", "-", input=m["receipt"] + "\n")
        self.assertEqual(p.stdout, "acked 1 message\n")

    def test_bad_receipt_fails_the_ack(self):
        self.server.cli("queue", "create", "q-badack")
        p = self.server.cli("ack", "q-badack", "not-a-receipt", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("ReceiptHandleInvalid", p.stderr)

    def test_usage_errors(self):
        self.assertUsageError(self.server.cli("recv", "q", "--wait", "soon", check=False),
                              "invalid duration 'soon'")
        self.assertUsageError(self.server.cli("recv", "q", "--max", "0", check=False), "--max")
        self.assertUsageError(self.server.cli("recv", "q", "--max", "1001", check=False), "--max")
        self.assertUsageError(self.server.cli("send", "q", "x", "--attr", "novalue", check=False),
                              "KEY=VALUE")
        self.assertUsageError(self.server.cli("send", "q", check=False), "BODY")
        self.assertUsageError(self.server.cli("ack", "q", check=False), "RECEIPT")


APP_YAML = """\
queues:
  orders:
    visibility_timeout: 30s
    max_message_size: 256KiB
    retention: 4d
  logs:
"""


class TestApply(ServerTest, UsageAssertions):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_dry_run_apply_and_idempotent_second_apply(self):
        path = self.write(APP_YAML)
        p = self.server.cli("apply", "-f", path, "--dry-run")
        self.assertIn("+ queue orders (create)\n+ queue logs (create)\n", p.stdout)
        self.assertIn("Dry run", p.stdout)
        self.assertEqual(self.server.get("/v1/queues/orders").status, 404)

        p = self.server.cli("apply", "-f", path)
        self.assertIn("+ queue orders (create)", p.stdout)
        self.assertIn("Applied: 2 created, 0 updated, 0 unchanged.", p.stdout)
        orders = self.server.get("/v1/queues/orders").json
        self.assertEqual((orders["visibility_timeout"], orders["max_message_size"], orders["retention"]),
                         ("30s", 256 * 1024, "4d"))
        self.assertEqual(self.server.get("/v1/queues/logs").json["visibility_timeout"], "30s")

        p = self.server.cli("apply", "-f", path)
        self.assertIn("= queue orders (unchanged)\n= queue logs (unchanged)\n", p.stdout)
        self.assertIn("Nothing to change.", p.stdout)

        path = self.write(APP_YAML.replace("30s", "60s"))
        p = self.server.cli("apply", "-f", path, "--dry-run")
        self.assertIn("~ queue orders: visibility_timeout 30s → 1m", p.stdout)
        self.assertEqual(self.server.get("/v1/queues/orders").json["visibility_timeout"], "30s")
        p = self.server.cli("apply", "-f", path)
        self.assertIn("Applied: 0 created, 1 updated, 1 unchanged.", p.stdout)
        orders = self.server.get("/v1/queues/orders").json
        self.assertEqual((orders["visibility_timeout"], orders["max_message_size"], orders["retention"]),
                         ("1m", 256 * 1024, "4d"))

    def test_apply_from_stdin_keeps_unmentioned_fields(self):
        self.server.cli("queue", "create", "q-keep", "--retention", "7d")
        p = self.server.cli("apply", "-f", "-", input="queues:\n  q-keep:\n    visibility_timeout: 5m\n")
        self.assertIn("~ queue q-keep: visibility_timeout 30s → 5m", p.stdout)
        q = self.server.get("/v1/queues/q-keep").json
        self.assertEqual((q["visibility_timeout"], q["retention"]), ("5m", "7d"))

    def test_invalid_files_change_nothing(self):
        cases = [
            ("queues:\n  q-bad1: {}\ntopicz: {}\n", "app.yaml:3:1: unknown top-level key 'topicz'"),
            ("queues:\n  q-bad2:\n    visiblity_timeout: 30s\n",
             "app.yaml:3:5: queue 'q-bad2': unknown field 'visiblity_timeout'"),
            ("queues:\n  q-bad3:\n    retention: forever\n",
             "app.yaml:3:16: queue 'q-bad3': retention: invalid duration 'forever'"),
            ("queues:\n  q-bad4: {}\n  bad name: {}\n", "app.yaml:3:3: invalid queue name 'bad name'"),
            ("queues:\n  q-bad5: [\n", "app.yaml:3:1:"),
        ]
        for text, message in cases:
            path = self.write(text)
            p = self.server.cli("apply", "-f", path, check=False)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("error: " + message.replace("app.yaml", path), p.stderr)
            self.assertIn("nothing was applied", p.stderr)
            self.assertEqual(p.stdout, "")
        listed = [q["name"] for q in self.server.get("/v1/queues").json["queues"]]
        self.assertFalse([n for n in listed if n.startswith("q-bad")], listed)

    def test_missing_file(self):
        p = self.server.cli("apply", "-f", "/nonexistent/app.yaml", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("cannot open /nonexistent/app.yaml", p.stderr)

    def test_file_is_required(self):
        self.assertUsageError(self.server.cli("apply", check=False), "--file")


class TestServerAddress(unittest.TestCase, UsageAssertions):
    def test_server_down_is_a_clear_message(self):
        url = f"http://127.0.0.1:{free_port()}"
        p = run("--server", url, "queue", "list")
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(
            p.stderr.strip(),
            f"error: cannot reach sluice at {url}: connection refused — is `sluice serve` running?")

    def test_server_from_environment(self):
        url = f"http://127.0.0.1:{free_port()}"
        p = run("queue", "list", env={"SLUICE_SERVER": url})
        self.assertEqual(p.returncode, 1, p)
        self.assertIn(f"cannot reach sluice at {url}", p.stderr)

    def test_unsupported_url(self):
        self.assertUsageError(run("--server", "https://127.0.0.1:8080", "queue", "list"),
                              "only http:// is supported")
        self.assertUsageError(run("--server", "http://127.0.0.1:99999", "queue", "list"),
                              "invalid server URL")


if __name__ == "__main__":
    unittest.main()
