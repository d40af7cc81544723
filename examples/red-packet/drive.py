"""Drives the red-packet example (run.sh started the account service stub, set up the queues,
the function and the trigger): takes the account service down, sends the red packets and one
poison packet, brings the service back once every packet has failed twice, and checks that
each packet was credited exactly once and the poison one ended in the on-failure queue."""
import json
import os
import sys
import time
import urllib.request

from sluice_client import Api, Checks, wait_until

api = Api(os.environ["SLUICE_URL"])
ACCOUNT_URL = os.environ["ACCOUNT_URL"]
DOWN_FLAG = os.environ["DOWN_FLAG"]
JOURNAL = os.environ["JOURNAL"]
N = int(os.environ.get("RED_PACKETS", "20"))
MAX_ATTEMPTS, BACKOFF, MAX_BACKOFF = 6, 0.3, 2.0  # as run.sh configured the trigger


def ledger():
    with urllib.request.urlopen(f"{ACCOUNT_URL}/ledger", timeout=5) as r:
        return json.loads(r.read())


def journal():
    try:
        with open(JOURNAL) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


packets = [{"packet": f"rp-{i:03d}", "user": f"user-{i % 5}", "amount": 88 + i} for i in range(N)]
poison = {"packet": "rp-poison", "user": "user-0", "amount": "lots"}

open(DOWN_FLAG, "w").close()
print("account service: DOWN (every call answers 503)")
t0 = time.time()
ids = [r["message_id"] for r in api.publish_batch("red-packets", [{"body": p} for p in packets + [poison]])]
poison_id = ids[-1]
print(f"sent {N} red packets and 1 poison packet (amount \"lots\") to red-packets")

wait_until(lambda: all(ledger()["refused"].get(p["packet"], 0) >= 3 for p in packets), timeout=60,
           interval=0.05, what="every packet refused three times")
os.remove(DOWN_FLAG)
t_up = time.time()
print(f"account service: UP again after {t_up - t0:.1f} s (every packet had been refused three times)")

wait_until(lambda: len(ledger()["credited"]) == N, timeout=60, interval=0.05, what="every packet credited")
print(f"all {N} packets credited {time.time() - t_up:.1f} s after the recovery")
dead = []
wait_until(lambda: dead.extend(api.receive_all("red-packets-dlq")) or dead, timeout=60, interval=0.2,
           what="the poison packet in the on-failure queue")
print(f"poison packet in red-packets-dlq {time.time() - t0:.1f} s after it was sent")
wait_until(lambda: (lambda q: q["visible"] + q["in_flight"] + q["delayed"] == 0)(api.queue_stats("red-packets")),
           timeout=30, what="the source queue empty")
time.sleep(0.5)  # anything still coming would show up in the counts below
dead += api.receive_all("red-packets-dlq")

entries = journal()
led = ledger()
trig = api.trigger("crediting")["stats"]
attempts_of = {}
for e in entries:
    attempts_of.setdefault(e["packet"], []).append(e)

print("\nattempts per packet (time since the first attempt; x = failed, ok = credited):")
for p in packets[:3] + [poison]:
    a = attempts_of.get(p["packet"], [])
    line = "  ".join(f"#{e['attempt']} +{e['t'] - a[0]['t']:.2f}s {'ok' if e['outcome'] == 'credited' else 'x'}"
                     for e in a)
    print(f"  {p['packet']:<10} {line}")
hist = {}
for p in packets:
    ok = [e["attempt"] for e in attempts_of.get(p["packet"], []) if e["outcome"] == "credited"]
    if ok:
        hist[ok[0]] = hist.get(ok[0], 0) + 1
print("credited at attempt: " + ", ".join(f"#{k}: {v} packets" for k, v in sorted(hist.items())))
rec = json.loads(dead[0]["body"]) if dead else {}
print("\nthe on-failure record in red-packets-dlq:")
for k in ("trigger", "function", "source", "attempts", "failed_at", "reason", "message"):
    v = json.dumps(rec.get(k))
    print(f"  {k:<10} {v[:150]}{' …' if len(v) > 150 else ''}")
print(f"  attribute sluice.trigger.attempts = {dead[0]['attributes'].get('sluice.trigger.attempts') if dead else '-'}")
print(f"\ntrigger stats: batches={trig['batches']} succeeded={trig['succeeded']} errors={trig['errors']} "
      f"retries={trig['retries']} dead_lettered={trig['dead_lettered']}")

print("\nchecks:")
c = Checks()
c.check(set(led["credited"]) == {p["packet"] for p in packets} and not led["duplicates"],
        f"every packet credited exactly once ({len(led['credited'])} credited, {sum(led['duplicates'].values())} repeats)")
want = {}
for p in packets:
    want[p["user"]] = want.get(p["user"], 0) + p["amount"]
c.check(led["balances"] == want, f"balances add up: {led['balances']}")
c.check(all(led["refused"].get(p["packet"], 0) >= 3 for p in packets) and hist and min(hist) >= 4,
        "each packet failed during the outage and was credited on a retry (attempt >= 4)")
# The jittered backoff waits between cap/2 and cap, cap = backoff * 2^(n-1) (at most max_backoff).
gaps_ok, worst = True, None
for p in packets + [poison]:
    a = attempts_of.get(p["packet"], [])
    for prev, nxt in zip(a, a[1:]):
        floor = min(BACKOFF * 2 ** (prev["attempt"] - 1), MAX_BACKOFF) / 2
        gap = nxt["t"] - prev["t"]
        if gap < floor * 0.9:
            gaps_ok, worst = False, (p["packet"], prev["attempt"], gap, floor)
c.check(gaps_ok, "retries waited the exponential backoff (gap after attempt n >= min(0.3 s * 2^(n-1), 2 s) / 2)"
        + (f"; {worst}" if worst else ""))
c.check(len(dead) == 1, f"exactly one message in the on-failure queue ({len(dead)})")
if dead:
    c.check(rec.get("message", {}).get("message_id") == poison_id and json.loads(rec["message"]["body"]) == poison,
            "it is the poison packet, with its body")
    c.check(rec.get("attempts") == MAX_ATTEMPTS and dead[0]["attributes"].get("sluice.trigger.attempts") == str(MAX_ATTEMPTS),
            f"with its attempts count: {rec.get('attempts')} (max_attempts {MAX_ATTEMPTS})")
    c.check("invalid amount" in rec.get("reason", ""), f"and the reason: {rec.get('reason', '')[:120]!r}")
poison_tries = [e["attempt"] for e in attempts_of.get("rp-poison", [])]
c.check(poison_tries == list(range(1, MAX_ATTEMPTS + 1)), f"the poison packet was tried {poison_tries}")
c.check(trig["dead_lettered"] == 1 and trig["succeeded"] == N,
        f"trigger stats: succeeded={trig['succeeded']}, dead_lettered={trig['dead_lettered']}")
sys.exit(c.exit_code())
