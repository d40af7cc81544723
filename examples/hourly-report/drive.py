"""Drives the hourly-report example (run.sh created the rules and deployed `report`): puts some
activity on the default bus, creates the hourly schedule and a one-time schedule two seconds
ahead with the CLI, waits for the report the one-time fire makes, and checks it."""
import calendar
import json
import math
import os
import shlex
import subprocess
import sys
import time

from sluice_client import Api, Checks, wait_until

api = Api(os.environ["SLUICE_URL"])
OUT = os.environ["OUT_DIR"]
SIGNUPS, ORDERS, FREE, OTHER = 25, 40, 5, 10


def sluice(*args):
    """Runs the sluice CLI against this server, echoing the command and its output."""
    print("$ sluice " + " ".join(shlex.quote(a) for a in args))
    p = subprocess.run([os.environ["SLUICE_CLI"], "--server", os.environ["SLUICE_URL"], *args],
                       capture_output=True, text=True, timeout=30)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"sluice {' '.join(args)} failed with exit status {p.returncode}")
    return p.stdout


def event(i, type_, data):
    return {"specversion": "1.0", "id": f"{type_}-{i}", "source": "/shop", "type": type_,
            "datacontenttype": "application/json", "data": data}


# --- some activity for the report to count ---------------------------------------------------------
batch = ([event(i, "user.signup", {"user": f"u{i}"}) for i in range(SIGNUPS)]
         + [event(i, "order.created", {"order": i, "amount": 10 + i}) for i in range(ORDERS)]
         + [event(ORDERS + i, "order.created", {"order": ORDERS + i, "amount": 0}) for i in range(FREE)]
         + [event(i, "page.viewed", {"page": "/"}) for i in range(OTHER)])
status, _, body = api.raw("POST", "/v1/buses/default/events", json.dumps(batch).encode(),
                          {"Content-Type": "application/cloudevents-batch+json"})
assert status == 200 and json.loads(body)["failed"] == 0, body
print(f"put {len(batch)} events on bus default: {SIGNUPS} signups, {ORDERS} paid orders, {FREE} free orders, "
      f"{OTHER} page views")
wait_until(lambda: api.get("/v1/buses/default")["stats"]["backlog"] == 0
           and api.get("/v1/buses/default/rules/orders")["stats"]["delivered"] == ORDERS
           and api.get("/v1/buses/default/rules/signups")["stats"]["delivered"] == SIGNUPS,
           timeout=30, what="the rules to catch up")

# --- the schedules ------------------------------------------------------------------------------------
sluice("schedule", "create", "hourly-report", "--expression", "cron(0 * * * ? *)", "--target", "fn:report",
       "--payload", '{"title":"hourly activity"}', "--description", "every hour, on the hour (UTC)")
due = math.ceil(time.time()) + 2
at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(due))
sluice("schedule", "create", "report-now", "--expression", f"at({at})", "--target", "fn:report",
       "--payload", '{"title":"activity report, right now"}')
listing = sluice("schedule", "list")

path = os.path.join(OUT, "report-report-now.json")
t0 = time.monotonic()
wait_until(lambda: os.path.exists(path), timeout=30, interval=0.05, what=f"the report ({path})")
waited = time.monotonic() - t0
with open(path) as f:
    report = json.load(f)
print(f"\nthe report, {waited:.1f} s after the schedule was created:\n{json.dumps(report, indent=2)}")
now_schedule = api.get("/v1/schedules/report-now")
hourly = api.get("/v1/schedules/hourly-report")
fn = api.function_stats("report")

print("\nchecks:")
c = Checks()
ev = report["event"]
c.check((ev["type"], ev["source"], ev["subject"]) == ("sluice.schedule", "sluice.scheduler", "report-now"),
        f"the function got a CloudEvent of type {ev['type']}, source {ev['source']}, subject {ev['subject']}")
c.check(ev["data"] == {"title": "activity report, right now"} and report["title"] == "activity report, right now",
        "its data is the schedule's payload")
c.check(ev["time"] == at + ".000Z" and ev["id"] == f"report-now-{due * 1000}",
        f"its time is the at() time ({ev['time']}), its id <schedule>-<due ms> ({ev['id']})")
c.check(report["rules"]["signups"]["matched"] == SIGNUPS and report["rules"]["signups"]["delivered"] == SIGNUPS,
        f"the report counts {report['rules']['signups']['matched']} signups (expected {SIGNUPS})")
c.check(report["rules"]["orders"]["matched"] == ORDERS and report["rules"]["orders"]["failed"] == 0,
        f"the report counts {report['rules']['orders']['matched']} paid orders (expected {ORDERS}; "
        f"the {FREE} free orders and {OTHER} page views match no rule)")
c.check(report["buses"]["default"]["events"] == len(batch),
        f"the report counts {report['buses']['default']['events']} events on bus default (expected {len(batch)})")
c.check(now_schedule["stats"]["fired"] == 1 and now_schedule["stats"]["next_fire"] is None,
        f"report-now fired once and never fires again (fired {now_schedule['stats']['fired']}, "
        f"next_fire {now_schedule['stats']['next_fire']})")
nxt = hourly["stats"]["next_fire"]
secs = calendar.timegm(time.strptime(nxt[:19], "%Y-%m-%dT%H:%M:%S")) - time.time()
c.check(nxt.endswith(":00:00.000Z") and 0 < secs <= 3600,
        f"hourly-report fires next on the hour, at {nxt} (in {secs / 60:.0f} min)")
c.check("hourly-report" in listing and "cron(0 * * * ? *)" in listing and "report-now" in listing,
        "`sluice schedule list` shows both schedules")
c.check(fn["invocations"] >= 1 and fn["errors"] == 0 and fn["async_failed"] == 0,
        f"function report: {fn['invocations']} invocation(s), {fn['errors']} errors (async, queued by the schedule)")
sys.exit(c.exit_code())
