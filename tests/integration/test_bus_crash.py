"""Event bus under kill -9 (issue #7 / #9): producers put CloudEvents batches on the default bus
while the server is killed and restarted several times; a rule sends every event to a queue and
a webhook-less function target is not involved, so the count is exact: every event whose put was
answered 200 (accepted) must reach the queue at least once after the last restart, and the
archive must hold each of them. Events whose answer was lost may or may not be there."""
import json
import random
import tempfile
import threading
import time
import unittest

from harness import Server, wait_until

CYCLES = 5
PRODUCERS = 2
BATCH = 20


class BusCrashTest(unittest.TestCase):
    def test_accepted_events_survive_kill_9_and_reach_the_rule_target(self):
        rng = random.Random(7)
        with tempfile.TemporaryDirectory() as d:
            server = Server(data_dir=d).start()
            try:
                self.assertEqual(server.create_queue("sink").status, 201)
                r = server.put("/v1/buses/default/rules/all", {"targets": ["queue:sink"]})
                self.assertEqual(r.status, 201, r)
                accepted = set()
                lock = threading.Lock()
                seq = [0]

                def produce(stop):
                    client = server.client()
                    while not stop.is_set():
                        with lock:
                            first = seq[0]
                            seq[0] += BATCH
                        batch = [{"specversion": "1.0", "id": f"c{first + i}", "source": "/crash",
                                  "type": "t", "data": {"n": first + i}} for i in range(BATCH)]
                        try:
                            resp = client.post("/v1/buses/default/events", json.dumps(batch),
                                               headers={"Content-Type": "application/cloudevents-batch+json"},
                                               timeout=10)
                        except OSError:
                            stop.wait()  # the server was killed: this cycle's load is over
                            continue
                        if resp.status == 200:
                            with lock:
                                for e in resp.json["events"]:
                                    if "position" in e:
                                        accepted.add(e["id"])

                for cycle in range(CYCLES):
                    stop = threading.Event()
                    threads = [threading.Thread(target=produce, args=(stop,)) for _ in range(PRODUCERS)]
                    for t in threads:
                        t.start()
                    # Kill at a random point of the load: after a random number of acceptances.
                    target = len(accepted) + 2000 + rng.randrange(0, 2000)
                    wait_until(lambda: len(accepted) >= target, timeout=30,
                               message=f"cycle {cycle}: events accepted")
                    server.kill9()
                    stop.set()
                    for t in threads:
                        t.join()
                    server.start()
                # Every accepted event is in the archive and reaches the queue (at least once).
                wait_until(lambda: server.get("/v1/buses/default").json["stats"]["backlog"] == 0, timeout=60,
                           message="the bus dispatched its backlog")
                seen = set()
                deadline = time.time() + 60
                while not accepted <= seen and time.time() < deadline:
                    msgs = server.receive("sink", max_messages=100, wait="1s").json["messages"]
                    for m in msgs:
                        seen.add(json.loads(m["body"])["id"])
                    if msgs:
                        server.ack("sink", [m["receipt"] for m in msgs])
                missing = accepted - seen
                self.assertFalse(missing, f"{len(missing)} accepted events never reached the queue, "
                                          f"e.g. {sorted(missing)[:5]}")
                archived = server.get("/v1/buses/default").json["stats"]["archived"]
                self.assertGreaterEqual(archived, len(accepted))
                self.assertGreater(len(accepted), CYCLES * 2000)
            finally:
                server.cleanup()


if __name__ == "__main__":
    unittest.main()
