"""Prints bench/peers/run.sh's results (JSON lines) as one table with sluice ÷ best-peer ratios."""
import json
import sys
from statistics import median

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# (workload, mode, system) -> {round: row}; results from before --rounds have no round: 1.
by = {}
for r in rows:
    by.setdefault((r["workload"], r["mode"], r["system"]), {})[r.get("round", 1)] = r
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

def value(get, label, r):
    v = get(r)
    if v is None and label.startswith("drain"):  # the peer driver calls it "consume"
        v = phase("consume")(r)
    return v


rounds = sorted({r.get("round", 1) for r in rows})
several = len(rounds) > 1
header = f"{'workload':<11} {'mode':<9} {'metric':<21}" + "".join(f"{s:>12}" for s in systems) + f"{'sluice/best':>13}"
if several:
    header += f"{'per round':>17}"
print(header)
print("-" * len(header))
modes = sorted({r["mode"] for r in rows}, key=lambda m: ["fsync", "interval"].index(m) if m in ("fsync", "interval") else 9)
for workload, label, get, higher in metrics:
    for mode in modes:
        # Each round's values, then each system's median over the rounds it ran.
        per_round = {}
        for s in systems:
            for n, r in by.get((workload, mode, s), {}).items():
                v = value(get, label, r)
                if v is not None:
                    per_round.setdefault(n, {})[s] = v
        values = {}
        for s in systems:
            got = [vals[s] for vals in per_round.values() if s in vals]
            if got:
                values[s] = median(got)
            elif (workload, mode, s) in by:
                values[s] = None
        if not values:
            continue
        # A ratio compares sluice with the best peer of the same round (minutes apart, not an hour).
        ratios = []
        for n in sorted(per_round):
            vals = per_round[n]
            peers = [v for s, v in vals.items() if s != "sluice" and v]
            if vals.get("sluice") and peers:
                best = max(peers) if higher else min(peers)
                ratios.append(vals["sluice"] / best)
        ratio = f"{median(ratios):.2f}x" if ratios else ""
        spread = ""
        if several and ratios:
            spread = f"{min(ratios):.2f}-{max(ratios):.2f}x ({len(ratios)})"
        flags = ""
        for s in systems:
            failed = [n for n, r in by.get((workload, mode, s), {}).items() if not r["result"].get("ok", False)]
            if failed:
                flags += f" {s}:FAILED-CHECKS" + (f"(round {','.join(map(str, sorted(failed)))})" if several else "")
        line = f"{workload:<11} {mode:<9} {label:<21}" + "".join(
            f"{fmt(values.get(s)) if s in values else '—':>12}" for s in systems) + f"{ratio:>13}"
        if several:
            line += f"{spread:>17}" if len(spread) < 17 else " " + spread
        print(line + flags)
loads = [r.get("load") for r in rows if r.get("load") is not None]
if loads:
    print(f"\nload average (1 min) at the start of each run: {min(loads):.1f} to {max(loads):.1f} on {len(loads)} runs")
print("ratio: sluice ÷ best peer (rates: higher is better; latency, RSS, disk: lower is better).")
if several:
    print(f"{len(rounds)} rounds: each system's median; sluice/best is the median of the rounds' own ratios,")
    print("'per round' their range and count (each round's systems ran minutes apart).")
print("nats: JetStream 2.9.10 has no per-message fsync, so it appears in the interval rows only.")
