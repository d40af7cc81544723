#!/usr/bin/env python3
"""What a topic subscription holds when one message stays in flight while the rest are acked.

Creates topic `ack-holes` with a shared subscription, publishes one message and receives it with
a 12 h visibility timeout (never acked: the subscription's floor stays below it), then publishes
COUNT messages of 100 bytes in batches of 1,000 and receives and acks each batch. Every ack is
above the floor, so the subscription remembers it. Prints the server's RSS before and after and
the time the acks took; deletes the topic at the end.

Usage: bench/ack_holes.py PORT SERVER_PID COUNT
  e.g. sluice serve --data-dir /tmp/d --listen 127.0.0.1:8090 --durability interval &
       bench/ack_holes.py 8090 $! 1000000
"""
import sys
import time

from local_api import LocalApi, rss_mib


def main():
    port, pid, count = (int(a) for a in sys.argv[1:4])
    call = LocalApi(port).call
    base = "/v1/topics/ack-holes"
    for path, doc in (("/v1/topics", {"name": "ack-holes"}), (f"{base}/subscriptions", {"name": "s"})):
        status, answer = call("POST", path, doc)
        if status != 201:
            sys.exit(f"POST {path}: {status} {answer}")
    call("POST", f"{base}/messages/batch", {"messages": [{"body": "stuck"}]})
    status, doc = call("POST", f"{base}/subscriptions/s/receive", {"visibility_timeout": "12h"})
    if status != 200 or len(doc["messages"]) != 1:
        sys.exit(f"receiving the stuck message: {status} {doc}")
    print(f"one message in flight; server RSS {rss_mib(pid)} MiB")
    start = time.monotonic()
    done = 0
    while done < count:
        n = min(1000, count - done)
        status, doc = call("POST", f"{base}/messages/batch", {"messages": [{"body": "x" * 100}] * n})
        if status != 201:
            sys.exit(f"publishing: {status} {doc}")
        got = []
        while len(got) < n:
            status, doc = call("POST", f"{base}/subscriptions/s/receive", {"max_messages": 1000})
            if status != 200 or not doc["messages"]:
                sys.exit(f"receiving: {status} {doc}")
            got += doc["messages"]
        status, doc = call("POST", f"{base}/subscriptions/s/ack", {"receipts": [m["receipt"] for m in got]})
        if status != 200:
            sys.exit(f"acking: {status} {doc}")
        done += n
    took = time.monotonic() - start
    status, doc = call("GET", f"{base}/subscriptions/s")
    print(f"published, received and acked {count} in {took:.1f} s ({count / took:,.0f} msg/s); "
          f"server RSS {rss_mib(pid)} MiB; stats {doc['stats'] if status == 200 else doc}")
    call("DELETE", base)


if __name__ == "__main__":
    main()
