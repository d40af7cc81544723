"""bench/peers/table.py, the peer runner's table: medians over rounds, and each round's own ratio
(the runner itself is a benchmark, run by hand; its table is checked here on made-up results)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

TABLE = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "peers", "table.py")


def row(system, rnd, publish, consume, ok=True, p99=None):
    result = {"ok": ok, "phases": {"publish": {"rate": publish}, "consume": {"rate": consume}}}
    workload = "throughput"
    if p99 is not None:
        workload = "latency"
        result = {"ok": ok, "latency": {"publish": {"p99_ms": p99}}}
    r = {"system": system, "mode": "interval", "workload": workload, "exit": 0, "load": 0.5,
         "disk_bytes": 0, "disk_bytes_later": 0, "result": result}
    if rnd is not None:
        r["round"] = rnd
    return r


def table(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    try:
        out = subprocess.run([sys.executable, TABLE, f.name], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(f.name)
    # Keyed by the first four words (workload, mode, and the metric's first two); the columns
    # after the metric: sluice, redis, nats ("—" here), ratio, and with rounds the range and count.
    return {tuple(line.split()[:4]): line.split() for line in out.splitlines()
            if line.startswith(("throughput", "latency"))}, out


class TestPeerTable(unittest.TestCase):
    def test_one_round_is_the_plain_table(self):
        lines, out = table([row("sluice", None, 200_000, 150_000), row("redis", None, 100_000, 100_000)])
        publish = lines[("throughput", "interval", "publish", "msg/s")]
        self.assertEqual(publish[4], "200,000")
        self.assertEqual(publish[5], "100,000")
        self.assertEqual(publish[-1], "2.00x")
        self.assertNotIn("per round", out)

    def test_rounds_give_medians_and_each_rounds_own_ratio(self):
        # Round 2 is slow for both (a noisy minute): its ratio is still 2x, and the medians
        # are the middle values, not means.
        rows = [row("sluice", 1, 240_000, 150_000), row("redis", 1, 120_000, 100_000),
                row("sluice", 2, 60_000, 50_000), row("redis", 2, 30_000, 50_000),
                row("sluice", 3, 300_000, 180_000), row("redis", 3, 100_000, 90_000)]
        lines, out = table(rows)
        publish = lines[("throughput", "interval", "publish", "msg/s")]
        self.assertEqual(publish[4], "240,000")  # median of 240k, 60k, 300k
        self.assertEqual(publish[5], "100,000")  # median of 120k, 30k, 100k
        self.assertEqual(publish[7], "2.00x")  # median of the rounds' 2.0, 2.0, 3.0
        self.assertEqual(publish[8], "2.00-3.00x")
        self.assertEqual(publish[9], "(3)")
        consume = lines[("throughput", "interval", "consume", "msg/s")]
        self.assertEqual(consume[7], "1.50x")  # median of 1.5, 1.0, 2.0
        self.assertIn("3 rounds", out)

    def test_lower_is_better_for_latency(self):
        rows = [row("sluice", 1, 0, 0, p99=0.30), row("redis", 1, 0, 0, p99=0.20),
                row("sluice", 2, 0, 0, p99=0.25), row("redis", 2, 0, 0, p99=0.25)]
        lines, _ = table(rows)
        p99 = lines[("latency", "interval", "publish", "p99")]
        self.assertEqual(p99[5], "0.275")  # sluice's median of 0.30 and 0.25
        self.assertEqual(p99[8], "1.25x")  # median of 1.5 and 1.0
        self.assertEqual(p99[9], "1.00-1.50x")

    def test_a_failed_round_is_flagged(self):
        rows = [row("sluice", 1, 200_000, 150_000), row("redis", 1, 100_000, 100_000),
                row("sluice", 2, 200_000, 150_000, ok=False), row("redis", 2, 100_000, 100_000)]
        lines, _ = table(rows)
        self.assertIn("sluice:FAILED-CHECKS(round", " ".join(lines[("throughput", "interval", "publish", "msg/s")]))


if __name__ == "__main__":
    unittest.main()
