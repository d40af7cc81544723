"""The expected-state ledger of the crash test (the role of RocksDB's db_stress expected_state).

Every operation the checker sends is recorded *before* it is sent (as "in doubt") and settled when
its answer arrives: a publish answered 201 is acknowledged, one answered 4xx was refused, anything
else (no answer because the server was killed, a 5xx) stays in doubt. Verification then holds the
server to what it acknowledged:

  - every acknowledged publish whose message was not acknowledged-deleted is present exactly once,
    with the id the publish returned and the exact body and attributes;
  - no message whose ack was answered ok is ever delivered again (neither later in the same run
    nor after a restart);
  - nothing appears that was never published (in-doubt publishes may appear, at most once).

Thread-safe: worker threads record into one ledger under its lock.
"""
import hashlib
import threading
import time


def body_for(seq):
    """The body of message `seq`: derived from seq alone, so a received body can be checked
    byte for byte. Varies in length (0..1500 bytes of padding) to exercise batching in the store."""
    digest = hashlib.sha256(str(seq).encode()).hexdigest()
    pad_len = int(digest[:4], 16) % 1500
    pad = (digest * (pad_len // len(digest) + 1))[:pad_len]
    return f"crash:{seq}:{pad}"


def seq_of(body):
    """The seq a body claims, or None when it is not one of ours."""
    if not isinstance(body, str) or not body.startswith("crash:"):
        return None
    try:
        return int(body.split(":", 2)[1])
    except (IndexError, ValueError):
        return None


class Violation(AssertionError):
    pass


class Message:
    __slots__ = ("seq", "queue", "publish", "message_id", "ack_ok_at", "acks_in_doubt", "deliveries")

    def __init__(self, seq, queue):
        self.seq = seq
        self.queue = queue
        self.publish = "doubt"   # doubt | ok | refused
        self.message_id = None
        self.ack_ok_at = None    # time.monotonic() when an ack's ok answer arrived
        self.acks_in_doubt = 0   # acks sent whose answer never came (or is not yet in)
        self.deliveries = 0

    @property
    def ack(self):
        """None (never acked), "doubt" (an ack may have been applied) or "ok" (it was)."""
        if self.ack_ok_at is not None:
            return "ok"
        return "doubt" if self.acks_in_doubt else None


class Ledger:
    def __init__(self):
        self._lock = threading.Lock()
        self._next_seq = 0
        self.messages = {}          # seq -> Message
        self._unacked = 0           # sent and not acked ok: the backlog the publishers see
        self.violations = []
        self.counts = {"publish_requests": 0, "receive_requests": 0, "ack_requests": 0,
                       "visibility_requests": 0, "deliveries": 0, "redeliveries": 0,
                       "visibility_ok": 0}

    # --- recording -----------------------------------------------------------------------------
    def count(self, key, n=1):
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def new_messages(self, queue, n):
        """Allocates n seqs on `queue`, recorded as in doubt (about to be sent)."""
        with self._lock:
            seqs = list(range(self._next_seq, self._next_seq + n))
            self._next_seq += n
            self._unacked += n
            for s in seqs:
                self.messages[s] = Message(s, queue)
            return seqs

    def publish_ok(self, seqs, message_ids):
        with self._lock:
            if len(seqs) != len(message_ids):
                self._violation(f"publish of {len(seqs)} answered {len(message_ids)} ids")
            for s, mid in zip(seqs, message_ids):
                self.messages[s].publish = "ok"
                self.messages[s].message_id = mid

    def publish_refused(self, seqs):
        with self._lock:
            for s in seqs:
                self.messages[s].publish = "refused"

    def ack_sent(self, seqs):
        with self._lock:
            for s in seqs:
                self.messages[s].acks_in_doubt += 1

    def ack_ok(self, seq):
        with self._lock:
            m = self.messages[seq]
            m.acks_in_doubt -= 1
            if m.ack_ok_at is None:
                m.ack_ok_at = time.monotonic()
                self._unacked -= 1

    def ack_refused(self, seq):
        """The ack was answered with an error (e.g. a stale receipt): it was not applied."""
        with self._lock:
            self.messages[seq].acks_in_doubt -= 1

    def backlog(self):
        """Messages sent and not yet acked ok (approximate: refused ones count too)."""
        return self._unacked

    # --- checks while running ------------------------------------------------------------------
    def check_delivery(self, queue, msg, sent_at):
        """Checks one received message (a dict of the API) of a receive sent at `sent_at`
        (time.monotonic()). Returns its seq, or None when it is not one of ours (a violation)."""
        body = msg.get("body")
        seq = seq_of(body)
        with self._lock:
            self.counts["deliveries"] += 1
            if msg.get("delivery_count", 1) > 1:
                self.counts["redeliveries"] += 1
            m = self.messages.get(seq) if seq is not None else None
            if m is None:
                self._violation(f"unknown message delivered on {queue}: {str(msg)[:200]}")
                return None
            self._check_content(m, queue, msg)
            if m.ack == "ok" and m.ack_ok_at < sent_at:
                self._violation(
                    f"seq {seq} ({m.message_id}) delivered again by a receive sent "
                    f"{sent_at - m.ack_ok_at:.3f}s after its ack was answered ok")
            m.deliveries += 1
            return seq

    def _check_content(self, m, queue, msg):
        if m.publish == "refused":
            self._violation(f"seq {m.seq}: its publish was refused (4xx) but it was delivered")
        if m.queue != queue:
            self._violation(f"seq {m.seq} published on {m.queue} delivered on {queue}")
        if msg.get("body") != body_for(m.seq):
            self._violation(f"seq {m.seq}: body differs from the one published")
        if (msg.get("attributes") or {}).get("seq") != str(m.seq):
            self._violation(f"seq {m.seq}: attributes differ: {msg.get('attributes')}")
        if m.publish == "ok" and msg.get("message_id") != m.message_id:
            self._violation(
                f"seq {m.seq}: delivered with id {msg.get('message_id')}, published as {m.message_id}")

    # --- checks after a restart ----------------------------------------------------------------
    def bounds(self, queue):
        """(must, may): how many messages `queue` must hold after a restart, and how many more it
        may hold (in-doubt publishes and acks)."""
        must = may = 0
        with self._lock:
            for m in self.messages.values():
                if m.queue != queue or m.publish == "refused" or m.ack == "ok":
                    continue
                if m.publish == "ok" and m.ack is None:
                    must += 1
                else:
                    may += 1
        return must, may

    def check_drained(self, queue, drained):
        """`drained`: every message (dicts) received from `queue` after the final restart with a
        lease long enough that nothing was redelivered during the drain. Returns a summary."""
        seen = {}
        for msg in drained:
            seq = seq_of(msg.get("body"))
            with self._lock:
                m = self.messages.get(seq) if seq is not None else None
                if m is None:
                    self._violation(f"unknown message in the drain of {queue}: {str(msg)[:200]}")
                    continue
                self._check_content(m, queue, msg)
                if m.ack == "ok":
                    self._violation(f"seq {seq} ({m.message_id}) is back after its ack was answered ok")
            if seq in seen:
                self._violation(f"seq {seq} is stored twice in {queue} (ids {seen[seq]}, {msg.get('message_id')})")
            seen[seq] = msg.get("message_id")
        summary = {"drained": len(seen), "must_present": 0, "doubtful_publishes_present": 0,
                   "doubtful_publishes_absent": 0, "doubtful_acks_present": 0, "doubtful_acks_gone": 0}
        with self._lock:
            for m in self.messages.values():
                if m.queue != queue or m.publish == "refused":
                    continue
                present = m.seq in seen
                if m.publish == "ok" and m.ack is None:
                    summary["must_present"] += 1
                    if not present:
                        self._violation(f"acknowledged publish seq {m.seq} ({m.message_id}) on {queue} is lost")
                elif m.publish == "doubt" and m.ack is None:
                    summary["doubtful_publishes_present" if present else "doubtful_publishes_absent"] += 1
                elif m.ack == "doubt":
                    summary["doubtful_acks_present" if present else "doubtful_acks_gone"] += 1
        return summary

    def _violation(self, text):  # with the lock held
        self.violations.append(text)

    def violation(self, text):
        with self._lock:
            self._violation(text)

    def totals(self):
        with self._lock:
            pubs = [m for m in self.messages.values()]
            return {
                "messages_sent": len(pubs),
                "publishes_acknowledged": sum(m.publish == "ok" for m in pubs),
                "publishes_in_doubt": sum(m.publish == "doubt" for m in pubs),
                "publishes_refused": sum(m.publish == "refused" for m in pubs),
                "acks_ok": sum(m.ack == "ok" for m in pubs),
                "acks_in_doubt": sum(m.ack == "doubt" for m in pubs),
                **self.counts,
            }
