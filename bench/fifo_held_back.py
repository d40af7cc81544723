#!/usr/bin/env python3
"""What a FIFO queue holds while messages wait behind their groups' messages in flight.

Publishes COUNT messages round robin over GROUPS groups to a new FIFO queue (batches of 1,000,
visibility 1 h), then receives (max 1,000, no wait) without acking until a receive comes back
empty or refused at the server's in-flight limit (429 OverLimit, `serve --max-in-flight`). Prints the server's RSS after publishing and after receiving, the slowest receive, and
the queue's stats. With GROUPS=1 one message goes in flight and the rest wait behind it.

Usage: bench/fifo_held_back.py PORT SERVER_PID COUNT GROUPS [BODY_BYTES]
  e.g. sluice serve --data-dir /tmp/d --listen 127.0.0.1:8090 --durability interval &
       bench/fifo_held_back.py 8090 $! 400000 200000 100
"""
import sys
import time

from local_api import LocalApi, receive_without_acks, rss_mib


def main():
    port, pid, count, groups = (int(a) for a in sys.argv[1:5])
    body = "x" * (int(sys.argv[5]) if len(sys.argv) > 5 else 100)
    api = LocalApi(port)
    call = api.call

    status, doc = call("PUT", "/v1/queues/held-back", {"fifo": True, "visibility_timeout": "1h"})
    if status != 201:
        sys.exit(f"creating the queue: {status} {doc}")
    start = time.monotonic()
    for first in range(0, count, 1000):
        batch = [{"body": body, "group": f"group-{i % groups:08d}"}
                 for i in range(first, min(count, first + 1000))]
        status, doc = call("POST", "/v1/queues/held-back/messages/batch", {"messages": batch})
        if status != 201:
            sys.exit(f"publishing: {status} {doc}")
    print(f"published {count} in {time.monotonic() - start:.1f} s; server RSS {rss_mib(pid)} MiB")
    start = time.monotonic()
    received, slowest = receive_without_acks(api, "held-back")
    print(f"received {received} (not acked) in {time.monotonic() - start:.2f} s; slowest receive "
          f"{slowest * 1000:.0f} ms; server RSS {rss_mib(pid)} MiB")
    print("stats:", call("GET", "/v1/queues/held-back")[1]["stats"])
    call("DELETE", "/v1/queues/held-back")


if __name__ == "__main__":
    main()
