"""Drives the image-processing example (run.sh set up the queues, the function and the trigger):
publishes the resize requests, kill -9s the function's workers twice while they are resizing,
waits for every response, and checks that nothing was lost or doubled."""
import json
import os
import signal
import sys
import time

from sluice_client import Api, Checks, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "function"))
import resize  # noqa: E402  (the function's own draw/halve, to check its output)

api = Api(os.environ["SLUICE_URL"])
OUT = os.environ["OUT_DIR"]
JOURNAL = os.environ["JOURNAL"]
N = int(os.environ.get("IMAGE_REQUESTS", "60"))
KILL_ROUNDS = 2


def journal():
    try:
        with open(JOURNAL) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def done_requests():
    return {e["request"] for e in journal() if e["step"] == "done"}


requests = [{"request_id": f"img-{i:04d}", "width": 64 + 2 * (i % 32), "height": 48 + 2 * (i % 24),
             "seed": i + 1} for i in range(N)]
t0 = time.monotonic()
api.publish_batch("resize-requests", [{"body": r} for r in requests])
print(f"published {N} resize requests to resize-requests")

# --- kill -9 the workers while they are resizing -------------------------------------------------
kills = []  # (pid, the request it was in the middle of, or None)
for k in range(1, KILL_ROUNDS + 1):
    target = N * k // (KILL_ROUNDS + 1)
    wait_until(lambda: len(done_requests()) >= target, timeout=60, interval=0.02,
               what=f"{target} requests resized")

    def busy_pids():
        st = api.function_stats("resize")
        if st["busy"] > 0 and st["pids"]:
            return st["pids"]
        return "all done" if len(done_requests()) == N else None

    pids = wait_until(busy_pids, timeout=30, interval=0.01, what="a busy worker")
    if pids == "all done":
        print(f"kill round {k}: every request was already done")
        break
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        mine = [e for e in journal() if e["pid"] == pid]
        interrupted = mine[-1]["request"] if mine and mine[-1]["step"] == "start" else None
        kills.append((pid, interrupted))
        print(f"kill -9 worker pid {pid} after {len(done_requests())}/{N} resized"
              + (f": it was in the middle of {interrupted} (attempt {mine[-1]['attempt']})" if interrupted
                 else ": it was between requests"))

# --- every request answered -----------------------------------------------------------------------
def drained():
    q = api.queue_stats("resize-requests")
    return (q["visible"] + q["in_flight"] + q["delayed"] == 0
            and api.trigger("resizer")["stats"]["concurrency"] == 0)

wait_until(drained, timeout=120, interval=0.1, what="the request queue to drain")
elapsed = time.monotonic() - t0
responses = api.receive_all("resize-responses")
failed = api.receive_all("resize-failed")
trig = api.trigger("resizer")["stats"]
fn = api.function_stats("resize")
entries = journal()

print(f"\nall requests handled in {elapsed:.1f} s")
runs = {}
for e in entries:
    if e["step"] == "start":
        runs[e["request"]] = runs.get(e["request"], 0) + 1
rerun = sorted(r for r, n in runs.items() if n > 1)
dup_responses = sum(1 for e in entries if e["step"] == "done" and e["duplicate_response"])
print(f"requests whose resize started more than once (their batch was retried after a kill): {len(rerun)} {rerun[:8]}{' …' if len(rerun) > 8 else ''}")
print(f"second responses suppressed by Sluice-Dedup-Id: {dup_responses}")
print(f"trigger stats: batches={trig['batches']} errors={trig['errors']} retries={trig['retries']} "
      f"dead_lettered={trig['dead_lettered']} max_seen_concurrency={trig['max_seen_concurrency']}")
print(f"function stats: invocations={fn['invocations']} crashes={fn['crashes']} cold_starts={fn['cold_starts']}")

# --- checks ---------------------------------------------------------------------------------------
print("\nchecks:")
c = Checks()
expected_ids = {r["request_id"] for r in requests}
files = sorted(os.listdir(os.path.join(OUT, "resized")))
c.check(files == sorted(i + ".pgm" for i in expected_ids),
        f"exactly one resized file per request ({len(files)} files for {N} requests)")
bad = []
for r in requests:
    with open(os.path.join(OUT, "resized", r["request_id"] + ".pgm"), "rb") as f:
        data = f.read()
    w, h = r["width"], r["height"]
    if data != resize.pgm(w // 2, h // 2, resize.halve(resize.draw(w, h, r["seed"]), w, h)):
        bad.append(r["request_id"])
c.check(not bad, f"every file is its request's image at half size {bad[:5] if bad else ''}")
ids = [json.loads(m["body"])["request_id"] for m in responses]
c.check(len(ids) == N and set(ids) == expected_ids,
        f"exactly one response per request ({len(ids)} responses, {len(set(ids))} distinct, {N} requests)")
c.check(not failed, f"nothing in the on-failure queue resize-failed ({len(failed)})")
interrupted = [r for _, r in kills if r]
c.check(len(interrupted) >= 1, f"a kill -9 interrupted a request mid-resize ({len(interrupted)} of {len(kills)} kills)")
c.check(fn["crashes"] >= 1 and trig["errors"] >= 1,
        f"the crash was seen: function crashes={fn['crashes']}, trigger errors={trig['errors']}")
c.check(all(r in runs and runs[r] >= 2 for r in interrupted),
        "every interrupted request was run again")
sys.exit(c.exit_code())
