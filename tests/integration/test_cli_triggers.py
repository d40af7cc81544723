"""The trigger commands of the `sluice` binary against a real server (docs/cli.md, docs/api.md
"Triggers"): `trigger create/list/get/stats/enable/disable/delete` and the `triggers:` section of
`apply`, end to end with a deployed Python function, and bad input.

Exit codes: 0 success, 1 the server refused (its message and code on stderr), 2 a usage error
reported before any request.
"""
import json
import os
import shutil
import tempfile
import time
import unittest

from fn_support import b64, deploy, tar_gz
from harness import ServerTest, wait_until
from test_cli import UsageAssertions, run

# Writes one JSON line per invocation (what the function saw); fails on {"poison": true}.
HANDLER = r'''
import json, os
LOG = os.environ["LOG"]

def handler(event, context):
    recs = event["Records"]
    bodies = [json.loads(r["body"]) for r in recs]
    with open(LOG, "a") as f:
        f.write(json.dumps({"bodies": bodies, "source": recs[0]["eventSource"]}) + "\n")
    if any(b.get("poison") for b in bodies):
        raise ValueError("poison message")
    return {"ok": len(recs)}
'''

ISSUE_EXAMPLE = ["trigger", "create", "resize-on-upload", "--source", "queue:image-requests",
                 "--function", "resize", "--batch-size", "10", "--batch-window", "200ms",
                 "--max-concurrency", "20", "--max-attempts", "5", "--on-failure",
                 "queue:image-dlq"]


class TestHelp(unittest.TestCase):
    """Every trigger command documents itself, with examples."""

    def help(self, *args):
        p = run(*args, "--help")
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("Examples:", p.stdout, args)
        return p.stdout

    def test_top_level_lists_trigger(self):
        self.assertIn("trigger", run("--help").stdout)

    def test_trigger_help(self):
        out = self.help("trigger")
        for sub in ("create", "list", "get", "stats", "enable", "disable", "delete"):
            self.assertIn(sub, out)
        out = self.help("trigger", "create")
        for flag in ("--source", "--function", "--batch-size", "--batch-window",
                     "--max-batch-bytes", "--max-concurrency", "--max-attempts", "--backoff",
                     "--max-backoff", "--max-age", "--bisect", "--report-failures",
                     "--on-failure", "--filter", "--disabled", "--json",
                     "queue:NAME", "topic:TOPIC/SUBSCRIPTION", "batchItemFailures",
                     " ".join(ISSUE_EXAMPLE)):
            self.assertIn(flag, out)
        for sub in ("list", "get", "stats", "enable", "disable", "delete"):
            self.help("trigger", sub)

    def test_apply_help_shows_triggers(self):
        out = self.help("apply")
        for text in ("triggers:", "source: queue:image-requests", "max_concurrency",
                     "on_failure: queue:image-dlq", "triggers last"):
            self.assertIn(text, out)


