"""absorb — the slow downstream of the peak-shaving example: it stores a batch of events in a
"database" that takes at most a few writers at once (here: it sums the values and sleeps
WRITE_MS, as if writing them), invoked by the trigger `shaver` on the queue `events`.

Each invocation appends one JSON line to LOG: its start and end times, its pid, the sequence
numbers of its events, the highest delivery count among them and how long the oldest waited,
so the example can compute how many invocations overlapped (the concurrency cap, measured by
the function itself), that every event was handled, and that waiting cost no attempts.
"""
import json
import os
import time

LOG = os.environ["LOG"]
WRITE_MS = float(os.environ.get("WRITE_MS", "5"))


def handler(event, context):
    start = time.time()
    seqs, total, max_count, oldest = [], 0, 0, start
    for record in event["Records"]:
        e = json.loads(record["body"])
        seqs.append(e["seq"])
        total += e["value"]
        attrs = record["attributes"]
        max_count = max(max_count, int(attrs["ApproximateReceiveCount"]))  # 1 = first delivery
        oldest = min(oldest, int(attrs["SentTimestamp"]) / 1000)
    time.sleep(WRITE_MS / 1000)
    end = time.time()
    with open(LOG, "a") as f:
        f.write(json.dumps({"start": start, "end": end, "pid": os.getpid(), "sum": total,
                            "max_receive_count": max_count, "waited": start - oldest, "seqs": seqs}) + "\n")
    return {"stored": len(seqs)}
