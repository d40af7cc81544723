#!/usr/bin/env python3
"""Crash test: kill -9 the server under a mixed load, restart it on the same data dir, and hold it
to every operation it acknowledged (tests/crash/ledger.py says exactly what is checked).

    python3 tests/crash/crash_test.py --cycles 20 --seed 1 --bin build/src/app/sluice

Each cycle: start `sluice serve` (durability fsync unless --durability says otherwise: interval
and none promise the same across a kill of the process, not of the machine), check the
recovered message counts against the ledger, run publisher and consumer threads
(tests/crash/ops.py), and kill -9 the server at a random point drawn from the seed. After the last
cycle the server is restarted once more, every queue is drained and checked message by message,
and the server is stopped with SIGTERM (it must exit 0).

The queues (`layout()`): standard ones, one for delayed publishes, a FIFO queue (groups, dedup
ids), a standard and a FIFO queue with max_deliveries 2 and their dead-letter queues (redrive
tasks on the standard one), and a queue read by a trigger that invokes a webhook function: an HTTP
sink in this process (`Sink`).

The seed fixes every random choice (kill points, batch sizes, operation mix, per-message actions);
thread interleavings still vary from run to run, so a failure is re-run with its seed, and the
report names the cycle. Standard library only. Exit status 0 when no violation was found.
"""
import argparse
import http.server
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from ledger import Ledger, body_for, seq_of  # noqa: E402
from ops import Client, REFUSED, Worker, kinds_for  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cycles", type=int, default=20, help="kill/restart cycles (default 20)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    p.add_argument("--bin", default=os.environ.get("SLUICE_BIN", os.path.join(REPO, "build", "src", "app", "sluice")))
    p.add_argument("--durability", default="fsync", choices=["fsync", "interval", "none"],
                   help="the server's --durability (default fsync). Each promises that acknowledged "
                        "operations survive kill -9 of the process, which is what this test does; "
                        "only fsync also survives a machine crash (docs/RELIABILITY.md)")
    p.add_argument("--shards", type=int, default=2)
    p.add_argument("--queues", type=int, default=2)
    p.add_argument("--publishers", type=int, default=3)
    p.add_argument("--consumers", type=int, default=2)
    p.add_argument("--max-batch", type=int, default=50)
    p.add_argument("--max-backlog", type=int, default=5000,
                   help="publishers pause while this many messages are unacked")
    p.add_argument("--min-run", type=float, default=0.2, help="shortest load before a kill (s)")
    p.add_argument("--max-run", type=float, default=3.0, help="longest load before a kill (s)")
    p.add_argument("--data-dir", help="use (and keep) this data dir")
    p.add_argument("--keep", action="store_true", help="keep the data dir and server log")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


class Server:
    """One `sluice serve` process on a fixed port and data dir, restarted each cycle."""

    def __init__(self, binary, data_dir, args):
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.binary = binary
        self.data_dir = data_dir
        self.args = args
        self.log_path = data_dir.rstrip("/") + ".log"
        self.proc = None

    def start(self, timeout=30):
        import subprocess
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"] + self.args,
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        c = Client(self.port, timeout=5)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"sluice exited with {self.proc.returncode} at start:\n{self.log_tail()}")
                r = c.request("GET", "/healthz")
                if r is not REFUSED and r is not None and r[0] == 200:
                    return
                time.sleep(0.01)  # waiting for the process to listen
        finally:
            c.close()
        raise RuntimeError("sluice did not become healthy:\n" + self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self, timeout=30):
        self.proc.terminate()
        return self.proc.wait(timeout=timeout)

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""


MAX_DELIVERIES = 2  # of the queues of DEAD_LETTER, then their messages move to their DLQ
DEAD_LETTER = {"crash-retry": "crash-dlq", "crash-fifo-retry": "crash-fifo-dlq"}


