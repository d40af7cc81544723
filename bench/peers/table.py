"""Prints bench/peers/run.sh's results (JSON lines) as one table with sluice ÷ best-peer ratios."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by = {(r["workload"], r["mode"], r["system"]): r for r in rows}
systems = ["sluice", "redis", "nats"]

# (workload, label, extractor, higher_is_better)
def phase(name):
    return lambda r: r["result"].get("phases", {}).get(name, {}).get("rate")

def lat(kind, q):
    return lambda r: r["result"].get("latency", {}).get(kind, {}).get(q)

def rss(r):
    b = r["result"].get("server_footprint", {}).get("peak_rss_bytes")
    return b / 2**20 if b else None

def disk(r):
    return r.get("disk_bytes", 0) / 2**20

def disk_later(r):
    return r.get("disk_bytes_later", r.get("disk_bytes", 0)) / 2**20

metrics = [
    ("throughput", "publish msg/s", phase("publish"), True),
    ("throughput", "consume msg/s", phase("consume"), True),
    ("latency", "publish p50 ms", lat("publish", "p50_ms"), False),
    ("latency", "publish p99 ms", lat("publish", "p99_ms"), False),
    ("latency", "publish p99.9 ms", lat("publish", "p999_ms"), False),
    ("latency", "end-to-end p50 ms", lat("end_to_end", "p50_ms"), False),
    ("latency", "end-to-end p99 ms", lat("end_to_end", "p99_ms"), False),
    ("backlog", "publish msg/s", phase("publish"), True),
    ("backlog", "drain msg/s", phase("drain"), True),
    ("backlog", "peak server RSS MiB", rss, False),
    ("backlog", "data dir MiB (end)", disk, False),
    ("backlog", "data dir MiB (+10 s)", disk_later, False),
]

def fmt(v):
    if v is None:
        return "n/a"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"

header = f"{'workload':<11} {'mode':<9} {'metric':<21}" + "".join(f"{s:>12}" for s in systems) + f"{'sluice/best':>13}"
print(header)
print("-" * len(header))
modes = sorted({r["mode"] for r in rows}, key=lambda m: ["fsync", "interval"].index(m) if m in ("fsync", "interval") else 9)
for workload, label, get, higher in metrics:
    for mode in modes:
        values = {}
        for s in systems:
            r = by.get((workload, mode, s))
            if r is None:
                continue
            v = get(r)
            if label.startswith("drain") and v is None:  # the peer driver calls it "consume"
                v = phase("consume")(r)
            values[s] = v
        if not values:
            continue
        peers = [v for s, v in values.items() if s != "sluice" and v]
        ratio = ""
        if values.get("sluice") and peers:
            best = max(peers) if higher else min(peers)
            ratio = f"{values['sluice'] / best:.2f}x"
        flags = ""
        for s in systems:
            r = by.get((workload, mode, s))
            if r is not None and not r["result"].get("ok", False):
                flags += f" {s}:FAILED-CHECKS"
        line = f"{workload:<11} {mode:<9} {label:<21}" + "".join(
            f"{fmt(values.get(s)) if s in values else '—':>12}" for s in systems) + f"{ratio:>13}{flags}"
        print(line)
loads = [r.get("load") for r in rows if r.get("load") is not None]
if loads:
    print(f"\nload average (1 min) at the start of each run: {min(loads):.1f} to {max(loads):.1f} on {len(loads)} runs")
print("ratio: sluice ÷ best peer (rates: higher is better; latency, RSS, disk: lower is better).")
print("nats: JetStream 2.9.10 has no per-message fsync, so it appears in the interval rows only.")
