"""Secure-by-default start-up, API keys, /healthz, /metrics, and the serve/config commands'
settings and flags, against the real binary.
"""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

from harness import SLUICE_BIN, Client, Server, ServerTest, free_port

KEY = "s3cret-key-0123456789"

# Every setting, as `serve --help` names its flag (the settings table of `sluice config show`).
SETTINGS = ["data_dir", "listen", "shards", "idle_poll_us", "durability", "sync_interval", "api_key",
            "max_request_size", "header_timeout", "body_timeout", "idle_timeout",
            "max_connections", "max_in_flight", "log_level", "retention_sweep_interval"]


def run(*args, env=None, timeout=30):
    """Runs the binary to completion; a server that should have refused to start but did not
    is killed by the timeout (TimeoutExpired fails the test)."""
    return subprocess.run([SLUICE_BIN] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env)


def parse_metrics(text):
    """{'name{labels}': value} of every sample line, and {name: type} of the TYPE lines."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            samples[key] = float(value)
    return samples, types


def remove_log(data_dir):
    """Server(data_dir=...) leaves its log beside the dir it did not create."""
    try:
        os.unlink(data_dir.rstrip("/") + ".log")
    except OSError:
        pass


class TestSecureByDefault(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-it-auth-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.addCleanup(remove_log, self.dir)

    def test_listening_off_loopback_without_an_api_key_is_refused(self):
        for host in ("0.0.0.0", "[::]"):
            with self.subTest(host):
                p = run("serve", "--data-dir", self.dir, "--listen", f"{host}:{free_port()}")
                self.assertNotEqual(p.returncode, 0, p)
                self.assertRegex(p.stdout + p.stderr, r"(?i)api[ _-]?key", p)

    def test_listening_off_loopback_with_an_api_key_starts_and_requires_it(self):
        server = Server(data_dir=self.dir, host="0.0.0.0", args=["--api-key", KEY])
        server.start()
        self.addCleanup(server.stop)
        self.assertEqual(server.get("/healthz").status, 200)
        self.assertEqual(server.get("/v1/queues").status, 401)
        self.assertEqual(
            server.get("/v1/queues", headers={"Authorization": f"Bearer {KEY}"}).status, 200)

    def test_api_key_from_the_environment(self):
        env = {"SLUICE_API_KEY": KEY}
        server = Server(data_dir=self.dir, host="0.0.0.0", env=env)
        server.start()
        self.addCleanup(server.stop)
        self.assertEqual(server.get("/v1/queues").status, 401)
        self.assertEqual(server.get("/v1/queues", headers={"X-Api-Key": KEY}).status, 200)


class TestApiKey(ServerTest):
    server_args = ("--api-key", KEY)

    def setUp(self):
        bearer = {"Authorization": f"Bearer {KEY}"}
        if self.server.get("/v1/queues/auth", headers=bearer).status == 404:
            self.assertEqual(self.server.post("/v1/queues", {"name": "auth"}, headers=bearer).status,
                             201)

    def stats(self):
        st = self.server.get("/v1/queues/auth", headers={"X-Api-Key": KEY}).json["stats"]
        st.pop("oldest_age_ms")  # changes with time
        return st

    def test_requests_without_a_valid_key_are_401(self):
        wrong = [
            ("no key", {}),
            ("wrong bearer", {"Authorization": "Bearer nope"}),
            ("bearer with a suffix", {"Authorization": f"Bearer {KEY}x"}),
            ("bearer prefix of the key", {"Authorization": f"Bearer {KEY[:-1]}"}),
            ("empty bearer", {"Authorization": "Bearer "}),
            ("basic scheme", {"Authorization": f"Basic {KEY}"}),
            ("key without a scheme", {"Authorization": KEY}),
            ("wrong X-Api-Key", {"X-Api-Key": "nope"}),
            ("empty X-Api-Key", {"X-Api-Key": ""}),
        ]
        requests = [
            ("GET", "/v1/queues", None),
            ("POST", "/v1/queues", {"name": "sneaky"}),
            ("PUT", "/v1/queues/sneaky", {}),
            ("GET", "/v1/queues/auth", None),
            ("DELETE", "/v1/queues/auth", None),
            ("POST", "/v1/queues/auth/messages", "sneaky message"),
            ("POST", "/v1/queues/auth/messages/batch", {"messages": [{"body": "x"}]}),
            ("POST", "/v1/queues/auth/receive", {}),
            ("POST", "/v1/queues/auth/ack", {"receipts": ["x"]}),
            ("GET", "/metrics", None),
            ("GET", "/v1/nope", None),
        ]
        self.assertEqual(self.server.post("/v1/queues/auth/messages", "kept",
                                          headers={"X-Api-Key": KEY}).status, 201)
        before = self.stats()
        for label, headers in wrong:
            for method, path, body in requests:
                with self.subTest(label, method=method, path=path):
                    r = self.server.request(method, path, body=body, headers=headers)
                    self.assertApiError(r, 401, "Unauthorized")
        self.assertEqual(self.stats(), before)
        r = self.server.get("/v1/queues", headers={"X-Api-Key": KEY})
        self.assertEqual([q["name"] for q in r.json["queues"]], ["auth"])

    def test_bearer_key_is_accepted(self):
        h = {"Authorization": f"Bearer {KEY}"}
        r = self.server.post("/v1/queues/auth/messages", "via bearer", headers=h)
        self.assertEqual(r.status, 201, r)
        r = self.server.post("/v1/queues/auth/receive", {}, headers=h)
        self.assertEqual(r.status, 200, r)
        [m] = r.json["messages"]
        r = self.server.post("/v1/queues/auth/ack", {"receipts": [m["receipt"]]}, headers=h)
        self.assertEqual(r.json["results"], [{"ok": True}])
        self.assertEqual(self.server.get("/metrics", headers=h).status, 200)

    def test_x_api_key_is_accepted(self):
        h = {"X-Api-Key": KEY}
        r = self.server.post("/v1/queues/auth/messages", "via x-api-key", headers=h)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.server.get("/v1/queues", headers=h).status, 200)
        with self.server.client() as c:
            c.default_headers = h
            self.assertEqual(c.receive("auth").status, 200)

    def test_healthz_needs_no_key(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok"})
        self.assertEqual(self.server.get("/healthz", headers={"Authorization": "Bearer nope"}).status,
                         200)

    def test_healthz_prefix_does_not_open_other_paths(self):
        for path in ("/healthzz", "/healthz/../v1/queues", "/healthz/x"):
            with self.subTest(path):
                r = self.server.get(path)
                self.assertIn(r.status, (401, 404), r)
                self.assertNotIn("queues", r.json or {}, r)


class TestMetrics(ServerTest):
    def metrics(self):
        r = self.server.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/plain"), r.headers)
        return parse_metrics(r.body)

    def test_metrics_after_publish_receive_ack(self):
        s = self.server
        self.assertEqual(s.create_queue("metered").status, 201)
        self.assertEqual(s.create_queue("quiet").status, 201)
        for i in range(3):
            self.assertEqual(s.publish("metered", f"m{i}").status, 201)
        r = s.publish_batch("metered", [{"body": f"b{i}"} for i in range(10)])
        self.assertEqual(r.status, 201)
        got = s.receive("metered", max_messages=4).json["messages"]
        self.assertEqual(len(got), 4)
        self.assertEqual(s.ack("metered", [got[0]["receipt"]]).json["results"], [{"ok": True}])

        samples, types = self.metrics()
        self.assertEqual(samples['sluice_http_requests_total{route="POST /v1/queues/{name}/messages",code="201"}'], 3)
        self.assertEqual(samples['sluice_http_requests_total{route="POST /v1/queues/{name}/messages/batch",code="201"}'], 1)
        self.assertEqual(samples['sluice_http_requests_total{route="POST /v1/queues",code="201"}'], 2)
        self.assertEqual(types.get("sluice_http_requests_total"), "counter")
        self.assertEqual(samples["sluice_messages_published_total"], 13)
        self.assertEqual(samples["sluice_messages_delivered_total"], 4)
        self.assertEqual(samples["sluice_messages_acked_total"], 1)
        self.assertEqual(samples['sluice_queue_visible{queue="metered"}'], 9)
        self.assertEqual(samples['sluice_queue_in_flight{queue="metered"}'], 3)
        self.assertEqual(samples['sluice_queue_visible{queue="quiet"}'], 0)
        self.assertGreaterEqual(samples['sluice_queue_oldest_age_seconds{queue="metered"}'], 0)
        self.assertEqual(samples['sluice_queue_oldest_age_seconds{queue="quiet"}'], 0)
        # The 13 messages sit in the storage engine's memtables; its block cache is bounded.
        self.assertGreater(samples["sluice_storage_memtable_bytes"], 13 * 2)
        self.assertGreaterEqual(samples["sluice_storage_block_cache_bytes"], 0)
        self.assertLessEqual(samples["sluice_storage_block_cache_bytes"], 32 << 20)
        for name, kind in (("sluice_messages_published_total", "counter"),
                           ("sluice_queue_visible", "gauge"), ("sluice_queue_in_flight", "gauge"),
                           ("sluice_queue_oldest_age_seconds", "gauge"),
                           ("sluice_storage_memtable_bytes", "gauge"),
                           ("sluice_storage_block_cache_bytes", "gauge")):
            self.assertEqual(types.get(name), kind, name)

        # Gauges follow the queue; a deleted queue leaves no series behind.
        self.assertEqual(s.delete("/v1/queues/quiet").status, 204)
        samples, _ = self.metrics()
        self.assertNotIn('sluice_queue_visible{queue="quiet"}', samples)

    def request_durations(self, route):
        """The duration histogram of one route: sorted (bound, cumulative count), count, sum."""
        samples, types = self.metrics()
        name = "sluice_http_request_duration_seconds"
        self.assertEqual(types.get(name), "histogram")
        buckets = []
        for key, value in samples.items():
            m = re.fullmatch(name + r'_bucket\{route="([^"]+)",le="([^"]+)"\}', key)
            if m and m.group(1) == route:
                buckets.append((float(m.group(2)), value))
        buckets.sort()
        label = '{route="%s"}' % route
        return buckets, samples.get(name + "_count" + label), samples.get(name + "_sum" + label)

    def test_request_duration_histogram_per_route(self):
        before, count_before, _ = self.request_durations("GET /healthz")
        for _ in range(5):
            self.assertEqual(self.server.get("/healthz").status, 200)
        self.assertEqual(self.server.get("/no/such/endpoint").status, 404)
        buckets, count, total = self.request_durations("GET /healthz")
        self.assertGreaterEqual(len(buckets), 5, buckets)
        self.assertEqual(buckets[0][0], 0.000025, "the first bound resolves a fast request")
        self.assertEqual(buckets[-1][0], float("inf"))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "buckets must be cumulative")
        self.assertEqual(buckets[-1][1], count)
        self.assertEqual(count - (count_before or 0), 5)
        self.assertGreater(total, 0)
        # A route's requests land in its own series only.
        unmatched, unmatched_count, _ = self.request_durations("unmatched")
        self.assertGreaterEqual(unmatched_count, 1)
        self.assertEqual(unmatched[-1][1], unmatched_count)
        created, created_count, _ = self.request_durations("DELETE /v1/schedules/{name}")
        self.assertIsNone(created_count, "a route never called has no series")
        self.assertEqual(created, [])

    def test_metrics_exposition_is_well_formed(self):
        r = self.server.get("/metrics")
        line_re = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"'
                             r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? [-+]?[0-9.eE+-]+$')
        for line in r.body.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, line_re)


class TestIdlePoll(ServerTest):
    """Shards that keep polling after their work (--idle-poll-us) still serve everything a
    sleeping shard does: requests on both shards, a long poll woken by a publish on another
    connection, a long poll that ends on its timer; and the server stops cleanly."""
    server_args = ("--idle-poll-us", "100000", "--shards", "2")

    def test_requests_long_polls_and_timers_on_polling_shards(self):
        s = self.server
        names = [f"poll{i}" for i in range(8)]  # spread over both shards
        for name in names:
            self.assertEqual(s.create_queue(name).status, 201)
            self.assertEqual(s.publish(name, f"to {name}").status, 201)
        for name in names:
            got = s.receive(name, max_messages=1).json["messages"]
            self.assertEqual([m["body"] for m in got], [f"to {name}"])
            self.assertEqual(s.ack(name, [got[0]["receipt"]]).json["results"], [{"ok": True}])

        answers = {}

        def long_poll():
            with Client(s.port) as c:
                answers["r"] = c.post("/v1/queues/poll0/receive", {"max_messages": 1, "wait": "20s"})

        t = threading.Thread(target=long_poll)
        t.start()
        # The publish wakes the poll whether it is already parked or arrives after the message.
        self.assertEqual(s.publish("poll0", "wake up").status, 201)
        t.join(60)
        self.assertFalse(t.is_alive())
        self.assertEqual([m["body"] for m in answers["r"].json["messages"]], ["wake up"])

        r = s.receive("poll1", max_messages=1, wait="200ms")  # nothing comes: the timer ends it
        self.assertEqual((r.status, r.json["messages"]), (200, []))

    def test_auto_is_the_default_and_polls_without_fsync_unless_there_is_a_cpu_quota(self):
        for args, env, expected in [
            ((), {}, 0),  # fsync durability: each publish waits for the disk anyway
            (("--durability", "interval"), {}, None),
            (("--durability", "none", "--idle-poll-us", "auto"), {}, None),
            (("--durability", "interval"), {"SLUICE_IDLE_POLL_US": "0"}, 0),
            (("--idle-poll-us", "250"), {"SLUICE_IDLE_POLL_US": "0"}, 250),
        ]:
            with self.subTest(args=args, env=env):
                server = Server(args=args, env=env).start()
                try:
                    self.assertEqual(server.create_queue("q").status, 201)
                    log = server.log()
                    window = int(re.search(r"idle poll (\d+) µs", log).group(1))
                    if expected is not None:
                        self.assertEqual(window, expected)
                    elif "has a CPU quota" in log:  # auto on a machine with a CPU limit
                        self.assertEqual(window, 0)
                    else:
                        self.assertEqual(window, 400)
                    self.assertEqual(server.stop(), 0)
                finally:
                    server.cleanup()

    def test_stops_cleanly(self):
        server = Server(args=("--idle-poll-us", "100000", "--shards", "2")).start()
        try:
            self.assertEqual(server.create_queue("q").status, 201)
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


class TestCommands(unittest.TestCase):
    def test_serve_help_lists_every_flag(self):
        p = run("serve", "--help")
        self.assertEqual(p.returncode, 0, p)
        for setting in SETTINGS:
            flag = "--" + setting.replace("_", "-")
            self.assertIn(flag, p.stdout, flag)
        self.assertIn("--config", p.stdout)
        flags = set(re.findall(r"^\s+(?:-\w,)?(--[a-z-]+)", p.stdout, re.M)) - {"--help", "--config"}
        self.assertEqual(flags, {"--" + s.replace("_", "-") for s in SETTINGS})

    def test_config_show_defaults_lists_every_setting(self):
        p = run("config", "show", "--defaults")
        self.assertEqual(p.returncode, 0, p)
        values = dict(line.split(":", 1) for line in p.stdout.splitlines()
                      if line and not line.startswith("#"))
        values = {k.strip(): v.strip() for k, v in values.items()}
        self.assertEqual(set(values), set(SETTINGS))
        self.assertEqual(values["durability"], "fsync")
        self.assertEqual(values["listen"], "127.0.0.1:8080")
        self.assertEqual(values["header_timeout"], "10s")
        self.assertEqual(values["max_request_size"], str(20 * 1024 * 1024))
        self.assertEqual(values["api_key"], "")
        # Each setting is documented, with its environment variable and flag.
        for setting in SETTINGS:
            self.assertRegex(p.stdout, rf"env SLUICE_{setting.upper()}, flag --{setting.replace('_', '-')}")

    def test_config_show_applies_env_and_flags_but_defaults_ignores_them(self):
        env = {"SLUICE_DURABILITY": "interval", "PATH": "/usr/bin:/bin"}
        p = run("config", "show", "--header-timeout", "3s", env=env)
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex(p.stdout, r"(?m)^durability: interval$")
        self.assertRegex(p.stdout, r"(?m)^header_timeout: 3s$")
        p = run("config", "show", "--defaults", env=env)
        self.assertRegex(p.stdout, r"(?m)^durability: fsync$")

    def test_bad_flag_values_exit_non_zero_with_a_clear_message(self):
        d = tempfile.mkdtemp(prefix="sluice-it-flags-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        cases = [
            (["--durability", "sometimes"], "durability", "sometimes"),
            (["--header-timeout", "soon"], "header-timeout", "soon"),
            (["--max-request-size", "lots"], "max-request-size", "lots"),
            (["--listen", "nonsense"], "listen", "nonsense"),
            (["--shards", "-1"], "shards", "-1"),
            (["--idle-poll-us", "-5"], "idle-poll-us", "-5"),
            (["--idle-poll-us", "100001"], "idle-poll-us", "100001"),
            (["--idle-poll-us", "400us"], "idle-poll-us", "400us"),
            (["--max-in-flight", "0"], "max-in-flight", "0"),
            (["--max-in-flight", "many"], "max-in-flight", "many"),
            (["--log-level", "loud"], "log level", "loud"),
            (["--no-such-flag", "1"], "--no-such-flag", ""),
        ]
        for args, mentions, value in cases:
            with self.subTest(args):
                port_args = [] if "--listen" in args else ["--listen", f"127.0.0.1:{free_port()}"]
                p = run("serve", "--data-dir", d, *port_args, *args)
                self.assertNotEqual(p.returncode, 0, p)
                out = p.stdout + p.stderr
                self.assertIn(mentions, out)
                self.assertIn(value, out)

    def test_bad_value_in_the_environment_exits_non_zero(self):
        d = tempfile.mkdtemp(prefix="sluice-it-flags-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        env = {"SLUICE_DURABILITY": "sometimes", "PATH": "/usr/bin:/bin"}
        p = run("serve", "--data-dir", d, "--listen", f"127.0.0.1:{free_port()}", env=env)
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("sometimes", p.stdout + p.stderr)

    def test_data_dir_that_is_a_file_exits_non_zero(self):
        with tempfile.NamedTemporaryFile(prefix="sluice-it-file-") as f:
            p = run("serve", "--data-dir", f.name, "--listen", f"127.0.0.1:{free_port()}")
            self.assertNotEqual(p.returncode, 0, p)
            self.assertIn(f.name, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
