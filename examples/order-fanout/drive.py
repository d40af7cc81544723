"""Drives the order-fanout example (run.sh set up the topic, the subscriptions with their
filters, the functions and the triggers): publishes the orders to the topic once, waits until
every subscription is drained, and checks that each function saw exactly its orders."""
import json
import os
import sys
import time

from sluice_client import Api, Checks, wait_until

api = Api(os.environ["SLUICE_URL"])
OUT = os.environ["OUT_DIR"]
N = int(os.environ.get("ORDERS", "300"))
FUNCTIONS = ["billing", "shipping", "points"]

# --- the orders -----------------------------------------------------------------------------------
orders = []
for i in range(N):
    cust = i % 30
    orders.append({
        "order": i,
        "customer": f"c-{cust:02d}",
        "total": 0 if i % 7 == 0 else round(5 + (i * 37) % 200 + 0.5 * (i % 2), 2),  # 0: paid by voucher
        "delivery": "download" if i % 3 == 0 else "parcel",
        "member": cust % 3 != 0,
    })
# What each subscription's filter should let through, computed here independently.
expected = {
    "billing": {o["order"] for o in orders if o["total"] > 0},
    "shipping": {o["order"] for o in orders if o["delivery"] == "parcel"},
    "points": {o["order"] for o in orders if o["member"]},
}

t0 = time.monotonic()
for start in range(0, N, 1000):
    r = api.post("/v1/topics/orders/messages/batch", {"messages": [
        {"body": {k: v for k, v in o.items() if k != "member"},
         "key": o["customer"],  # a customer's orders share a partition, in order
         "attributes": {"type": "order.created", "member": "true" if o["member"] else "false"}}
        for o in orders[start:start + 1000]]})
    assert all("error" not in x for x in r["results"]), r
print(f"published {N} orders to topic orders (one publish each; the topic fans them out)")


def journal(fn):
    try:
        with open(os.path.join(OUT, fn + ".jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def all_drained():
    for fn in FUNCTIONS:
        sub = api.get(f"/v1/topics/orders/subscriptions/{fn}")["stats"]
        if sub["backlog"] != 0 or api.trigger(fn)["stats"]["concurrency"] != 0:
            return False
        if len(journal(fn)) < len(expected[fn]):
            return False
    return True


wait_until(all_drained, timeout=90, interval=0.1, what="every subscription drained")
print(f"all three subscriptions drained in {time.monotonic() - t0:.1f} s\n")

print(f"{'function':<10} {'expected':>8} {'handled':>8} {'batches':>8} {'filtered by its subscription':>30}")
seen, subs, trig = {}, {}, {}
for fn in FUNCTIONS:
    seen[fn] = journal(fn)
    subs[fn] = api.get(f"/v1/topics/orders/subscriptions/{fn}")
    trig[fn] = api.trigger(fn)["stats"]
    print(f"{fn:<10} {len(expected[fn]):>8} {len(seen[fn]):>8} {trig[fn]['batches']:>8} "
          f"{subs[fn]['stats']['filtered']:>30}")
points_total = sum(e["points"] for e in seen["points"])
print(f"\npoints credited: {points_total}; invoices: {len(seen['billing'])}, "
      f"{sum(e['amount'] for e in seen['billing']):.2f} in total; parcels booked: {len(seen['shipping'])}")

print("\nchecks:")
c = Checks()
for fn in FUNCTIONS:
    ids = [e["order"] for e in seen[fn]]
    missing = expected[fn] - set(ids)
    extra = set(ids) - expected[fn]
    dups = len(ids) - len(set(ids))
    c.check(not missing and not extra and not dups,
            f"{fn} saw exactly its {len(expected[fn])} orders (missing {len(missing)}, unexpected {len(extra)}, "
            f"twice {dups}); filter {json.dumps(subs[fn]['filter'])}")
    c.check(subs[fn]["stats"]["filtered"] == N - len(expected[fn]),
            f"{fn}'s subscription skipped the other {N - len(expected[fn])} (stats.filtered = "
            f"{subs[fn]['stats']['filtered']})")
    c.check(trig[fn]["succeeded"] == len(expected[fn]) and trig[fn]["errors"] == 0,
            f"trigger {fn}: succeeded={trig[fn]['succeeded']}, errors={trig[fn]['errors']}")
by_customer = {}
for e in seen["shipping"]:
    by_customer.setdefault(e["customer"], []).append(e["order"])
c.check(all(v == sorted(v) for v in by_customer.values()),
        f"shipping (an ordered subscription) booked each customer's parcels in order ({len(by_customer)} customers)")
c.check(points_total == sum(int(o["total"] // 10) for o in orders if o["member"]), "points add up")
sys.exit(c.exit_code())
