"""The operation kinds the crash test drives, and the worker threads that run them.

Each kind is a class with a `role` (which worker threads run it), a `weight` (how often, among
that role's kinds) and `run(worker)`, which sends its request(s) and records them in the ledger:
in doubt before sending, settled by the answer. To test a new feature under crashes (DLQ, delay,
FIFO…), add a kind here, register it in OPERATIONS, and give the ledger the rule it must keep
(e.g. "not delivered before deliver_at").

A worker owns one HTTP connection and never retries a request: a request whose answer did not
arrive stays in doubt, which is exactly what the ledger must allow for.
"""
import http.client
import json
import socket
import threading
import time

from ledger import body_for

REFUSED = object()  # the connection was refused: the request was certainly not sent


class Client:
    """One keep-alive connection; request() returns (status, json or None), REFUSED, or None
    when the answer did not arrive (the server died mid-request)."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.last_error = None  # the exception behind the last None answer

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        hdrs = {"Content-Type": "application/json"} if isinstance(body, (dict, list)) else {}
        hdrs.update(headers or {})
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.connect()
            except ConnectionRefusedError:
                self.close()
                return REFUSED
            except OSError as e:
                self.last_error = e
                self.close()
                return None
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.last_error = e
            self.close()
            return None
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return r.status, doc


class Worker(threading.Thread):
    def __init__(self, name, role, kinds, port, queues, ledger, rng, stop, options):
        super().__init__(name=name, daemon=True)
        self.role = role
        self.kinds = kinds
        self.client = Client(port)
        self.queues = queues
        self.ledger = ledger
        self.rng = rng
        self.stop_event = stop
        self.options = options

    def run(self):
        weights = [k.weight for k in self.kinds]
        try:
            while not self.stop_event.is_set():
                kind = self.rng.choices(self.kinds, weights)[0]
                if kind.run(self) is REFUSED:
                    time.sleep(0.005)  # the server is down (killed); wait for the stop signal
        except Exception as e:  # a bug in the checker: report it as a violation
            self.ledger.violation(f"worker {self.name} failed: {e!r}")
            raise
        finally:
            self.client.close()


# --- publishers ------------------------------------------------------------------------------

class PublishBatch:
    """POST /messages/batch of 1..max_batch messages (201 → every message acknowledged)."""
    role = "publisher"
    weight = 8

    def run(self, w):
        if w.ledger.backlog() > w.options.max_backlog:
            time.sleep(0.01)  # let the consumers catch up: keeps the final drain short
            return None
        queue = w.rng.choice(w.queues)
        n = w.rng.randint(1, w.options.max_batch)
        seqs = w.ledger.new_messages(queue, n)
        body = {"messages": [{"body": body_for(s), "attributes": {"seq": str(s)}} for s in seqs]}
        w.ledger.count("publish_requests")
        r = w.client.request("POST", f"/v1/queues/{queue}/messages/batch", body)
        return settle_publish(w, seqs, r, lambda doc: doc["results"])


class PublishOne:
    """POST /messages with the raw body and the seq as a Sluice-Attr header."""
    role = "publisher"
    weight = 2

    def run(self, w):
        if w.ledger.backlog() > w.options.max_backlog:
            time.sleep(0.01)
            return None
        queue = w.rng.choice(w.queues)
        seqs = w.ledger.new_messages(queue, 1)
        w.ledger.count("publish_requests")
        r = w.client.request("POST", f"/v1/queues/{queue}/messages", body_for(seqs[0]).encode(),
                             {"Content-Type": "text/plain", "Sluice-Attr-seq": str(seqs[0])})
        return settle_publish(w, seqs, r, lambda doc: [doc])


def settle_publish(w, seqs, r, results_of):
    """201: every entry published. 207 (batch): per entry, {"message_id"} or {"error"}."""
    if r is REFUSED:
        w.ledger.publish_refused(seqs)
        return r
    if r is None:
        return r  # in doubt
    status, doc = r
    if status in (201, 207):
        results = results_of(doc)
        if len(results) != len(seqs):
            w.ledger.violation(f"publish of {len(seqs)} answered {len(results)} results")
            return r
        for s, one in zip(seqs, results):
            if "message_id" in one:
                w.ledger.publish_ok([s], [one["message_id"]])
            elif one.get("error", {}).get("code", "").startswith(("Storage", "ShuttingDown")):
                pass  # a transient failure of that entry: stays in doubt
            else:
                w.ledger.publish_refused([s])
                w.ledger.violation(f"publish entry refused: {one}")  # the checker sends valid input
    elif 400 <= status < 500:
        w.ledger.publish_refused(seqs)
        w.ledger.violation(f"publish refused with {status}: {doc}")
    return r


# --- consumers -------------------------------------------------------------------------------

class ReceiveAndSettle:
    """Receive a few messages, then per message: ack (batched), release (visibility 0), extend
    the lease, or abandon it (the lease expires and the message comes back)."""
    role = "consumer"
    weight = 10

    def run(self, w):
        queue = w.rng.choice(w.queues)
        opts = {"max_messages": w.rng.randint(1, 10),
                "visibility_timeout": w.rng.choice(["1s", "2s", "5s", "30s"])}
        if w.rng.random() < 0.3:
            opts["wait"] = "1s"
        sent_at = time.monotonic()
        w.ledger.count("receive_requests")
        r = w.client.request("POST", f"/v1/queues/{queue}/receive", opts)
        if r is REFUSED or r is None:
            return r
        status, doc = r
        if status != 200:
            if status < 500:
                w.ledger.violation(f"receive answered {status}: {doc}")
            return r
        to_ack = []
        for msg in doc["messages"]:
            seq = w.ledger.check_delivery(queue, msg, sent_at)
            if seq is None:
                continue
            action = w.rng.random()
            if action < 0.75:
                to_ack.append((seq, msg["receipt"]))
            elif action < 0.85:
                change_visibility(w, queue, msg["receipt"], "0s")
            elif action < 0.93:
                change_visibility(w, queue, msg["receipt"], "10s")
            # else: abandon (lease expires)
        if to_ack:
            return ack(w, queue, to_ack)
        return r


def change_visibility(w, queue, receipt, timeout):
    w.ledger.count("visibility_requests")
    r = w.client.request("POST", f"/v1/queues/{queue}/visibility", {"receipt": receipt, "timeout": timeout})
    if r is not None and r is not REFUSED:
        status, doc = r
        if status == 200:
            w.ledger.count("visibility_ok")
        elif status != 409 and status < 500:  # 409: redelivered meanwhile (lease expired)
            w.ledger.violation(f"visibility answered {status}: {doc}")
    return r


def ack(w, queue, items):
    seqs = [s for s, _ in items]
    w.ledger.ack_sent(seqs)
    w.ledger.count("ack_requests")
    r = w.client.request("POST", f"/v1/queues/{queue}/ack", {"receipts": [rc for _, rc in items]})
    if r is REFUSED:
        for s in seqs:
            w.ledger.ack_refused(s)
        return r
    if r is None:
        return r  # every ack of the request stays in doubt
    status, doc = r
    if status != 200:
        if status < 500:  # refused as a whole: nothing applied (a 5xx stays in doubt)
            for s in seqs:
                w.ledger.ack_refused(s)
            w.ledger.violation(f"ack answered {status}: {doc}")
        return r
    for s, result in zip(seqs, doc["results"]):
        if result.get("ok"):
            w.ledger.ack_ok(s)
        else:
            w.ledger.ack_refused(s)
            code = result.get("error", {}).get("code")
            if code != "ReceiptHandleStale":
                w.ledger.violation(f"ack of seq {s} answered {result}")
    return r


OPERATIONS = [PublishBatch(), PublishOne(), ReceiveAndSettle()]


def kinds_for(role):
    return [k for k in OPERATIONS if k.role == role]
