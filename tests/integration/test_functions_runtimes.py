"""Function runtime, end to end through the real binary: Python and Node handlers (values and
errors), a shell `provided` runtime, the http and webhook kinds, the CLI, and bad input."""
import json
import os
import subprocess
import tempfile
import unittest

from fn_support import (HTTP_SERVER, NODE_HANDLER, PY_HANDLER, SHELL_BOOTSTRAP, b64, deploy, invoke,
                        python_function, stats, tar_gz, zip_bytes)
from harness import SLUICE_BIN, ServerTest, wait_until


class TestPython(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        deploy(cls.server, "py", python_function(memory="128MiB", env={"VERSION": "7"}))

    def test_returns_value_with_lambda_context(self):
        r = invoke(self.server, "py", {"a": 1})
        self.assertEqual(r.status, 200, r)
        out = r.json
        self.assertEqual(out["echo"], {"a": 1})
        self.assertEqual(out["function_name"], "py")
        self.assertEqual(out["version"], "7")
        self.assertEqual(out["memory"], "128")
        self.assertTrue(out["remaining_ok"])
        self.assertEqual(out["request_id"], r.headers["Sluice-Invocation-Id"])

    def test_warm_instance_is_reused(self):
        a = invoke(self.server, "py", {}).json["pid"]
        b = invoke(self.server, "py", {})
        self.assertEqual(b.json["pid"], a)
        self.assertEqual(b.headers["Sluice-Cold-Start"], "false")

    def test_raise_is_a_function_error_in_lambda_shape(self):
        r = invoke(self.server, "py", {"fail": "boom"})
        self.assertApiError(r, 502, "FunctionError")
        err = r.json["error"]
        self.assertEqual(err["message"], "ValueError: bad thing: boom")
        self.assertEqual(err["details"]["errorType"], "ValueError")
        self.assertEqual(err["details"]["errorMessage"], "bad thing: boom")
        self.assertTrue(any("app.py" in line for line in err["details"]["stackTrace"]))
        # The instance survives a handler error.
        self.assertEqual(invoke(self.server, "py", {}).status, 200)

    def test_logs_carry_invocation_ids(self):
        r = invoke(self.server, "py", {"x": 1})
        inv = r.headers["Sluice-Invocation-Id"]
        logs = self.server.get("/v1/functions/py/logs?limit=50").json["lines"]
        self.assertTrue(any(l["invocation_id"] == inv and "hello" in l["text"] for l in logs), logs)

    def test_metrics(self):
        invoke(self.server, "py", {})
        text = self.server.get("/metrics").body
        self.assertIn('sluice_function_invocations_total{function="py"}', text)
        self.assertIn('sluice_function_duration_seconds_bucket{function="py",le="+Inf"}', text)
        self.assertIn('sluice_function_cold_starts_total{function="py"}', text)


class TestNode(ServerTest):
    def test_async_handler_value_and_error(self):
        deploy(self.server, "nd", {"runtime": "nodejs20.x", "handler": "index.handler",
                                   "code_base64": b64(zip_bytes({"index.js": NODE_HANDLER}))})
        r = invoke(self.server, "nd", {"n": 2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"echo": {"n": 2}, "fn": "nd", "left": True})
        r = invoke(self.server, "nd", {"fail": "z"})
        self.assertApiError(r, 502, "FunctionError")
        self.assertEqual(r.json["error"]["details"]["errorType"], "TypeError")
        self.assertEqual(r.json["error"]["details"]["errorMessage"], "node failure: z")


class TestProvidedAndHttp(ServerTest):
    def test_shell_provided_runtime(self):
        deploy(self.server, "sh", {"runtime": "provided", "handler": "none",
                                   "code_base64": b64(tar_gz({"bootstrap": (SHELL_BOOTSTRAP, 0o755)}))})
        r = invoke(self.server, "sh", {"s": 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"shell": True, "event": {"s": 1}})

    def test_http_kind(self):
        deploy(self.server, "web", {"kind": "http", "command": "python3 server.py", "concurrency": 4,
                                    "code_base64": b64(tar_gz({"server.py": HTTP_SERVER}))})
        r = invoke(self.server, "web", {"h": 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["got"], {"h": 1})
        self.assertEqual(r.json["id"], r.headers["Sluice-Invocation-Id"])
        r = invoke(self.server, "web", {"fail": True})
        self.assertApiError(r, 502, "FunctionError")
        self.assertEqual(r.json["error"]["details"]["errorType"], "HTTP500")

    def test_webhook_kind(self):
        import http.server
        import threading

        connections = []

        class Target(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: sluice reuses its connection

            def setup(self):
                super().setup()
                connections.append(self.client_address)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                got = json.loads(self.rfile.read(n))
                out = json.dumps({"got": got, "path": self.path,
                                  "function": self.headers.get("Sluice-Function")}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            deploy(self.server, "hook", {"kind": "webhook", "max_instances": 1,
                                         "url": f"http://127.0.0.1:{httpd.server_address[1]}/events"})
            for i in range(3):
                r = invoke(self.server, "hook", {"w": i})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json, {"got": {"w": i}, "path": "/events", "function": "hook"})
            # One pooled keep-alive connection served all three invocations.
            self.assertEqual(len(connections), 1, connections)
        finally:
            httpd.shutdown()

    def test_webhook_https_checks_the_certificate(self):
        import http.server
        import ssl
        import threading

        with tempfile.TemporaryDirectory() as d:
            key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                           check=True, capture_output=True)
            seen = []

            class Target(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    seen.append(self.path)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")

                def log_message(self, *a):
                    pass

            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            try:
                deploy(self.server, "secure-hook",
                       {"kind": "webhook", "url": f"https://localhost:{httpd.server_address[1]}/in"})
                r = invoke(self.server, "secure-hook", {})
                # A self-signed certificate is not trusted: the TLS handshake ran and was refused.
                self.assertApiError(r, 502, "FunctionError")
                self.assertEqual(r.json["error"]["details"]["errorType"], "ConnectionError")
                self.assertIn("tls_certificate_invalid", r.json["error"]["details"]["errorMessage"])
                self.assertEqual(seen, [])
            finally:
                httpd.shutdown()

    def test_webhook_url_must_be_http_or_https(self):
        for url in ("ftp://x/y", "http://", "https://user:pw@host/x", "not a url"):
            r = self.server.put("/v1/functions/bad-hook", {"kind": "webhook", "url": url})
            self.assertApiError(r, 400, "InvalidParameter")
            self.assertIn("url", r.json["error"]["message"])
        self.assertEqual(self.server.get("/v1/functions/bad-hook").status, 404)


class TestCli(ServerTest):
    def test_deploy_invoke_logs_stats_delete(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "app.py"), "w") as f:
                f.write(PY_HANDLER)
            p = self.server.cli("fn", "deploy", "resize", "--runtime", "python", "--handler", "app.handler",
                                "--code", d, "--idle-timeout", "30s")
            self.assertIn("created function resize", p.stdout)
        p = self.server.cli("fn", "invoke", "resize", '{"image":"a.jpg"}')
        self.assertEqual(json.loads(p.stdout)["echo"], {"image": "a.jpg"})
        p = self.server.cli("fn", "invoke", "resize", '{"fail":"no"}', check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("ValueError: bad thing: no (FunctionError)", p.stderr)
        p = self.server.cli("fn", "invoke", "resize", '{"image":"b.jpg"}', "--async")
        self.assertRegex(p.stdout.strip(), r"^[0-9a-f-]{36}$")
        p = self.server.cli("fn", "logs", "resize")
        self.assertIn("hello", p.stdout)
        p = self.server.cli("fn", "stats", "resize")
        self.assertIn("invocations", p.stdout)
        p = self.server.cli("fn", "list")
        self.assertIn("resize", p.stdout)
        self.server.cli("fn", "delete", "resize")
        self.assertEqual(self.server.get("/v1/functions/resize").status, 404)

    def test_apply_functions_section(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "code"))
            with open(os.path.join(d, "code", "app.py"), "w") as f:
                f.write(PY_HANDLER)
            with open(os.path.join(d, "app.yaml"), "w") as f:
                f.write("queues:\n  applied-failures: {}\nfunctions:\n  applied:\n    runtime: python\n"
                        "    handler: app.handler\n    code: ./code\n    env: {VERSION: '9'}\n"
                        "    max_instances: 3\n    on_failure: queue:applied-failures\n")
            p = self.server.cli("apply", "-f", os.path.join(d, "app.yaml"))
            self.assertIn("created function applied", p.stdout)
            p = self.server.cli("apply", "-f", os.path.join(d, "app.yaml"))
            self.assertIn("deployed function applied", p.stdout)
        f = self.server.get("/v1/functions/applied").json
        self.assertEqual(f["max_instances"], 3)
        self.assertEqual(f["on_failure"], "queue:applied-failures")
        self.assertEqual(invoke(self.server, "applied", {}).json["version"], "9")

    def test_deploy_zip_file(self):
        with tempfile.NamedTemporaryFile(suffix=".zip") as f:
            f.write(zip_bytes({"app.py": PY_HANDLER}))
            f.flush()
            self.server.cli("fn", "deploy", "zipped", "--runtime", "python", "--handler", "app.handler",
                            "--code", f.name)
        self.assertEqual(invoke(self.server, "zipped", {"z": 1}).json["echo"], {"z": 1})


class TestBadInput(ServerTest):
    def test_unknown_runtime(self):
        r = deploy(self.server, "bad", {"runtime": "cobol", "handler": "a.b",
                                        "code_base64": b64(tar_gz({"a.py": ""}))}, expect=None)
        self.assertApiError(r, 400, "InvalidParameter")
        self.assertIn("unknown runtime", r.json["error"]["message"])
        self.assertEqual(self.server.get("/v1/functions/bad").status, 404)

    def test_missing_handler_is_an_init_error(self):
        deploy(self.server, "nohandler", python_function(handler="app.nope"))
        r = invoke(self.server, "nohandler", {})
        self.assertApiError(r, 502, "FunctionInitError")
        self.assertIn("Handler 'nope' missing on module 'app'", r.json["error"]["message"])
        deploy(self.server, "nomodule", python_function(handler="missing.handler"))
        r = invoke(self.server, "nomodule", {})
        self.assertApiError(r, 502, "FunctionInitError")
        self.assertIn("Unable to import module 'missing'", r.json["error"]["message"])
        # Backing off: the next call fails fast with the same message.
        r = invoke(self.server, "nomodule", {})
        self.assertApiError(r, 502, "FunctionInitError")

    def test_corrupt_archive(self):
        r = deploy(self.server, "corrupt", python_function(code_base64=b64(b"PK\x03\x04 not really a zip")), expect=None)
        self.assertApiError(r, 400, "InvalidCode")

    def test_archive_too_large_unpacked(self):
        bomb = tar_gz({"big.bin": b"\0" * (300 << 20)})
        r = deploy(self.server, "bomb", python_function(code_base64=b64(bomb)), expect=None)
        self.assertApiError(r, 413, "CodeTooLarge")

    def test_paths_escaping_the_directory(self):
        import io, tarfile
        for name, member in [("dotdot", "../escaped.py"), ("absolute", "/tmp/sluice-escaped.py")]:
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz") as t:
                info = tarfile.TarInfo(member)
                info.size = 1
                t.addfile(info, io.BytesIO(b"x"))
            r = deploy(self.server, name, python_function(code_base64=b64(buf.getvalue())), expect=None)
            self.assertApiError(r, 400, "InvalidCode")
            self.assertIn("outside", r.json["error"]["message"])
        self.assertFalse(os.path.exists("/tmp/sluice-escaped.py"))
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "functions", "dotdot", "escaped.py")))
        buf = io.BytesIO()
        import tarfile as tf
        with tf.open(fileobj=buf, mode="w:gz") as t:
            info = tf.TarInfo("link")
            info.type = tf.SYMTYPE
            info.linkname = "../../../../etc"
            t.addfile(info)
        r = deploy(self.server, "symlink", python_function(code_base64=b64(buf.getvalue())), expect=None)
        self.assertApiError(r, 400, "InvalidCode")
        self.assertIn("symlink", r.json["error"]["message"])

    def test_payloads(self):
        deploy(self.server, "p", python_function())
        r = self.server.post("/v1/functions/p/invoke", "not json{", headers={"Content-Type": "application/json"})
        self.assertApiError(r, 400, "MalformedJson")
        big = json.dumps({"x": "a" * (6 * 1024 * 1024 + 10)})
        r = self.server.post("/v1/functions/p/invoke", big)
        self.assertApiError(r, 413, "RequestTooLarge")
        r = self.server.post("/v1/functions/missing/invoke", {})
        self.assertApiError(r, 404, "FunctionNotFound")

    def test_limits_out_of_range(self):
        for field, value in [("timeout", "0s"), ("timeout", "16m"), ("memory", "1KiB"), ("memory", "64GiB"),
                             ("max_instances", 0), ("min_instances", 5)]:
            r = deploy(self.server, "lim", python_function(**{field: value, "max_instances": 2} if field == "min_instances"
                                                           else {field: value}), expect=None)
            self.assertApiError(r, 400, "InvalidParameter")
        r = self.server.put("/v1/functions/bad*name", python_function())
        self.assertApiError(r, 400, "InvalidName")


if __name__ == "__main__":
    unittest.main()
