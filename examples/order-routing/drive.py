"""Drives the order-routing example (run.sh created the queues, the eu-billing function, the
webhook stub and the three rules on the default bus): puts the order events on the bus in
batches, waits until every destination has its orders, replays the last seconds through one
rule, and checks that each destination got exactly its orders."""
import json
import os
import sys
import time

from sluice_client import Api, Checks, wait_until

api = Api(os.environ["SLUICE_URL"])
OUT = os.environ["OUT_DIR"]
N = int(os.environ.get("ORDERS", "200"))
BATCH = 50
LAST = 40  # the orders put after the mark: what the replay covers

# --- the orders -----------------------------------------------------------------------------------
REGIONS = ["eu", "us", "apac", "eu", "us", "eu"]
CURRENCY = {"eu": "EUR", "us": "USD", "apac": "SGD"}


def make_event(i):
    region = REGIONS[i % len(REGIONS)]
    kind = "order.cancelled" if i % 13 == 12 else "order.created"
    return {"specversion": "1.0", "id": f"order-{i}", "source": "/shop/checkout", "type": kind,
            "subject": f"orders/{i}", "datacontenttype": "application/json",
            "data": {"order": i, "customer": f"c-{i % 37:02d}", "region": region,
                     "amount": round(15 + (i * 137) % 2400 + (i % 4) * 0.25, 2), "currency": CURRENCY[region]}}


events = [make_event(i) for i in range(N)]
created = [e for e in events if e["type"] == "order.created"]
# What each rule should route, computed here independently of the patterns.
expect_fraud = {e["data"]["order"] for e in created if e["data"]["region"] == "eu" and e["data"]["amount"] >= 1000}
expect_billing = {e["data"]["order"] for e in created if e["data"]["region"] == "eu"}
expect_partner = {e["data"]["order"] for e in created if e["data"]["region"] == "us"}
nowhere = [e for e in events if e["type"] != "order.created" or e["data"]["region"] == "apac"]
late = events[N - LAST:]
expect_replayed = {e["data"]["order"] for e in late if e["data"]["order"] in expect_fraud}


def put_batch(batch):
    """POST a batch (application/cloudevents-batch+json); returns the answer."""
    status, _, body = api.raw("POST", "/v1/buses/default/events", json.dumps(batch).encode(),
                              {"Content-Type": "application/cloudevents-batch+json"})
    assert status == 200, (status, body)
    return json.loads(body)