class TriggerCliTest(ServerTest, UsageAssertions):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-cli-trig-")
        os.chmod(self.dir, 0o777)  # the function runs as another user and writes its log here
        self.log_path = os.path.join(self.dir, "calls.jsonl")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def function(self, name):
        deploy(self.server, name, {
            "runtime": "python3.11", "handler": "app.handler", "timeout": "10s",
            "max_instances": 4, "env": {"LOG": self.log_path},
            "code_base64": b64(tar_gz({"app.py": HANDLER}))})

    def calls(self):
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def seen(self):
        return [b for c in self.calls() for b in c["bodies"]]

    def send(self, queue, *bodies):
        for b in bodies:
            self.server.cli("send", queue, json.dumps(b))

    def cli_json(self, *args):
        return json.loads(self.server.cli(*args).stdout)

    def api(self, name):
        r = self.server.get(f"/v1/triggers/{name}")
        self.assertEqual(r.status, 200, r)
        return r.json

    def write(self, text, name="app.yaml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


class TestTriggerCommands(TriggerCliTest):
    def test_the_issues_example_end_to_end(self):
        s = self.server
        s.cli("queue", "create", "image-requests")
        s.cli("queue", "create", "image-dlq")
        self.function("resize")
        p = s.cli(*ISSUE_EXAMPLE)
        self.assertEqual(
            p.stdout, "created trigger resize-on-upload: queue:image-requests → function resize\n")
        t = self.api("resize-on-upload")
        self.assertEqual(
            {k: t[k] for k in ("source", "function", "enabled", "batch_size", "batch_window",
                               "max_concurrency", "max_attempts", "on_failure", "backoff",
                               "max_backoff", "max_record_age", "max_batch_bytes", "filter",
                               "bisect_on_error", "report_batch_item_failures")},
            {"source": "queue:image-requests", "function": "resize", "enabled": True,
             "batch_size": 10, "batch_window": "200ms", "max_concurrency": 20,
             "max_attempts": 5, "on_failure": "queue:image-dlq", "backoff": "1s",
             "max_backoff": "5m", "max_record_age": "0s", "max_batch_bytes": 6 << 20,
             "filter": None, "bisect_on_error": False, "report_batch_item_failures": False})

        # The same create again is fine; other settings are the server's 409.
        p = s.cli(*ISSUE_EXAMPLE)
        self.assertEqual(p.stdout, "trigger resize-on-upload already exists with this configuration\n")
        p = s.cli(*ISSUE_EXAMPLE[:-2], check=False)  # without --on-failure
        self.assertServerError(p, "TriggerAlreadyExists")
        self.assertIn("resize-on-upload", p.stderr)
        self.assertEqual(p.stdout, "")

        self.send("image-requests", *[{"n": i} for i in range(5)])
        wait_until(lambda: len(self.seen()) == 5, timeout=30, message="5 messages invoked")
        self.assertEqual(sorted(b["n"] for b in self.seen()), list(range(5)))
        wait_until(lambda: (self.api("resize-on-upload")["stats"]["succeeded"],
                            self.api("resize-on-upload")["stats"]["concurrency"]) == (5, 0),
                   timeout=10, message="acked, nothing running")

        out = s.cli("trigger", "stats", "resize-on-upload").stdout
        self.assertRegex(out, r"(?m)^trigger\s+resize-on-upload \(queue:image-requests → resize\)$")
        self.assertRegex(out, r"(?m)^state\s+running$")
        self.assertRegex(out, r"(?m)^running\s+0 of 20 \(peak [1-5]\)$")
        self.assertRegex(out, r"(?m)^backlog\s+0$")
        self.assertRegex(out, r"(?m)^messages\s+5$")
        self.assertRegex(out, r"(?m)^succeeded\s+5$")
        self.assertRegex(out, r"(?m)^errors\s+0$")
        self.assertRegex(out, r"(?m)^dead-lettered\s+0 \(to queue:image-dlq\)$")
        stats = self.cli_json("trigger", "stats", "resize-on-upload", "--json")["stats"]
        self.assertEqual((stats["succeeded"], stats["state"]), (5, "running"))

        out = s.cli("trigger", "get", "resize-on-upload").stdout
        for line in (r"source\s+queue:image-requests", r"function\s+resize",
                     r"batch\s+up to 10 messages or 6MiB, window 200ms",
                     r"max concurrency\s+20", r"max attempts\s+5", r"backoff\s+1s \(max 5m\)",
                     r"max record age\s+no limit", r"on failure\s+queue:image-dlq",
                     r"filter\s+none", r"created at\s+\d{4}-"):
            self.assertRegex(out, "(?m)^" + line, out)
        self.assertEqual(self.cli_json("trigger", "get", "resize-on-upload", "--json")["batch_size"], 10)

        out = s.cli("trigger", "list").stdout
        self.assertRegex(out, r"(?m)^NAME\s+SOURCE\s+FUNCTION\s+BACKLOG\s+OLDEST\s+RUNNING\s+ERRORS\s+STATE$")
        self.assertRegex(out, r"(?m)^resize-on-upload\s+queue:image-requests\s+resize\s+0\s+\S+\s+0/20\s+0\s+running$")
        listed = self.cli_json("trigger", "list", "--json")["triggers"]
        self.assertIn("resize-on-upload", [t["name"] for t in listed])

        p = s.cli("trigger", "delete", "resize-on-upload")
        self.assertEqual(p.stdout, "deleted trigger resize-on-upload\n")
        self.assertEqual(s.get("/v1/triggers/resize-on-upload").status, 404)
        self.assertEqual(s.get("/v1/queues/image-requests").status, 200)  # the source stays

    def test_disable_pauses_and_enable_resumes(self):
        s = self.server
        s.cli("queue", "create", "toggled")
        self.function("toggle-fn")
        s.cli("trigger", "create", "toggler", "--source", "queue:toggled", "--function",
              "toggle-fn", "--batch-size", "3", "--max-age", "1h", "--filter",
              '{"body":{"n":[{"numeric":[">=",0]}]}}')
        before = self.api("toggler")

        p = s.cli("trigger", "disable", "toggler")
        self.assertEqual(p.stdout, "disabled trigger toggler\n")
        after = self.api("toggler")
        self.assertFalse(after["enabled"])
        self.assertEqual(after["stats"]["state"], "disabled")
        # Everything else is kept (the PUT replaces the whole config).
        for k in before:
            if k not in ("enabled", "stats"):
                self.assertEqual(after[k], before[k], k)
        self.assertEqual(s.cli("trigger", "disable", "toggler").stdout,
                         "trigger toggler is already disabled\n")

        self.send("toggled", {"n": 1})
        # A disabled trigger does not receive at all (its loop waits on its state), so the message
        # is visible in the source right away and stays there.
        self.assertEqual(self.seen(), [])  # paused: the message waits in the source
        self.assertEqual(s.queue_stats("toggled")["visible"], 1)
        self.assertRegex(s.cli("trigger", "stats", "toggler").stdout, r"(?m)^backlog\s+1 \(oldest ")

        p = s.cli("trigger", "enable", "toggler")
        self.assertEqual(p.stdout, "enabled trigger toggler\n")
        wait_until(lambda: self.seen() == [{"n": 1}], timeout=30, message="invoked once enabled")
        self.assertTrue(self.api("toggler")["enabled"])
        self.assertEqual(s.cli("trigger", "enable", "toggler").stdout,
                         "trigger toggler is already enabled\n")

    def test_create_disabled(self):
        s = self.server
        s.cli("queue", "create", "quiet")
        self.function("quiet-fn")
        p = s.cli("trigger", "create", "quiet-t", "--source", "queue:quiet", "--function",
                  "quiet-fn", "--disabled")
        self.assertEqual(p.stdout, "created trigger quiet-t: queue:quiet → function quiet-fn (disabled)\n")
        self.assertEqual(self.api("quiet-t")["stats"]["state"], "disabled")

    def test_failures_go_to_the_on_failure_queue(self):
        s = self.server
        s.cli("queue", "create", "credits")
        s.cli("queue", "create", "credits-dlq")
        self.function("credit")
        s.cli("trigger", "create", "crediting", "--source", "queue:credits", "--function",
              "credit", "--batch-size", "1", "--max-attempts", "2", "--backoff", "100ms",
              "--max-backoff", "200ms", "--on-failure", "queue:credits-dlq", "--bisect")
        self.send("credits", {"poison": True})
        wait_until(lambda: s.queue_stats("credits-dlq")["visible"] == 1, timeout=30,
                   message="dead-lettered")
        wait_until(lambda: self.api("crediting")["stats"]["dead_lettered"] == 1, timeout=10,
                   message="counted")
        out = s.cli("trigger", "stats", "crediting").stdout
        self.assertRegex(out, r"(?m)^errors\s+2$")
        self.assertRegex(out, r"(?m)^retries\s+1$")
        self.assertRegex(out, r"(?m)^dead-lettered\s+1 \(to queue:credits-dlq\)$")
        self.assertEqual(len(self.calls()), 2)

    def test_topic_subscription_source_with_a_tag_filter(self):
        s = self.server
        s.cli("topic", "create", "tg-orders")
        s.cli("sub", "create", "tg-orders", "for-fn")
        s.cli("topic", "create", "tg-failures")
        self.function("tagger")
        p = s.cli("trigger", "create", "tagged", "--source", "topic:tg-orders/for-fn",
                  "--function", "tagger", "--filter", "TagA || TagB", "--on-failure",
                  "topic:tg-failures", "--report-failures")
        self.assertIn("created trigger tagged: topic:tg-orders/for-fn → function tagger", p.stdout)
        t = self.api("tagged")
        self.assertEqual((t["filter"], t["on_failure"], t["report_batch_item_failures"]),
                         ("TagA || TagB", "topic:tg-failures", True))
        s.cli("publish", "tg-orders", "--attr", "tag=TagA", '{"n":1}')
        s.cli("publish", "tg-orders", "--attr", "tag=TagC", '{"n":2}')
        wait_until(lambda: self.api("tagged")["stats"]["filtered"] == 1 and len(self.seen()) == 1,
                   timeout=30, message="one invoked, one filtered")
        self.assertEqual(self.seen(), [{"n": 1}])
        self.assertEqual(self.calls()[0]["source"], "sluice:topic")
        self.assertRegex(s.cli("trigger", "get", "tagged").stdout, r"(?m)^filter\s+tags: TagA \|\| TagB$")

    def test_server_refusals_are_exit_1_with_the_servers_message(self):
        s = self.server
        s.cli("queue", "create", "r-src")
        self.function("r-fn")
        for args, code, fragment in [
            (("--source", "queue:r-nope", "--function", "r-fn"), "SourceNotFound", "r-nope"),
            (("--source", "topic:r-nope/s", "--function", "r-fn"), "SourceNotFound", "r-nope"),
            (("--source", "queue:r-src", "--function", "r-nofn"), "FunctionNotFound", "r-nofn"),
            (("--source", "queue:r-src", "--function", "r-fn", "--on-failure", "queue:r-nodlq"),
             "InvalidOnFailure", "r-nodlq"),
            (("--source", "queue:r-src", "--function", "r-fn", "--filter", "TagA ||"),
             "InvalidParameter", "filter"),
        ]:
            p = s.cli("trigger", "create", "r-t", *args, check=False)
            self.assertServerError(p, code)
            self.assertIn(fragment, p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertEqual(s.get("/v1/triggers/r-t").status, 404)
        for sub in ("get", "stats", "enable", "disable", "delete"):
            p = s.cli("trigger", sub, "r-t", check=False)
            self.assertServerError(p, "TriggerNotFound")
            self.assertIn("r-t", p.stderr)
            self.assertEqual(p.stdout, "")

    def test_usage_errors_exit_2_before_any_request(self):
        create = ["trigger", "create", "u-t", "--source", "queue:u-q", "--function", "f"]
        for args, fragment in [
            (("trigger",), "subcommand"),
            (("trigger", "create", "u-t", "--function", "f"), "--source"),
            (("trigger", "create", "u-t", "--source", "queue:q"), "--function"),
            (("trigger", "create", "bad name", "--source", "queue:q", "--function", "f"),
             "invalid name"),
            (("trigger", "create", "u-t", "--source", "u-q", "--function", "f"),
             "expected queue:NAME or topic:TOPIC/SUBSCRIPTION"),
            (("trigger", "create", "u-t", "--source", "topic:orders", "--function", "f"),
             "topic:TOPIC/SUBSCRIPTION"),
            (create + ["--batch-size", "0"], "--batch-size"),
            (create + ["--batch-size", "10001"], "--batch-size"),
            (create + ["--batch-window", "10m"], "out of range (0s to 5m)"),
            (create + ["--max-batch-bytes", "7MiB"], "out of range (1B to 6MiB)"),
            (create + ["--max-concurrency", "1001"], "--max-concurrency"),
            (create + ["--max-attempts", "0"], "--max-attempts"),
            (create + ["--max-age", "15d"], "out of range"),
            (create + ["--backoff", "soon"], "invalid duration"),
            (create + ["--backoff", "10s", "--max-backoff", "1s"], "must not be below --backoff"),
            (create + ["--on-failure", "u-dlq"], "expected queue:NAME or topic:TOPIC"),
            (create + ["--on-failure", "queue:u-q"], "must not be the source"),
            (create + ["--filter", "{oops"], "not valid JSON"),
            (("trigger", "get"), "NAME"),
            (("trigger", "enable", "a/b"), "invalid name"),
            (("trigger", "frobnicate"), "subcommand"),
        ]:
            p = self.server.cli(*args, check=False)
            self.assertUsageError(p, fragment)
            self.assertEqual(p.returncode, 2, p)
        self.assertEqual(self.server.get("/v1/triggers/u-t").status, 404)

    def test_server_down_is_exit_1(self):
        p = run("--server", "http://127.0.0.1:1", "trigger", "list")
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("cannot reach sluice", p.stderr)


APPLY_YAML = """\
queues:
  ap-uploads: {}
  ap-dlq: {}
topics:
  ap-orders:
    subscriptions:
      to-fn: {}
functions:
  ap-fn:
    runtime: python3.11
    handler: app.handler
    code: ./code
    env: {LOG: LOGPATH}
    timeout: 10s
triggers:
  ap-resize:
    source: queue:ap-uploads
    function: ap-fn
    batch_size: 10
    batch_window: 200ms
    max_concurrency: 20
    max_attempts: 5
    on_failure: queue:ap-dlq
  ap-orders-t:
    description: reacts to big orders
    source: topic:ap-orders/to-fn
    function: ap-fn
    enabled: false
    filter: {body: {total: [{numeric: [">", 100]}]}}
    bisect_on_error: true
"""


class TestApplyTriggers(TriggerCliTest):
    def app_file(self, text):
        code = os.path.join(self.dir, "code")
        os.makedirs(code, exist_ok=True)
        with open(os.path.join(code, "app.py"), "w") as f:
            f.write(HANDLER)
        return self.write(text.replace("LOGPATH", self.log_path))

    def test_dry_run_apply_update_and_idempotent(self):
        s = self.server
        path = self.app_file(APPLY_YAML)
        p = s.cli("apply", "-f", path, "--dry-run")
        self.assertEqual(p.stdout.splitlines(), [
            "+ queue ap-uploads (create)",
            "+ queue ap-dlq (create)",
            "+ topic ap-orders (create)",
            "+ subscription ap-orders/to-fn (create)",
            "* function ap-fn (deploy: unchanged code and settings are kept)",
            "+ trigger ap-resize (create)",
            "+ trigger ap-orders-t (create)",
            "Plan: 6 to create, 0 to update, 0 unchanged.",
            "Dry run: nothing was changed.",
        ])
        self.assertEqual(s.get("/v1/triggers/ap-resize").status, 404)

        # One file: the queues, topic and function exist before the triggers are sent.
        p = s.cli("apply", "-f", path, timeout=180)
        self.assertIn("Applied: 6 created, 0 updated, 0 unchanged.", p.stdout)
        t = self.api("ap-resize")
        self.assertEqual(
            (t["source"], t["function"], t["batch_size"], t["batch_window"],
             t["max_concurrency"], t["max_attempts"], t["on_failure"], t["enabled"]),
            ("queue:ap-uploads", "ap-fn", 10, "200ms", 20, 5, "queue:ap-dlq", True))
        o = self.api("ap-orders-t")
        self.assertEqual(
            (o["source"], o["enabled"], o["bisect_on_error"], o["filter"], o["stats"]["state"]),
            ("topic:ap-orders/to-fn", False, True,
             {"body": {"total": [{"numeric": [">", 100]}]}}, "disabled"))
        self.send("ap-uploads", {"n": 7})
        wait_until(lambda: self.seen() == [{"n": 7}], timeout=60, message="applied trigger runs")

        p = s.cli("apply", "-f", path, timeout=180)
        self.assertIn("= trigger ap-resize (unchanged)", p.stdout)
        self.assertIn("= trigger ap-orders-t (unchanged)", p.stdout)
        self.assertIn("Applied: 0 created, 0 updated, 6 unchanged.", p.stdout)

        changed = self.app_file(APPLY_YAML.replace("batch_size: 10", "batch_size: 25")
                                .replace("enabled: false", "enabled: true")
                                .replace("on_failure: queue:ap-dlq", "on_failure: ~"))
        p = s.cli("apply", "-f", changed, "--dry-run")
        self.assertIn("~ trigger ap-resize: batch_size 10 → 25, on_failure queue:ap-dlq → none",
                      p.stdout)
        self.assertIn("~ trigger ap-orders-t: enabled false → true", p.stdout)
        self.assertEqual(self.api("ap-resize")["batch_size"], 10)
        p = s.cli("apply", "-f", changed, timeout=180)
        self.assertIn("Applied: 0 created, 2 updated, 4 unchanged.", p.stdout)
        t = self.api("ap-resize")
        # Fields the file leaves out keep their values (the server's PUT replaces the config).
        self.assertEqual(
            (t["batch_size"], t["on_failure"], t["batch_window"], t["max_concurrency"],
             t["max_attempts"]),
            (25, None, "200ms", 20, 5))
        self.assertEqual(self.api("ap-orders-t")["stats"]["state"], "running")

    def test_invalid_files_say_where_and_apply_nothing(self):
        cases = [
            ("triggers:\n  ap-bad1:\n    source: queue:q\n    function: f\n    batchsize: 5\n",
             "app.yaml:5:5: trigger 'ap-bad1': unknown field 'batchsize'"),
            ("triggers:\n  ap-bad2:\n    source: image-requests\n    function: f\n",
             "app.yaml:3:13: trigger 'ap-bad2': source: 'image-requests': expected queue:NAME or "
             "topic:TOPIC/SUBSCRIPTION"),
            ("triggers:\n  ap-bad3: {function: f}\n",
             "app.yaml:2:3: trigger 'ap-bad3': 'source' and 'function' are required (missing: "
             "source)"),
            ("triggers:\n  ap-bad4: {source: 'queue:q', function: f, max_concurrency: 0}\n",
             "app.yaml:2:62: trigger 'ap-bad4': max_concurrency: 0 is out of range (1 to 1000)"),
            ("triggers:\n  ap-bad5: {source: 'queue:q', function: f, backoff: 10m}\n",
             "app.yaml:2:54: trigger 'ap-bad5': max_backoff 5m (the default) must not be below "
             "backoff 10m"),
            ("queues:\n  ap-bad-q: {}\ntrigger:\n  x: {}\n",
             "app.yaml:3:1: unknown top-level key 'trigger' (supported: queues, topics, "
             "functions, triggers, buses, schedules) (did you mean 'triggers'?)"),
        ]
        for text, error in cases:
            path = self.write(text)
            p = self.server.cli("apply", "-f", path, check=False)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("error: " + error.replace("app.yaml", path), p.stderr)
            self.assertIn("nothing was applied", p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertEqual(self.server.get("/v1/queues/ap-bad-q").status, 404)
        names = [t["name"] for t in self.server.get("/v1/triggers").json["triggers"]]
        self.assertFalse([n for n in names if n.startswith("ap-bad")], names)

    def test_a_refused_trigger_stops_with_the_servers_error(self):
        s = self.server
        path = self.write("queues:\n  ap-ref: {}\ntriggers:\n"
                          "  ap-ref-t: {source: 'queue:ap-ref', function: ap-missing}\n")
        p = s.cli("apply", "-f", path, check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("error: trigger ap-ref-t was not applied", p.stderr)
        self.assertRegex(p.stderr, r"(?m)^error: .*ap-missing.* \(FunctionNotFound\)$")
        self.assertEqual(s.get("/v1/queues/ap-ref").status, 200)  # what came before stays


if __name__ == "__main__":
    unittest.main()