def layout(args):
    """The queues, by the role the operation kinds know them by (ops.py `target`), with the config
    each is created with (PUT, so the order matters: a dead-letter queue before its source)."""
    names = {"standard": [f"crash-{i}" for i in range(args.queues)], "delayed": ["crash-delayed"],
             "fifo": ["crash-fifo"], "dlq": ["crash-dlq"], "dlq_source": ["crash-retry"],
             "fifo_dlq": ["crash-fifo-dlq"], "fifo_dlq_source": ["crash-fifo-retry"],
             "trigger": ["crash-trigger"]}
    configs = {q: {"visibility_timeout": "5s"} for q in names["standard"] + names["delayed"] + names["dlq"]
               + names["fifo_dlq"] + names["trigger"]}
    # the longest dedup window, so that a long run by hand never outlives it
    configs["crash-fifo"] = {"visibility_timeout": "5s", "fifo": True, "dedup_window": "24h"}
    configs["crash-retry"] = {"visibility_timeout": "1s", "max_deliveries": MAX_DELIVERIES,
                              "dead_letter_queue": DEAD_LETTER["crash-retry"]}
    configs["crash-fifo-retry"] = {**configs["crash-fifo"], **configs["crash-retry"],
                                   "dead_letter_queue": DEAD_LETTER["crash-fifo-retry"]}
    return names, configs


def checked_queues(names):
    """The queues checked message by message (each with its dead-letter queue, ledger.family()):
    all but the trigger's, which the trigger consumes on its own."""
    return (names["standard"] + names["delayed"] + names["fifo"] + names["dlq_source"]
            + names["fifo_dlq_source"])


class Sink(http.server.ThreadingHTTPServer):
    """The webhook the trigger's function posts to: records every message it is handed (the SQS
    event shape, {"Records":[{"body":…}]}) in the ledger and answers 200. Runs across the cycles."""
    daemon_threads = True

    def __init__(self, ledger):
        ledger_ = ledger

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                try:
                    raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                except OSError:
                    return  # the server was killed while sending the event: not handed over
                try:
                    records = json.loads(raw)["Records"]
                except (ValueError, KeyError, TypeError):
                    ledger_.violation(f"the trigger's function got an event that is not SQS-shaped: {raw[:200]!r}")
                    records = []
                ledger_.count("trigger_invocations")
                for rec in records:
                    seq = seq_of(rec.get("body"))
                    if seq is None or rec.get("body") != body_for(seq):
                        ledger_.violation(f"the trigger's function got a record that is not ours: {str(rec)[:200]}")
                        continue
                    ledger_.handled(seq)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the server was killed while the invocation ran

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, name="sink", daemon=True).start()


def setup(server, configs, sink):
    c = Client(server.port)
    try:
        fn = {"kind": "webhook", "url": f"http://127.0.0.1:{sink.server_address[1]}/", "timeout": "5s"}
        trigger = {"source": "queue:crash-trigger", "function": "crash-sink", "batch_size": 10,
                   "max_attempts": 1000, "backoff": "10ms", "max_backoff": "200ms"}
        for path, body in [(f"/v1/queues/{q}", cfg) for q, cfg in configs.items()] + [
                ("/v1/functions/crash-sink", fn), ("/v1/triggers/crash-trigger", trigger)]:
            r = c.request("PUT", path, body)
            if r is None or r is REFUSED or r[0] not in (200, 201):
                raise RuntimeError(f"PUT {path}: {r} ({c.last_error!r})")
    finally:
        c.close()


