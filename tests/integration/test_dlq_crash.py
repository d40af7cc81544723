"""Dead-lettering under kill -9: messages move from a source queue to its dead-letter queue while
the server is killed at seeded random moments; after each restart every published message is in
exactly one of the two queues (the move is one atomic batch), none lost, none doubled."""
import random
import threading
import time
import unittest

from harness import Client, Server


def drain(server, queue):
    """Receives (with ack) everything visible in `queue`; returns the bodies."""
    bodies = []
    while True:
        got = server.receive(queue, max_messages=100, visibility_timeout="1h").json["messages"]
        if not got:
            return bodies
        bodies += [m["body"] for m in got]
        server.ack(queue, [m["receipt"] for m in got])


class DeadLetterCrashTest(unittest.TestCase):
    def test_moves_are_atomic_across_kill9(self):
        rng = random.Random(20261122)
        total = 0
        with Server() as s:
            s.create_queue("crash-dlq")
            s.create_queue("crash-src", max_deliveries=1, dead_letter_queue="crash-dlq",
                           visibility_timeout="1s")
            for cycle in range(4):
                bodies = [f"c{cycle}-{i}" for i in range(300)]
                r = s.publish_batch("crash-src", [{"body": b} for b in bodies])
                self.assertEqual(r.status, 201, r)
                total += len(bodies)
                # First delivery of everything; never acked, so each next delivery dead-letters.
                got = 0
                while got < len(bodies):
                    batch = s.receive("crash-src", max_messages=100).json["messages"]
                    if not batch:
                        break
                    got += len(batch)
                stop = threading.Event()

                def mover():
                    with Client(s.port) as c:
                        while not stop.is_set():
                            try:
                                c.post("/v1/queues/crash-src/receive", {"max_messages": 100, "wait": "2s"})
                            except OSError:
                                return

                threads = [threading.Thread(target=mover) for _ in range(2)]
                for t in threads:
                    t.start()
                # Kill while moves are under way (leases end 1 s after the first delivery).
                time.sleep(1.0 + rng.random() * 0.5)  # choosing the crash moment, not waiting for a result
                s.kill9()
                stop.set()
                for t in threads:
                    t.join(timeout=10)
                s.start()
                # Let every remaining move happen: each message is delivered once more at most.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    stats = s.queue_stats("crash-src")
                    if stats["visible"] + stats["in_flight"] == 0:
                        break
                    s.receive("crash-src", max_messages=100, wait="2s")
            in_source = drain(s, "crash-src")
            in_dlq = drain(s, "crash-dlq")
        everything = in_source + in_dlq
        self.assertEqual(len(everything), total, "lost or doubled")
        self.assertEqual(len(set(everything)), total, "a message is in both queues or twice")


if __name__ == "__main__":
    unittest.main()
