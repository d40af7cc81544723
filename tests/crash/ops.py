"""The operation kinds the crash test drives, and the worker threads that run them.

Each kind is a class with a `role` (which worker threads run it), a `weight` (how often, among
that role's kinds) and `run(worker)`, which sends its request(s) and records them in the ledger:
in doubt before sending, settled by the answer. To test a new feature under crashes (DLQ, delay,
FIFO…), add a kind here, register it in OPERATIONS, and give the ledger the rule it must keep
(e.g. "not delivered before deliver_at"). A kind's `target` names the queues of the layout it
works on (crash_test.py `LAYOUT`).

A worker owns one HTTP connection and never retries a request: a request whose answer did not
arrive stays in doubt, which is exactly what the ledger must allow for.
"""
import http.client
import json
import socket
import threading
import time
from datetime import datetime, timezone

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
        self.queues = queues  # {"standard": [names], "fifo": [name], "dlq_source": …}: the layout
        self.ledger = ledger
        self.rng = rng
        self.stop_event = stop
        self.options = options
        self.state = {}  # per-kind scratch of this worker (this cycle)

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
    """POST /messages/batch of 1..max_batch messages (201 → every message acknowledged). With
    `delayed`, about half the entries are delayed 0–3 s (`delay`) or given a `deliver_at` up to 3 s
    ahead, so some fall due within the cycle and some are pending across the kill."""
    role = "publisher"

    def __init__(self, target, weight, max_batch=None, delayed=False):
        self.target, self.weight, self.max_batch, self.delayed = target, weight, max_batch, delayed

    def run(self, w):
        queue = w.rng.choice(w.queues[self.target])
        if backlogged(w, self.target, queue):
            return None
        n = w.rng.randint(1, min(self.max_batch or w.options.max_batch, w.options.max_batch))
        options = [self.delay_options(w) for _ in range(n)] if self.delayed else [({}, None)] * n
        seqs = w.ledger.new_messages(queue, n, due=[due for _, due in options] if self.delayed else None)
        body = {"messages": [{"body": body_for(s), "attributes": {"seq": str(s)}, **extra}
                             for s, (extra, _) in zip(seqs, options)]}
        w.ledger.count("publish_requests")
        r = w.client.request("POST", f"/v1/queues/{queue}/messages/batch", body)
        return settle_publish(w, seqs, r, lambda doc: doc["results"])

    @staticmethod
    def delay_options(w):
        """(entry fields, due time) of one entry: no delay, a `delay`, or a `deliver_at`."""
        x = w.rng.random()
        now = time.time()  # before sending: the server's due time is at least this + the delay
        if x < 0.5:
            return {}, None
        if x < 0.8:
            ms = w.rng.choice([0, 250, 1000, 2000, 3000])
            return {"delay": f"{ms}ms"}, now + ms / 1000
        due = now + w.rng.uniform(-1.0, 3.0)
        text = datetime.fromtimestamp(due, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return {"deliver_at": text}, int(due * 1000) / 1000


class PublishOne:
    """POST /messages with the raw body and the seq as a Sluice-Attr header (with `delayed`,
    sometimes a Sluice-Delay header)."""
    role = "publisher"

    def __init__(self, target, weight, delayed=False):
        self.target, self.weight, self.delayed = target, weight, delayed

    def run(self, w):
        queue = w.rng.choice(w.queues[self.target])
        if backlogged(w, self.target, queue):
            return None
        headers = {"Content-Type": "text/plain"}
        due = None
        if self.delayed and w.rng.random() < 0.5:
            ms = w.rng.choice([0, 500, 1500, 3000])
            due = time.time() + ms / 1000
            headers["Sluice-Delay"] = f"{ms}ms"
        seqs = w.ledger.new_messages(queue, 1, due=[due] if due is not None else None)
        headers["Sluice-Attr-seq"] = str(seqs[0])
        w.ledger.count("publish_requests")
        r = w.client.request("POST", f"/v1/queues/{queue}/messages", body_for(seqs[0]).encode(), headers)
        return settle_publish(w, seqs, r, lambda doc: [doc])


class PublishFifo:
    """FIFO groups with dedup ids: each publisher thread owns a few groups (so a group's publish
    order is the order of its thread's requests) and sends one or a batch of a group's next
    messages, each with the dedup id d<seq>. A group whose last publish is in doubt (the server was
    killed) re-sends those first, with the same dedup ids, before anything new: the server must
    store each at most once. Sometimes (mostly first thing after a restart) it re-sends the group's
    last acknowledged message: the answer must be "duplicate" with the first publish's id."""
    role = "publisher"
    groups_per_publisher = 8

    def __init__(self, target, weight):
        self.target, self.weight = target, weight

    def run(self, w):
        queue = w.queues[self.target][0]
        group = f"{w.name}-{queue}-g{w.rng.randrange(self.groups_per_publisher)}"
        doubt, last_ok = w.ledger.group_tail(group)
        first_touch = group not in w.state.setdefault("fifo_groups_seen", set())
        w.state["fifo_groups_seen"].add(group)
        if doubt:
            w.ledger.count("fifo_resends_in_doubt", len(doubt))
            return self.send(w, queue, group, doubt, resend_of=None, in_doubt=True)
        if last_ok is not None and w.rng.random() < (0.7 if first_touch else 0.1):
            w.ledger.count("dedup_resends_acknowledged")
            return self.send(w, queue, group, [last_ok.seq], resend_of=last_ok)
        if backlogged(w, self.target, queue):
            return None
        seqs = w.ledger.new_messages(queue, w.rng.randint(1, 5), group=group)
        return self.send(w, queue, group, seqs, resend_of=None)

    def send(self, w, queue, group, seqs, resend_of, in_doubt=False):
        entries = [{"body": body_for(s), "attributes": {"seq": str(s)}, "group": group,
                    "dedup_id": f"d{s}"} for s in seqs]
        w.ledger.count("publish_requests")
        if len(seqs) == 1 and w.rng.random() < 0.5:
            e = entries[0]
            r = w.client.request("POST", f"/v1/queues/{queue}/messages", e["body"].encode(),
                                 {"Content-Type": "text/plain", "Sluice-Attr-seq": str(seqs[0]),
                                  "Sluice-Group": group, "Sluice-Dedup-Id": e["dedup_id"]})
            results_of = lambda doc: [doc]  # noqa: E731
        else:
            r = w.client.request("POST", f"/v1/queues/{queue}/messages/batch", {"messages": entries})
            results_of = lambda doc: doc["results"]  # noqa: E731
        if resend_of is None:
            if in_doubt and r is REFUSED:
                # Not sent this time; the first send may still have stored them: in doubt.
                return r
            return settle_publish(w, seqs, r, results_of, fifo=True)
        if r is None or r is REFUSED:
            return r
        status, doc = r
        if status in (200, 201):
            one = results_of(doc)[0]
            if not one.get("duplicate") or one.get("message_id") != resend_of.message_id:
                w.ledger.violation(f"FIFO group {group}: re-sending acknowledged seq {resend_of.seq} "
                                   f"({resend_of.message_id}) with its dedup id answered {status} {one}")
            else:
                w.ledger.count("dedup_duplicates_ok")
        elif status < 500:
            w.ledger.violation(f"re-send of seq {resend_of.seq} answered {status}: {doc}")
        return r


class CancelScheduled:
    """DELETE /v1/queues/{name}/messages/{id} of a delayed message not yet due: 204 removes it (the
    ledger treats it as an ack: never delivered again); 404 only when it was due already."""
    role = "consumer"
    target = "delayed"

    def __init__(self, weight):
        self.weight = weight

    def run(self, w):
        queue = w.rng.choice(w.queues[self.target])
        m = w.ledger.cancel_candidate(queue, w.rng, margin=0.2)
        if m is None:
            return None
        w.ledger.ack_sent([m.seq])
        w.ledger.count("cancel_requests")
        sent_at = time.time()
        r = w.client.request("DELETE", f"/v1/queues/{queue}/messages/{m.message_id}")
        if r is REFUSED:
            w.ledger.ack_refused(m.seq)
        elif r is not None:
            if r[0] == 204:
                w.ledger.ack_ok(m.seq)
                w.ledger.count("cancels_ok")
            elif r[0] == 404:
                w.ledger.cancel_not_found(m.seq, sent_at)
            elif r[0] < 500:
                w.ledger.ack_refused(m.seq)
                w.ledger.violation(f"cancel of seq {m.seq} answered {r[0]}: {r[1]}")
        return r


def backlogged(w, target, queue):
    """Whether `queue` has too many messages not yet acked: the standard queues share
    --max-backlog, every other queue gets a tenth of it."""
    limit = w.options.max_backlog // (len(w.queues["standard"]) if target == "standard" else 10)
    if w.ledger.backlog(queue) > limit:
        time.sleep(0.01)  # let the consumers catch up: keeps the final drain short
        return True
    return False


def settle_publish(w, seqs, r, results_of, fifo=False):
    """201: every entry published. 207 (batch): per entry, {"message_id"} or {"error"}. On a FIFO
    queue a re-sent in-doubt publish may answer 200 "duplicate": it was stored the first time."""
    if r is REFUSED:
        w.ledger.publish_refused(seqs)
        return r
    if r is None:
        return r  # in doubt
    status, doc = r
    if status in (201, 207) or (fifo and status == 200):
        results = results_of(doc)
        if len(results) != len(seqs):
            w.ledger.violation(f"publish of {len(seqs)} answered {len(results)} results")
            return r
        for s, one in zip(seqs, results):
            if "message_id" in one:
                w.ledger.publish_ok([s], [one["message_id"]])
                if one.get("duplicate"):
                    w.ledger.count("dedup_duplicates_in_doubt")
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
    the lease, or abandon it (the lease expires and the message comes back). `actions` are the
    probabilities of ack, release and extend (the rest abandons)."""
    role = "consumer"

    def __init__(self, target, weight, actions=(0.75, 0.10, 0.08), leases=("1s", "2s", "5s", "30s"),
                 long_polls=0.3):
        self.target, self.weight, self.actions, self.leases = target, weight, actions, leases
        self.long_polls = long_polls  # the share of receives that wait up to 1 s

    def run(self, w):
        queue = w.rng.choice(w.queues[self.target])
        lease = w.rng.choice(self.leases)
        opts = {"max_messages": w.rng.randint(1, 10), "visibility_timeout": lease}
        if w.rng.random() < self.long_polls:
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
        p_ack, p_release, p_extend = self.actions
        for msg in doc["messages"]:
            seq = w.ledger.check_delivery(queue, msg, sent_at, lease=float(lease.rstrip("s")))
            if seq is None:
                continue
            action = w.rng.random()
            if action < p_ack:
                to_ack.append((seq, msg["receipt"]))
            elif action < p_ack + p_release:
                w.ledger.lease_ended(seq)
                change_visibility(w, queue, msg["receipt"], "0s")
            elif action < p_ack + p_release + p_extend:
                change_visibility(w, queue, msg["receipt"], "10s")
            # else: abandon (lease expires)
        if to_ack:
            return ack(w, queue, to_ack)
        return r


class Redrive:
    """POST /v1/queues/{dlq}/redrive: a task moving the dead-letter queue's messages back to their
    source (or, the same here, to an explicit destination; sometimes rate-limited), unless one is
    running already, which is then sometimes cancelled (DELETE /v1/tasks/{id}). The move is atomic,
    so the ledger's rule is the same: each message is in exactly one of the two queues."""
    role = "consumer"
    target = "dlq"

    def __init__(self, weight):
        self.weight = weight

    def run(self, w):
        dlq = w.queues[self.target][0]
        r = w.client.request("GET", "/v1/tasks")
        if r is None or r is REFUSED or r[0] != 200:
            return r
        running = [t for t in r[1]["tasks"] if t.get("state") == "running" and t.get("source") == dlq]
        if running:
            if w.rng.random() < 0.3:
                w.ledger.count("redrive_cancels")
                r = w.client.request("DELETE", f"/v1/tasks/{running[0]['id']}")
                if r is not None and r is not REFUSED and r[0] != 200 and r[0] < 500:
                    w.ledger.violation(f"cancel of task {running[0]['id']} answered {r[0]}: {r[1]}")
            return r
        w.ledger.count("redrive_requests")
        body = w.rng.choice([{}, {"destination": w.queues["dlq_source"][0]}, {"rate": 200}])
        r = w.client.request("POST", f"/v1/queues/{dlq}/redrive", body)
        if r is not None and r is not REFUSED:
            if r[0] == 201:
                w.ledger.count("redrive_tasks")
            elif r[0] < 500:
                w.ledger.violation(f"redrive answered {r[0]}: {r[1]}")
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


OPERATIONS = [
    PublishBatch("standard", weight=8),
    PublishOne("standard", weight=2),
    PublishBatch("delayed", weight=3, max_batch=10, delayed=True),
    PublishOne("delayed", weight=1, delayed=True),
    PublishFifo("fifo", weight=5),
    PublishFifo("fifo_dlq_source", weight=3),
    PublishBatch("dlq_source", weight=2, max_batch=10),
    PublishBatch("trigger", weight=2, max_batch=10),
    ReceiveAndSettle("standard", weight=10),
    ReceiveAndSettle("delayed", weight=3),
    CancelScheduled(weight=1),
    ReceiveAndSettle("fifo", weight=4, actions=(0.8, 0.1, 0.0), leases=("1s", "2s"), long_polls=0),
    # max_deliveries 2: a message not acked in two deliveries moves to the dead-letter queue
    ReceiveAndSettle("dlq_source", weight=4, actions=(0.45, 0.25, 0.0), leases=("1s",), long_polls=0),
    ReceiveAndSettle("dlq", weight=2, actions=(0.6, 0.2, 0.0), leases=("1s", "5s"), long_polls=0),
    # the same on a FIFO queue: dead-lettering releases the group
    ReceiveAndSettle("fifo_dlq_source", weight=3, actions=(0.5, 0.2, 0.0), leases=("1s",), long_polls=0),
    ReceiveAndSettle("fifo_dlq", weight=1, actions=(0.7, 0.2, 0.0), leases=("1s", "5s"), long_polls=0),
    Redrive(weight=0.2),
]


def kinds_for(role):
    return [k for k in OPERATIONS if k.role == role]
