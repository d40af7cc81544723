"""Drives the peak-shaving example (run.sh set up the queue, the function and the trigger): a
burst of small events lands in the queue much faster than the function may take them; the
trigger drains it with at most 4 invocations at once while a probe measures /healthz latency.
Checks: every event handled, the function never saw more than 4 overlapping invocations, the
server stayed responsive."""
import json
import os
import sys
import threading
import time

from sluice_client import Api, Checks, overlap_peak, wait_until

URL = os.environ["SLUICE_URL"]
LOG = os.environ["LOG"]
CAP = int(os.environ.get("MAX_CONCURRENCY", "4"))
default_n = "20000" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "100000"
N = int(os.environ.get("PEAK_SHAVING_MESSAGES", default_n))
PUBLISHERS = 4

api = Api(URL)

# --- the /healthz probe ---------------------------------------------------------------------------
latencies = []  # (time, seconds)
stop_probe = threading.Event()


def probe():
    c = Api(URL, timeout=30)
    while not stop_probe.is_set():
        t = time.perf_counter()
        status, _, _ = c.raw("GET", "/healthz")
        latencies.append((time.monotonic(), time.perf_counter() - t))
        if status != 200:
            print(f"/healthz answered {status}")
        stop_probe.wait(0.02)


# --- the burst ------------------------------------------------------------------------------------
def publisher(k, errors):
    c = Api(URL)
    try:
        for start in range(k * 1000, N, PUBLISHERS * 1000):
            c.publish_batch("events", [{"body": {"seq": i, "value": i % 10}}
                                       for i in range(start, min(start + 1000, N))])
    except Exception as e:  # reported by the main thread
        errors.append(e)


threading.Thread(target=probe, daemon=True).start()
time.sleep(0.5)  # a baseline before the burst
t0 = time.monotonic()
errors = []
pubs = [threading.Thread(target=publisher, args=(k, errors)) for k in range(PUBLISHERS)]
for t in pubs:
    t.start()
peak_backlog = 0
last_print = 0
while any(t.is_alive() for t in pubs):
    time.sleep(0.2)
    peak_backlog = max(peak_backlog, api.trigger("shaver")["stats"]["backlog"])
for t in pubs:
    t.join()
if errors:
    raise errors[0]
t_published = time.monotonic() - t0
print(f"burst: {N:,} events published in {t_published:.1f} s ({N / t_published:,.0f}/s) by {PUBLISHERS} publishers")


def progress():
    global peak_backlog, last_print
    st = api.trigger("shaver")["stats"]
    peak_backlog = max(peak_backlog, st["backlog"])
    now = time.monotonic() - t0
    if now - last_print >= 2:
        last_print = now
        print(f"  t={now:5.1f}s  backlog={st['backlog']:>7,}  handled={st['succeeded']:>7,}  "
              f"running={st['concurrency']}  batches={st['batches']:,}")
    return st["backlog"] == 0 and st["concurrency"] == 0 and st["succeeded"] >= N


wait_until(progress, timeout=600, interval=0.2, what="the burst drained")
t_drained = time.monotonic() - t0
stop_probe.set()
time.sleep(0.1)

with open(LOG) as f:
    calls = [json.loads(line) for line in f if line.strip()]
seqs = [s for c in calls for s in c["seqs"]]
peak = overlap_peak([(c["start"], c["end"]) for c in calls])
trig = api.trigger("shaver")["stats"]
fn = api.function_stats("absorb")
lat = sorted(x for _, x in latencies)
during = [x for t, x in latencies if t >= t0]
p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
sizes = [len(c["seqs"]) for c in calls]

print(f"drained: all {N:,} handled {t_drained:.1f} s after the burst started "
      f"({N / t_drained:,.0f} events/s; peak backlog {peak_backlog:,})")
print(f"invocations: {len(calls):,}, batch size avg {sum(sizes) / len(sizes):.1f} (max {max(sizes)}), "
      f"worker processes {len({c['pid'] for c in calls})} (function max_instances 10)")
print(f"concurrency: peak overlap measured by the function {peak}; trigger max_seen_concurrency "
      f"{trig['max_seen_concurrency']}; cap {CAP}")
print(f"/healthz during the burst and the drain: {len(during)} probes, max {max(during) * 1000:.1f} ms, "
      f"p99 {p99 * 1000:.1f} ms, median {lat[len(lat) // 2] * 1000:.1f} ms")
print(f"waiting: the longest an event waited in the queue {max(cc['waited'] for cc in calls):.1f} s; "
      f"highest delivery count {max(cc['max_receive_count'] for cc in calls)} (1 = the first delivery)")
print(f"function stats: invocations={fn['invocations']} throttles={fn['throttles']} errors={fn['errors']}")

print("\nchecks:")
c = Checks()
missing = N - len(set(seqs))
c.check(missing == 0 and set(seqs) == set(range(N)), f"every event handled ({len(set(seqs)):,} of {N:,}; missing {missing})")
c.check(len(seqs) == len(set(seqs)), f"none handled twice ({len(seqs) - len(set(seqs))} repeats)")
c.check(all(cc["max_receive_count"] == 1 for cc in calls),
        "waiting in the backlog cost no attempt: every event was handled on its first delivery")
c.check(sum(cc["sum"] for cc in calls) == sum(i % 10 for i in range(N)), "the stored values add up")
c.check(1 <= peak <= CAP, f"the function never ran more than {CAP} at once (peak overlap {peak})")
c.check(trig["max_seen_concurrency"] <= CAP, f"the trigger agrees (max_seen_concurrency {trig['max_seen_concurrency']})")
c.check(max(during) < 1.0, f"the server stayed responsive: /healthz max {max(during) * 1000:.1f} ms < 1000 ms")
c.check(trig["errors"] == 0 and trig["dead_lettered"] == 0, f"no failures (errors {trig['errors']})")
sys.exit(c.exit_code())
