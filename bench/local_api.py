"""What the bench/*.py scripts share: one keep-alive connection to a local server's API, and
the server's resident memory."""
import http.client
import json
import sys
import time


class LocalApi:
    def __init__(self, port):
        self._conn = http.client.HTTPConnection("127.0.0.1", port)

    def call(self, method, path, doc=None):
        """(status, parsed JSON body or None)."""
        self._conn.request(method, path, body=json.dumps(doc) if doc is not None else None,
                           headers={"Content-Type": "application/json"})
        r = self._conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)

    def expect(self, status, method, path, doc=None):
        """call(), exiting with the answer unless its status is `status`; returns the body."""
        got, answer = self.call(method, path, doc)
        if got != status:
            sys.exit(f"{method} {path}: {got} {answer}")
        return answer


def receive_without_acks(api, queue):
    """Receives up to 1,000 at a time (no wait) from `queue` without acking, until a receive
    comes back empty or is refused at the server's in-flight limit (429 OverLimit). Returns
    (messages received, the slowest receive in seconds)."""
    received, slowest = 0, 0.0
    while True:
        start = time.monotonic()
        status, doc = api.call("POST", f"/v1/queues/{queue}/receive", {"max_messages": 1000, "wait": "0s"})
        slowest = max(slowest, time.monotonic() - start)
        if status == 429 and doc["error"]["code"] == "OverLimit":
            print("the in-flight limit is reached")
            return received, slowest
        if status != 200:
            sys.exit(f"receiving: {status} {doc}")
        if not doc["messages"]:
            return received, slowest
        received += len(doc["messages"])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) // 1024
