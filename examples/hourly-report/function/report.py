"""report — builds a small activity report each time a schedule fires it.

A schedule sends a CloudEvent: type `sluice.schedule`, source `sluice.scheduler`, subject the
schedule's name, time the due time, data the schedule's payload. The function reads the event
buses and the default bus's rules from the sluice API ($SLUICE_URL) and writes
OUT_DIR/report-<schedule>.json (written to a temp file, then renamed: readers never see half)."""
import json
import os
import time
import urllib.request


def get(path):
    with urllib.request.urlopen(os.environ["SLUICE_URL"] + path, timeout=5) as r:
        return json.load(r)


def handler(event, context):
    buses = {b["name"]: {"rules": b["rules"], "events": b["stats"]["events"], "archived": b["stats"]["archived"]}
             for b in get("/v1/buses")["buses"]}
    rules = {r["name"]: {k: r["stats"][k] for k in ("matched", "delivered", "failed", "dead_lettered")}
             for r in get("/v1/buses/default/rules")["rules"]}
    report = {
        "title": event["data"].get("title", "activity report"),
        "schedule": event["subject"],
        "due": event["time"],
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "event": {k: event[k] for k in ("id", "type", "source", "subject", "time", "data")},
        "buses": buses,
        "rules": rules,
    }
    path = os.path.join(os.environ["OUT_DIR"], f"report-{event['subject']}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(report, f, indent=2)
    os.replace(path + ".tmp", path)
    print(f"report for {event['subject']} (due {event['time']}): "
          + ", ".join(f"{n} matched {s['matched']}" for n, s in sorted(rules.items())))
    return {"written": path}
