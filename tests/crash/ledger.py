"""The expected-state ledger of the crash test (the role of RocksDB's db_stress expected_state).

Every operation the checker sends is recorded *before* it is sent (as "in doubt") and settled when
its answer arrives: a publish answered 201 is acknowledged, one answered 4xx was refused, anything
else (no answer because the server was killed, a 5xx) stays in doubt. Verification then holds the
server to what it acknowledged:

  - every acknowledged publish whose message was not acknowledged-deleted is present exactly once,
    with the id the publish returned and the exact body and attributes;
  - no message whose ack was answered ok is ever delivered again (neither later in the same run
    nor after a restart);
  - nothing appears that was never published (in-doubt publishes may appear, at most once);
  - no message is delivered while a lease on it runs (nor, FIFO, on another of its group);
  - a delayed message is never delivered before it is due; a cancel of one (DELETE by id) answered
    204 counts as its ack, and a 404 while it was certainly not yet due is a violation;
  - a message published on a queue with a dead-letter queue is found in exactly one of the two
    (ledger.dead_letter() names the pair), and never delivered from its queue with a delivery_count
    over max_deliveries (the count is durable);
  - on a FIFO queue, a group's messages are delivered in publish order: none after a later one of
    its group, and none while an earlier acknowledged one of its group was never acked; a publish
    re-sent with the dedup id of an acknowledged one answers "duplicate" with the first id, and
    a re-sent in-doubt one is stored at most once;
  - a trigger's function is handed every acknowledged publish of its queue (check_handled).

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
    __slots__ = ("seq", "queue", "publish", "message_id", "ack_ok_at", "acks_in_doubt", "deliveries",
                 "due", "group", "pos", "handled")

    def __init__(self, seq, queue, group=None, pos=None):
        self.seq = seq
        self.queue = queue       # the queue it was published on (it may move to that queue's DLQ)
        self.group = group       # FIFO group, with pos: its place in the group's publish order
        self.pos = pos
        self.due = None          # time.time() before which it must not be delivered (delayed)
        self.handled = 0         # trigger invocations that handed it to the function
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
        self._unacked = {}          # queue -> sent and not acked ok: the backlog the publishers see
        self.homes = {}             # queue -> the queues its messages may be in ([queue, its DLQ])
        self.max_deliveries = {}    # queue -> its max_deliveries (queues with a DLQ)
        self.groups = {}            # FIFO group -> [seq…] in publish order
        self._scheduled = []        # seqs published with a due time, not yet known to be due
        self.epoch = 0              # the server process (cycle): leases do not outlive it
        self._leases = {}           # seq -> (epoch, end, what): its last lease, until an ack or release
        self._group_lease = {}      # FIFO group -> (seq, lease) of its last delivery from the queue
        self._delivered_pos = {}    # FIFO group -> highest pos delivered so far
        self.violations = []
        self.counts = {"publish_requests": 0, "receive_requests": 0, "ack_requests": 0,
                       "visibility_requests": 0, "deliveries": 0, "redeliveries": 0,
                       "visibility_ok": 0, "delayed_deliveries": 0, "fifo_deliveries": 0}

    # --- the queues ------------------------------------------------------------------------------
    def dead_letter(self, queue, dlq, max_deliveries):
        """Messages published on `queue` may move to `dlq` after `max_deliveries` deliveries."""
        self.homes[queue] = [queue, dlq]
        self.max_deliveries[queue] = max_deliveries

    def family(self, queue):
        return self.homes.get(queue, [queue])

    # --- recording -----------------------------------------------------------------------------
    def count(self, key, n=1):
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def new_messages(self, queue, n, group=None, due=None):
        """Allocates n seqs on `queue`, recorded as in doubt (about to be sent); with `group`, they
        are the group's next messages in publish order; `due` (a list of n) are their due times."""
        with self._lock:
            seqs = list(range(self._next_seq, self._next_seq + n))
            self._next_seq += n
            self._unacked[queue] = self._unacked.get(queue, 0) + n
            order = self.groups.setdefault(group, []) if group is not None else None
            for i, s in enumerate(seqs):
                m = self.messages[s] = Message(s, queue, group, len(order) if order is not None else None)
                m.due = due[i] if due else None
                if m.due is not None:
                    self._scheduled.append(s)
                if order is not None:
                    order.append(s)
            return seqs

    def group_tail(self, group):
        """(in doubt, last acknowledged): the group's trailing publishes still in doubt (to re-send
        before anything new), and its latest acknowledged one (or None)."""
        with self._lock:
            doubt = []
            for s in reversed(self.groups.get(group, [])):
                m = self.messages[s]
                if m.publish == "doubt":
                    doubt.append(s)
                elif m.publish == "ok":
                    return doubt[::-1], m
            return doubt[::-1], None

    def cancel_candidate(self, queue, rng, margin):
        """A message of `queue` acknowledged as published, not acked nor cancelled, due more than
        `margin` seconds from now (so it is certainly still scheduled), or None."""
        with self._lock:
            now = time.time()
            self._scheduled = [s for s in self._scheduled if self.messages[s].due > now + margin]
            for s in rng.sample(self._scheduled, min(5, len(self._scheduled))):
                m = self.messages[s]
                if m.queue == queue and m.publish == "ok" and m.ack is None:
                    return m
            return None

    def cancel_not_found(self, seq, sent_at):
        """DELETE of scheduled message `seq`, sent at `sent_at` (time.time()), answered 404: only
        right if it was due by then, or another ack or cancel (even one in doubt) removed it."""
        with self._lock:
            m = self.messages[seq]
            m.acks_in_doubt -= 1
            if m.ack is None and m.due - sent_at > 0.05:
                self._violation(f"cancel of scheduled seq {seq} ({m.message_id}) answered 404 "
                                f"{m.due - sent_at:.3f}s before it was due")

    def handled(self, seq):
        """A trigger invocation handed message `seq` to the function."""
        with self._lock:
            m = self.messages.get(seq)
            if m is None:
                self._violation(f"the trigger's function got an unknown message seq {seq}")
                return
            if not m.handled:
                self._unacked[m.queue] -= 1  # the trigger acks what its function handled
            m.handled += 1

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

    def new_epoch(self):
        """A new server process: every lease of the old one is gone."""
        with self._lock:
            self.epoch += 1
            self._leases.clear()
            self._group_lease.clear()

    def lease_ended(self, seq):
        """An ack or a release of `seq` is about to be sent: its lease may end any moment."""
        with self._lock:
            self._end_lease(seq)

    def _end_lease(self, seq):  # with the lock held
        self._leases.pop(seq, None)
        group = self.messages[seq].group
        if group is not None and self._group_lease.get(group, (None,))[0] == seq:
            del self._group_lease[group]

    def ack_sent(self, seqs):
        with self._lock:
            for s in seqs:
                self.messages[s].acks_in_doubt += 1
                self._end_lease(s)

    def ack_ok(self, seq):
        with self._lock:
            m = self.messages[seq]
            m.acks_in_doubt -= 1
            if m.ack_ok_at is None:
                m.ack_ok_at = time.monotonic()
                self._unacked[m.queue] -= 1

    def ack_refused(self, seq):
        """The ack was answered with an error (e.g. a stale receipt): it was not applied."""
        with self._lock:
            self.messages[seq].acks_in_doubt -= 1

    def backlog(self, queue):
        """Messages sent to `queue` and not yet acked ok (approximate: refused ones count too)."""
        return self._unacked.get(queue, 0)

    # --- checks while running ------------------------------------------------------------------
    def check_delivery(self, queue, msg, sent_at, lease=None):
        """Checks one received message (a dict of the API) of a receive sent at `sent_at`
        (time.monotonic()) with a `lease` of that many seconds. Returns its seq, or None when it is
        not one of ours (a violation)."""
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
            if m.due is not None:
                self.counts["delayed_deliveries"] += 1
                early = m.due - time.time()
                if early > 0.002:  # the server keeps due times to the millisecond
                    self._violation(f"seq {seq} delivered {early:.3f}s before it was due")
            limit = self.max_deliveries.get(queue)
            if limit is not None and msg.get("delivery_count", 1) > limit:
                self._violation(f"seq {seq} delivered from {queue} with delivery_count "
                                f"{msg.get('delivery_count')} > max_deliveries {limit}")
            in_fifo = m.group is not None and queue == m.queue  # not in its (standard) DLQ
            if in_fifo:
                self._check_group_order(m)
            self._check_leases(m, queue, msg.get("delivery_count"), sent_at, lease, in_fifo)
            m.deliveries += 1
            return seq

    def _check_leases(self, m, queue, delivery_count, sent_at, lease, in_fifo):  # with the lock held
        """While a lease runs (it ends no earlier than its receive's send time + the timeout, unless
        an ack or release was sent, or the server restarted), nobody else gets the message, nor
        (`in_fifo`: delivered from its FIFO queue) another message of its group. Then records the
        new lease."""
        now = time.monotonic()  # the delivery happened no later than this
        held = [(self._leases.get(m.seq), "it")]
        if in_fifo and self._group_lease.get(m.group, (m.seq,))[0] != m.seq:
            other, lease_of_other = self._group_lease[m.group]
            held.append((lease_of_other, f"seq {other} of its group"))
        for lease_held, what in held:
            if lease_held is None:
                continue
            epoch, end, info = lease_held
            if epoch == self.epoch and now < end - 0.005:
                self._violation(f"seq {m.seq} ({queue}, delivery_count {delivery_count}, receive sent "
                                f"{now - sent_at:.3f}s before) delivered while a lease on {what} "
                                f"had {end - now:.3f}s to run ({info})")
        if lease:
            info = (f"delivery_count {delivery_count} from {queue}, receive sent {sent_at:.3f} and "
                    f"answered by {now:.3f}, lease {lease}s")
            self._leases[m.seq] = (self.epoch, sent_at + lease, info)
            if in_fifo:
                self._group_lease[m.group] = (m.seq, self._leases[m.seq])

    def _check_group_order(self, m):  # with the lock held
        """FIFO: no message after a later one of its group; none while an earlier acknowledged one
        was never even sent an ack (an ack in doubt or answered ok may have released the group) —
        unless the queue has a DLQ: then the earlier one may have been dead-lettered unseen (its
        deliveries may have been answered to nobody), which releases the group too."""
        self.counts["fifo_deliveries"] += 1
        top = self._delivered_pos.get(m.group, -1)
        if m.pos < top:
            later = self.groups[m.group][top]
            self._violation(f"FIFO group {m.group}: seq {m.seq} (#{m.pos}) delivered after seq {later} "
                            f"(#{top}) of the same group")
        self._delivered_pos[m.group] = max(top, m.pos)
        if m.queue in self.homes:
            return
        for s in self.groups[m.group][:m.pos]:
            e = self.messages[s]
            if e.publish == "ok" and e.ack is None:
                self._violation(f"FIFO group {m.group}: seq {m.seq} (#{m.pos}) delivered while seq {s} "
                                f"(#{e.pos}), published before it and acknowledged, was never acked")
                break

    def _check_content(self, m, queue, msg):
        if m.publish == "refused":
            self._violation(f"seq {m.seq}: its publish was refused (4xx) but it was delivered")
        if queue not in self.homes.get(m.queue, [m.queue]):
            self._violation(f"seq {m.seq} published on {m.queue} delivered on {queue}")
        elif queue != m.queue and (msg.get("attributes") or {}).get("sluice.dlq.source") != m.queue:
            self._violation(f"seq {m.seq} in the dead-letter queue {queue} without sluice.dlq.source "
                            f"{m.queue}: {msg.get('attributes')}")
        if msg.get("group") != m.group:
            self._violation(f"seq {m.seq}: delivered with group {msg.get('group')!r}, published with {m.group!r}")
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
        """`drained`: (queue, message) pairs received from `queue` and its dead-letter queue after
        the final restart, with a lease long enough that nothing was redelivered during the drain,
        in the order received. Returns a summary."""
        seen = {}
        last_pos = {}
        for where, msg in drained:
            seq = seq_of(msg.get("body"))
            with self._lock:
                m = self.messages.get(seq) if seq is not None else None
                if m is None:
                    self._violation(f"unknown message in the drain of {where}: {str(msg)[:200]}")
                    continue
                self._check_content(m, where, msg)
                if m.ack == "ok":
                    self._violation(f"seq {seq} ({m.message_id}) is back after its ack was answered ok")
                if m.group is not None and where == m.queue:
                    if m.pos < last_pos.get(m.group, -1):
                        self._violation(f"FIFO group {m.group}: the drain got seq {seq} (#{m.pos}) after "
                                        f"#{last_pos[m.group]}")
                    last_pos[m.group] = max(m.pos, last_pos.get(m.group, -1))
            if seq in seen:
                self._violation(f"seq {seq} is stored twice in {' + '.join(self.family(queue))} "
                                f"(ids {seen[seq]}, {msg.get('message_id')})")
            seen[seq] = msg.get("message_id")
        summary = {"drained": len(seen), "must_present": 0, "doubtful_publishes_present": 0,
                   "doubtful_publishes_absent": 0, "doubtful_acks_present": 0, "doubtful_acks_gone": 0}
        if len(self.family(queue)) > 1:
            summary["in_dead_letter_queue"] = sum(w != queue for w, _ in drained)
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

    def check_handled(self, queue):
        """After the trigger drained `queue`: every acknowledged publish on it was handed to the
        function at least once. Returns a summary."""
        summary = {"must_be_handled": 0, "handled": 0, "handled_more_than_once": 0, "doubtful_handled": 0}
        with self._lock:
            for m in self.messages.values():
                if m.queue != queue:
                    continue
                if m.publish == "ok":
                    summary["must_be_handled"] += 1
                    if not m.handled:
                        self._violation(f"acknowledged publish seq {m.seq} ({m.message_id}) on {queue} "
                                        f"was never handed to the trigger's function")
                elif m.handled:
                    summary["doubtful_handled"] += 1
                summary["handled"] += m.handled > 0
                summary["handled_more_than_once"] += m.handled > 1
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
                "delayed_messages": sum(m.due is not None for m in pubs),
                "fifo_messages": sum(m.group is not None for m in pubs),
                "handled_by_trigger": sum(m.handled > 0 for m in pubs),
                **self.counts,
            }
