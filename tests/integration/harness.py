"""Shared integration-test support: start the real `sluice` binary on 127.0.0.1 with a random port
and a temp data dir, talk HTTP to it, stop it by PID. Standard library only.

Environment: SLUICE_BIN (path to the binary; default build/src/app/sluice relative to the repo).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import http.client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLUICE_BIN = os.environ.get("SLUICE_BIN", os.path.join(REPO, "build", "src", "app", "sluice"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Server:
    """One `sluice serve` process. Use as a context manager or call start()/stop()."""

    def __init__(self, data_dir=None, args=(), env=None, port=None):
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="sluice-it-")
        self.port = port or free_port()
        self.args = list(args)
        self.env = env or {}
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "..", os.path.basename(self.data_dir) + ".log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        env = dict(os.environ)
        env.update(self.env)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [SLUICE_BIN, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"] + self.args,
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sluice exited with {self.proc.returncode}: {self.log()}")
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.02)  # waiting for the process to listen, not for correctness
        raise RuntimeError("sluice did not become healthy: " + self.log())

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_conn()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self._close_conn()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # --- HTTP ---------------------------------------------------------------------------------
    _conn = None

    def _close_conn(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None, timeout=60):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                r = self._conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self._close_conn()
                return Response(r.status, dict(r.getheaders()), data.decode(errors="replace"))
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._close_conn()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # --- CLI ------------------------------------------------------------------------------------
    def cli(self, *args, input=None, check=True, timeout=60):
        """Runs `sluice --server URL args…`; returns CompletedProcess with text stdout/stderr."""
        p = subprocess.run([SLUICE_BIN, "--server", self.url] + list(args), input=input,
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"sluice {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return p


class ServerTest(unittest.TestCase):
    """A test case with one fresh server per test class (self.server)."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["error"]
        self.assertEqual(err["code"], code, resp)
        self.assertTrue(err["message"], resp)
        self.assertTrue(err["request_id"], resp)
