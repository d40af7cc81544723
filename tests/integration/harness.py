"""Shared integration-test support: start the real `sluice` binary on 127.0.0.1 with a random port
and a temp data dir, talk HTTP to it, stop it by PID. Standard library only.

Environment: SLUICE_BIN (path to the binary; default build/src/app/sluice relative to the repo).
"""
import json
import os
import select
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


def read_http_response(sock):
    """Reads one HTTP/1.x response from a socket (Content-Length framed, or to EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a full response header: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip()] = v.strip()
    length = next((int(v) for k, v in headers.items() if k.lower() == "content-length"), None)
    while length is None or len(rest) < length:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        rest += chunk
    if length is not None:
        rest = rest[:length]
    return Response(status, headers, rest.decode(errors="replace"))


class HttpMethods:
    """HTTP helpers over one keep-alive connection (self._conn) to 127.0.0.1:self.port.

    `default_headers` (e.g. an API key) are sent with every request unless overridden.
    """
    _conn = None
    default_headers = None

    def _close_conn(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None, timeout=60):
        if self.default_headers:
            headers = {**self.default_headers, **(headers or {})}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            else:  # this request's timeout on the kept-alive connection
                self._conn.timeout = timeout
                if self._conn.sock is not None:
                    self._conn.sock.settimeout(timeout)
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
            except (OSError, http.client.HTTPException):
                self._close_conn()  # never reuse a connection left mid-request
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

    def raw_request(self, method, path, body=b"", headers=None, timeout=10, early_wait=0.5):
        """Sends one request on a new connection with `Connection: close` and reads the answer
        until the server closes. The headers go first; when the server answers before the body
        was sent (a 413 on Content-Length), the body is not sent. For requests the server may
        refuse at the HTTP layer, where http.client can fail on a reset before reading it."""
        headers = {**(self.default_headers or {}), **(headers or {})}
        headers.setdefault("Host", f"127.0.0.1:{self.port}")
        headers.setdefault("Content-Length", str(len(body)))
        headers.setdefault("Connection", "close")
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(head.encode("latin-1"))
            if body:
                ready, _, _ = select.select([sock], [], [], early_wait)
                if not ready:
                    try:
                        sock.sendall(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the server answered and closed while we were sending
            return read_http_response(sock)

    # --- queue API shortcuts (return Response; assert nothing) ---------------------------------
    def create_queue(self, name, **config):
        return self.post("/v1/queues", {"name": name, **config})

    def publish(self, queue, body, attributes=None, **kw):
        headers = {f"Sluice-Attr-{k}": v for k, v in (attributes or {}).items()}
        headers.update(kw.pop("headers", None) or {})
        return self.post(f"/v1/queues/{queue}/messages", body=body, headers=headers, **kw)

    def publish_batch(self, queue, messages, **kw):
        return self.post(f"/v1/queues/{queue}/messages/batch", {"messages": messages}, **kw)

    def receive(self, queue, timeout=60, **options):
        return self.post(f"/v1/queues/{queue}/receive", options, timeout=timeout)

    def ack(self, queue, receipts, **kw):
        return self.post(f"/v1/queues/{queue}/ack", {"receipts": list(receipts)}, **kw)

    def queue_stats(self, queue):
        """The `stats` object of GET /v1/queues/{queue}; fails the caller if the GET does."""
        r = self.get(f"/v1/queues/{queue}")
        if r.status != 200:
            raise AssertionError(f"GET /v1/queues/{queue}: {r!r}")
        return r.json["stats"]


class Client(HttpMethods):
    """An extra connection to a server (e.g. one per thread: a connection is not thread-safe)."""

    def __init__(self, port, default_headers=None):
        self.port = port
        self.default_headers = dict(default_headers or {})

    def close(self):
        self._close_conn()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wait_until(predicate, timeout=10.0, interval=0.01, message="condition"):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` seconds pass
    (AssertionError). For waiting on a condition, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Server(HttpMethods):
    """One `sluice serve` process. Use as a context manager or call start()/stop()."""

    def __init__(self, data_dir=None, args=(), env=None, port=None, default_headers=None,
                 host="127.0.0.1"):
        self.default_headers = dict(default_headers or {})
        self.host = host  # what --listen binds; the tests always connect to 127.0.0.1
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="sluice-it-")
        self._own_port = port is None  # picked here: another may take it first (see start)
        self.port = port or free_port()
        self.args = list(args)
        self.env = env or {}
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "..", os.path.basename(self.data_dir) + ".log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20, check_accept=True):
        """Starts the server and waits until it answers. A port picked by free_port() can be
        taken by another process (a parallel test) before the server binds it: then the start
        is retried on a new port, a few times."""
        for attempt in range(5):
            try:
                return self._start_once(timeout, check_accept)
            except RuntimeError as e:
                if not (self._own_port and "Address already in use" in str(e)) or attempt == 4:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout, check_accept):
        env = dict(os.environ)
        env.update(self.env)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [SLUICE_BIN, "serve", "--data-dir", self.data_dir, "--listen", f"{self.host}:{self.port}"]
            + self.args,
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        try:
            return self._wait_healthy(timeout, check_accept)
        except BaseException:
            if self.proc.poll() is None:  # a failed start leaves no process behind
                self.proc.kill()
                self.proc.wait()
            self._close_conn()
            raise

    def _wait_healthy(self, timeout, check_accept):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sluice exited with {self.proc.returncode}: {self.log()}")
            try:
                if self.get("/healthz", timeout=5).status == 200:
                    if check_accept:
                        self.check_every_shard_accepts()
                    return self
            except OSError:
                pass
            time.sleep(0.02)  # waiting for the process to listen, not for correctness
        raise RuntimeError("sluice did not become healthy: " + self.log())

    def check_every_shard_accepts(self, connections=8, timeout=5.0):
        """Opens `connections` new connections at once and asks each for /healthz. Every shard
        has its own SO_REUSEPORT acceptor and the kernel spreads connections over them, so this
        finds a shard that never accepts (with 2 shards it misses one with probability 2^-7),
        which otherwise shows up as a random request hanging somewhere in a test."""
        socks = [socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
                 for _ in range(connections)]
        hung = 0
        try:
            for s in socks:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            deadline = time.monotonic() + timeout
            for s in socks:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    if not s.recv(64).startswith(b"HTTP/1.1 200"):
                        hung += 1
                except OSError:
                    hung += 1
        finally:
            for s in socks:
                s.close()
        if hung:
            listeners = subprocess.run(["ss", "-ltnp", f"sport = :{self.port}"],
                                       capture_output=True, text=True).stdout
            raise RuntimeError(
                f"SERVER BUG: {hung} of {connections} new connections got no answer within "
                f"{timeout}s right after start: a shard's acceptor is not accepting "
                f"(listen queues below; Recv-Q > 0 = never accepted)\n{listeners}\n{self.log()}")

    def answers(self, timeout=5):
        """True when the process runs and a new connection gets 200 from /healthz. When not,
        waits up to 2 s for the process to finish exiting, so its status can be reported."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                with self.client() as c:
                    if c.get("/healthz", timeout=timeout).status == 200:
                        return True
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                pass
        return False

    def metric(self, name, labels=""):
        """The value of one sample in /metrics (`name{labels}`), or None when absent."""
        r = self.get("/metrics")
        if r.status != 200:
            raise AssertionError(f"GET /metrics: {r!r}")
        key = f"{name}{{{labels}}}" if labels else name
        for line in r.body.splitlines():
            if line.startswith(key + " "):
                return float(line.split()[-1])
        return None

    def client(self):
        """A new connection (Client) with this server's default headers."""
        return Client(self.port, self.default_headers)

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
        self._close_log()

    def _close_log(self):
        log = getattr(self, "_log", None)
        if log is not None and self.proc is not None and self.proc.poll() is not None:
            log.close()
            self._log = None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self._close_conn()
        self._close_log()
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
    server_kwargs = {}  # more Server(...) arguments, e.g. host or default_headers

    @classmethod
    def setUpClass(cls):
        cls.server = Server(args=cls.server_args, **cls.server_kwargs).start()
        # Also when a subclass's setUpClass fails after this (then tearDownClass is not called):
        # that left a server running after its test file had ended. cleanup() twice is harmless.
        cls.addClassCleanup(cls.server.cleanup)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["error"]
        self.assertEqual(err["code"], code, resp)
        self.assertTrue(err["message"], resp)
        self.assertTrue(err["request_id"], resp)

    def assertApiError(self, resp, status, code):
        """assertError, plus the contract's body shape and the X-Request-Id header matching."""
        self.assertError(resp, status, code)
        err = resp.json["error"]
        self.assertIsInstance(err["message"], str, resp)
        self.assertEqual(resp.headers.get("X-Request-Id"), err["request_id"], resp)
        # boot tag (4 hex digits), shard (2), per-shard sequence (10)
        self.assertRegex(err["request_id"], r"^[0-9a-f]{16}$", resp)

    def assertServerAlive(self, context="", response=None):
        """Fails with the exit status and log when the server no longer answers."""
        if not self.server.answers():
            self.fail(f"SERVER DIED (exit {self.server.proc.returncode}) after {context}; "
                      f"its answer was {response!r}; log:\n{self.server.log()[-1500:]}")

    def make_queue(self, name, **config):
        """Creates a queue (201) on self.server and returns its JSON."""
        r = self.server.create_queue(name, **config)
        self.assertEqual(r.status, 201, r)
        return r.json