def poll(condition, timeout):
    """Polls `condition()` (truthy when done) until `timeout`; returns whether it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)  # polling for a condition with a deadline
    return False


def stats(c, q):
    r = c.request("GET", f"/v1/queues/{q}")
    return r[1]["stats"] if r is not None and r is not REFUSED and r[0] == 200 else None


def no_task_running(c):
    r = c.request("GET", "/v1/tasks")
    return r is not None and r is not REFUSED and r[0] == 200 and \
        not any(t.get("state") == "running" for t in r[1]["tasks"])


def check_recovered(server, names, ledger, cycle, verbose):
    """Each queue (with its dead-letter queue) holds what the ledger says, nothing in flight. A
    redrive task resumes at start; its moves are waited out so the two queues are read still.
    The trigger's queue is left out: the trigger consumes it from the start."""
    c = Client(server.port)
    try:
        if not poll(lambda: no_task_running(c), timeout=30):
            ledger.violation(f"cycle {cycle}: a redrive task still running 30 s after the restart")
        for q in checked_queues(names):
            held = 0
            for where in ledger.family(q):
                st = stats(c, where)
                if st is None:
                    ledger.violation(f"cycle {cycle}: GET /v1/queues/{where} after restart failed "
                                     f"({c.last_error!r})")
                    continue
                held += st["visible"] + st["in_flight"] + st.get("delayed", 0)
                if st["in_flight"] != 0:
                    ledger.violation(f"cycle {cycle}: {where} has {st['in_flight']} in flight right after a restart")
            must, may = ledger.bounds(q)
            if verbose:
                print(f"  cycle {cycle} {q}: holds {held} (must {must}, may {may} more)")
            if not must <= held <= must + may:
                ledger.violation(
                    f"cycle {cycle}: {' + '.join(ledger.family(q))} hold {held} messages after restart; "
                    f"the ledger says {must} must be there and up to {may} more may")
    finally:
        c.close()


def drain(server, queue, ledger):
    """Every message of `queue`, each received once under a 12h lease and acked (a FIFO queue
    hands out a group's next message only after the previous one is acked)."""
    c = Client(server.port)
    out = []
    empties = 0
    try:
        while empties < 2:
            r = c.request("POST", f"/v1/queues/{queue}/receive",
                          {"max_messages": 100, "visibility_timeout": "12h"})
            if r is None or r is REFUSED or r[0] != 200:
                ledger.violation(f"drain of {queue}: receive answered {r}")
                break
            msgs = r[1]["messages"]
            out.extend(msgs)
            empties = empties + 1 if not msgs else 0
            if msgs:
                r = c.request("POST", f"/v1/queues/{queue}/ack", {"receipts": [m["receipt"] for m in msgs]})
                if r is None or r is REFUSED or r[0] != 200 or not all(x.get("ok") for x in r[1]["results"]):
                    ledger.violation(f"drain of {queue}: ack answered {r}")
                    break
        st = stats(c, queue)
        if st is None or st["visible"] + st["in_flight"] + st.get("delayed", 0) != 0:
            ledger.violation(f"drain of {queue}: not empty after draining: {st}")
    finally:
        c.close()
    return out


def final_checks(server, names, ledger):
    """After the last restart: wait for the delayed messages to fall due and the redrive tasks to
    end, drain and check every queue; wait for the trigger to empty its queue, check its function
    got every acknowledged publish."""
    c = Client(server.port)
    summaries = {}
    try:
        every = [q for qs in names.values() for q in qs]
        if not poll(lambda: all((stats(c, q) or {}).get("delayed", 1) == 0 for q in every), 30):
            ledger.violation("delayed messages still not due 30 s after the last restart")
        if not poll(lambda: no_task_running(c), timeout=30):
            ledger.violation("a redrive task still running 30 s after the last restart")
        for q in checked_queues(names):
            drained = [(where, m) for where in ledger.family(q) for m in drain(server, where, ledger)]
            summaries[q] = ledger.check_drained(q, drained)
        trig = names["trigger"][0]

        def trigger_done():
            st = stats(c, trig)
            return st is not None and st["visible"] + st["in_flight"] + st.get("delayed", 0) == 0
        if not poll(trigger_done, timeout=60):
            ledger.violation(f"the trigger did not empty {trig} within 60 s: {stats(c, trig)}")
        summaries[trig] = ledger.check_handled(trig)
    finally:
        c.close()
    return summaries


