"""A tiny client for the sluice HTTP API, standard library only, shared by the examples' drivers.

    api = Api(os.environ["SLUICE_URL"])
    api.post("/v1/queues", {"name": "jobs"})               # -> the decoded JSON answer
    api.publish_batch("jobs", [{"body": {"n": 1}}])
    api.trigger("resizer")["stats"]["backlog"]

Every call raises ApiError unless the answer is 2xx (`expect` widens that).
"""
import http.client
import json
import time
import urllib.parse


class ApiError(Exception):
    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path} -> {status} {body[:500]}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, url, timeout=60):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self._conn = None

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def raw(self, method, path, body=None, headers=None):
        """(status, headers, body text); one keep-alive connection, reopened once if it dropped."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        elif isinstance(body, str):
            body = body.encode()
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                r = conn.getresponse()
                data = r.read().decode(errors="replace")
                return r.status, dict(r.getheaders()), data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 1:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise

    def call(self, method, path, body=None, headers=None, expect=None):
        status, _, data = self.raw(method, path, body, headers)
        if not (200 <= status < 300 or (expect and status in expect)):
            raise ApiError(method, path, status, data)
        return json.loads(data) if data else None

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    # --- shortcuts --------------------------------------------------------------------------------
    def publish_batch(self, queue, messages):
        """Up to 1000 entries ({"body": …, "attributes": …, …}); raises unless every one was stored."""
        r = self.post(f"/v1/queues/{queue}/messages/batch", {"messages": messages})
        bad = [x for x in r["results"] if "error" in x]
        if bad:
            raise ApiError("POST", f"/v1/queues/{queue}/messages/batch", 207, json.dumps(bad[:3]))
        return r["results"]

    def receive_all(self, queue, ack=True, wait="0s"):
        """Drains what is visible in a queue now (acking it unless ack=False)."""
        out = []
        while True:
            msgs = self.post(f"/v1/queues/{queue}/receive", {"max_messages": 100, "wait": wait})["messages"]
            if not msgs:
                return out
            out += msgs
            if ack:
                self.post(f"/v1/queues/{queue}/ack", {"receipts": [m["receipt"] for m in msgs]})
            wait = "0s"

    def queue_stats(self, queue):
        return self.get(f"/v1/queues/{queue}")["stats"]

    def trigger(self, name):
        return self.get(f"/v1/triggers/{name}")

    def function_stats(self, name):
        return self.get(f"/v1/functions/{name}")["stats"]


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate() until it is truthy (returned) or `timeout` seconds pass (TimeoutError)."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Checks:
    """Collects named pass/fail checks, prints them, and gives the exit status."""

    def __init__(self):
        self.results = []

    def check(self, ok, what):
        self.results.append((bool(ok), what))
        print(f"  [{'PASS' if ok else 'FAIL'}] {what}")
        return ok

    def exit_code(self):
        failed = [w for ok, w in self.results if not ok]
        print()
        if failed:
            print(f"FAILED: {len(failed)} of {len(self.results)} checks")
            return 1
        print(f"OK: all {len(self.results)} checks passed")
        return 0


def overlap_peak(intervals):
    """The largest number of (start, end) intervals open at once. An end at the same instant as
    a start counts first (back-to-back invocations do not overlap)."""
    events = [(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals]
    events.sort(key=lambda x: (x[0], x[1]))
    running = peak = 0
    for _, d in events:
        running += d
        peak = max(peak, running)
    return peak