def journal(name):
    try:
        with open(os.path.join(OUT, name + ".jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


fraud_msgs = []


def drain_fraud():
    fraud_msgs.extend(api.receive_all("fraud-review"))
    return fraud_msgs


def delivered(fraud, billing, partner):
    """True once each destination holds at least the given number of orders."""
    return (len(drain_fraud()) >= fraud and len(journal("eu-billing")) >= billing
            and len([x for x in journal("webhook") if not x.get("rejected")]) >= partner)


# --- phase 1: every order but the last LAST, in batches; one bad event rides in the first ---------
t0 = time.monotonic()
first = list(events[:BATCH])
first.insert(7, {"specversion": "1.0", "id": "broken-1", "source": "/shop/checkout",
                 "data": {"order": -1}})  # no `type`: refused alone, the rest of the batch is stored
answers = [put_batch(first)] + [put_batch(events[s:min(s + BATCH, N - LAST)])
                                for s in range(BATCH, N - LAST, BATCH)]
accepted = sum(a["accepted"] for a in answers)
print(f"put {accepted} order events on bus default in {len(answers)} batches of up to {BATCH} "
      f"(+1 broken event, refused: {answers[0]['events'][7]['error']['message']})")

early = events[:N - LAST]
wait_until(lambda: delivered(len(expect_fraud - expect_replayed), len(expect_billing & {e["data"]["order"] for e in early}),
                             len(expect_partner & {e["data"]["order"] for e in early})),
           timeout=60, what="the first orders at every destination")
# The mark: everything after it is "the last seconds" the replay covers.
mark = time.time()
wait_until(lambda: time.time() > mark + 0.002, timeout=1, what="the clock to move past the mark")
answers.append(put_batch(late))
print(f"put the last {LAST} orders after {rfc3339(mark)}")
wait_until(lambda: delivered(len(expect_fraud), len(expect_billing), len(expect_partner)),
           timeout=60, what="every order at its destination")
print(f"every destination has its orders in {time.monotonic() - t0:.1f} s")

# --- the replay: the last seconds, through big-eu only -------------------------------------------
replay = api.post("/v1/buses/default/replays", {"from": rfc3339(mark), "rules": ["big-eu"]})
print(f"replay {replay['id']}: from {replay['from']} to {replay['to']} through rule big-eu")
replay = wait_until(lambda: (lambda r: r if r["state"] != "running" else None)(api.get(f"/v1/replays/{replay['id']}")),
                    timeout=30, what="the replay to finish")
wait_until(lambda: len(drain_fraud()) >= len(expect_fraud) + len(expect_replayed), timeout=30,
           what="the replayed orders in fraud-review")
# Whatever else would come (nothing should) has had the time the replay took to arrive.
drain_fraud()

bus = api.get("/v1/buses/default")
rules = {r["name"]: r for r in api.get("/v1/buses/default/rules")["rules"]}
billing = journal("eu-billing")
partner = journal("webhook")
live_fraud = [m for m in fraud_msgs if json.loads(m["body"])["replay"] is None]
replayed_fraud = [m for m in fraud_msgs if json.loads(m["body"])["replay"] is not None]
dlq = api.receive_all("routing-dlq")

print(f"\n{'rule':<12} {'expected':>8} {'matched':>8} {'delivered':>10} {'failed':>7}  destination")
for name, n, dest in (("big-eu", len(expect_fraud), "queue:fraud-review (template)"),
                      ("eu-billing", len(expect_billing), "fn:eu-billing (async)"),
                      ("us-partner", len(expect_partner), "webhook (signed)")):
    st = rules[name]["stats"]
    print(f"{name:<12} {n:>8} {st['matched']:>8} {st['delivered']:>10} {st['failed']:>7}  {dest}")
print(f"(big-eu's counts include the {replay['matched']} replayed matches)")
print(f"\nbus default: {bus['stats']}")
print(f"a fraud-review message: {live_fraud[0]['body']}  attributes {live_fraud[0]['attributes']}")

print("\nchecks:")
c = Checks()
bad = answers[0]["events"][7]
c.check(sum(a["accepted"] for a in answers) == N and sum(a["failed"] for a in answers) == 1
        and bad.get("error", {}).get("code") == "InvalidEvent" and "'type'" in bad["error"]["message"]
        and all("position" in e for a in answers for e in a["events"] if "error" not in e),
        f"{N} events accepted with a position each; the one without a type refused alone "
        f"(index 7: {bad.get('error', {}).get('code')})")


def exactly(got, expected, what):
    missing, extra, twice = expected - set(got), set(got) - expected, len(got) - len(set(got))
    return c.check(not missing and not extra and not twice,
                   f"{what}: exactly its {len(expected)} orders (missing {len(missing)}, unexpected {len(extra)}, "
                   f"twice {twice})")


exactly([json.loads(m["body"])["order"] for m in live_fraud], expect_fraud,
        "fraud-review (EU, amount >= 1000)")
body = json.loads(live_fraud[0]["body"]) if live_fraud else {}
c.check(all(json.loads(m["body"])["reason"].startswith("EU order over 1000: ")
            and json.loads(m["body"])["rule"] == "big-eu" for m in live_fraud)
        and set(body) == {"order", "customer", "amount", "reason", "event", "rule", "replay"},
        "fraud-review got the template's summary, not the event (fields " + ", ".join(sorted(body)) + ")")
c.check(all(m["attributes"] == {"bus": "default", "rule": "big-eu"} for m in fraud_msgs),
        "each fraud-review message carries the attributes bus=default, rule=big-eu")
exactly([x["order"] for x in billing if x["replay"] is None], expect_billing, "fn eu-billing (every EU order)")
accepted_hooks = [x for x in partner if not x.get("rejected")]
exactly([x["order"] for x in accepted_hooks], expect_partner, "webhook (US orders)")
c.check(accepted_hooks and not [x for x in partner if x.get("rejected")]
        and all(x["rule"] == "us-partner" and x["shop"] == "example-shop" and x["bus"] == "default"
                for x in accepted_hooks),
        "every webhook request had a valid Sluice-Signature, Sluice-Rule us-partner and the X-Shop header")
routed = ({json.loads(m["body"])["order"] for m in fraud_msgs} | {x["order"] for x in billing}
          | {x["order"] for x in accepted_hooks})
c.check(not routed & {e["data"]["order"] for e in nowhere},
        f"the {len(nowhere)} events no rule matches (APAC orders, cancellations) went nowhere")
c.check(bus["stats"]["events"] == N and bus["stats"]["dispatched"] == N and bus["stats"]["backlog"] == 0,
        f"bus default: events {bus['stats']['events']}, dispatched {bus['stats']['dispatched']}, "
        f"backlog {bus['stats']['backlog']}")
c.check(replay["state"] == "completed" and replay["replayed"] == LAST and replay["matched"] == len(expect_replayed),
        f"replay {replay['id']} {replay['state']}: {replay['replayed']} events of the last seconds read, "
        f"{replay['matched']} matched big-eu (expected {LAST} and {len(expect_replayed)})")
exactly([json.loads(m["body"])["order"] for m in replayed_fraud], expect_replayed,
        "fraud-review again, marked replay=" + replay["id"])
c.check(all(json.loads(m["body"])["replay"] == replay["id"] for m in replayed_fraud),
        "each replayed summary carries the replay id (input path $.replay)")
c.check(not [x for x in billing if x["replay"]] and len(accepted_hooks) == len(expect_partner)
        and rules["eu-billing"]["stats"]["matched"] == len(expect_billing)
        and rules["us-partner"]["stats"]["matched"] == len(expect_partner),
        "the replay went through big-eu only: eu-billing and the webhook got nothing more")
c.check(not dlq and all(rules[r]["stats"]["failed"] == 0 for r in rules),
        f"no failed deliveries, routing-dlq empty ({len(dlq)} messages)")
sys.exit(c.exit_code())