def run_cycle(server, cycle, names, ledger, rng, args):
    ledger.new_epoch()
    stop = threading.Event()
    workers = []
    for role, n in (("publisher", args.publishers), ("consumer", args.consumers)):
        for i in range(n):
            wrng = random.Random(f"{args.seed}/{cycle}/{role}/{i}")
            workers.append(Worker(f"{role}-{i}", role, kinds_for(role), server.port, names, ledger,
                                  wrng, stop, args))
    # The kill point: mostly under full load, sometimes right after recovery.
    if rng.random() < 0.1:
        run_for = rng.uniform(0.0, 0.1)
    else:
        run_for = rng.uniform(args.min_run, args.max_run)
    for w in workers:
        w.start()
    time.sleep(run_for)  # the seeded kill point, not a wait for a condition
    if not server.alive():
        ledger.violation(f"cycle {cycle}: the server died on its own (exit {server.proc.returncode}):\n"
                         + server.log_tail())
    else:
        server.kill9()
    stop.set()
    for w in workers:
        w.join(timeout=60)
        if w.is_alive():
            ledger.violation(f"cycle {cycle}: worker {w.name} did not stop")
    return run_for


def main(argv=None):
    args = parse_args(argv)
    if args.seed is None:
        args.seed = int(time.time() * 1000) % 1_000_000
    rng = random.Random(args.seed)
    own_dir = args.data_dir is None
    base = tempfile.mkdtemp(prefix="sluice-crash-")
    data_dir = args.data_dir or os.path.join(base, "data")
    server = Server(args.bin, data_dir, ["--shards", str(args.shards), "--durability", args.durability,
                                         "--log-level", "warn"])
    names, configs = layout(args)
    ledger = Ledger()
    for source, dlq in DEAD_LETTER.items():
        ledger.dead_letter(source, dlq, MAX_DELIVERIES)
    sink = Sink(ledger)
    print(f"crash test: seed {args.seed}, {args.cycles} cycles, data dir {data_dir}", flush=True)
    started = time.monotonic()
    failed_cycle = None
    try:
        server.start()
        setup(server, configs, sink)
        for cycle in range(args.cycles):
            run_for = run_cycle(server, cycle, names, ledger, rng, args)
            server.start()
            check_recovered(server, names, ledger, cycle, args.verbose)
            if args.verbose or cycle % 5 == 4:
                t = ledger.totals()
                print(f"cycle {cycle}: killed after {run_for:.2f}s; "
                      f"{t['publishes_acknowledged']} publishes acked, {t['acks_ok']} acks ok, "
                      f"{len(ledger.violations)} violations", flush=True)
            if ledger.violations and failed_cycle is None:
                failed_cycle = cycle
                break
        summaries = {}
        if not ledger.violations:
            summaries = final_checks(server, names, ledger)
        rc = server.stop()
        if rc != 0:
            ledger.violation(f"SIGTERM after the drain: exit status {rc}\n" + server.log_tail())
    finally:
        if server.alive():
            server.kill9()
        sink.shutdown()
    totals = ledger.totals()
    report = {"seed": args.seed, "cycles": args.cycles if failed_cycle is None else failed_cycle + 1,
              "seconds": round(time.monotonic() - started, 1), "totals": totals, "drain": summaries,
              "violations": len(ledger.violations)}
    print(json.dumps(report, indent=1))
    if ledger.violations:
        print(f"FAILED (seed {args.seed}, cycle {failed_cycle}): {len(ledger.violations)} violations",
              file=sys.stderr)
        for v in ledger.violations[:50]:
            print("  " + v, file=sys.stderr)
        print(f"data dir and log kept: {data_dir}, {server.log_path}", file=sys.stderr)
        return 1
    if own_dir and not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print(f"ok: {totals['publishes_acknowledged']} acknowledged publishes and {totals['acks_ok']} "
          f"acknowledged acks verified over {args.cycles} kill -9 cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
