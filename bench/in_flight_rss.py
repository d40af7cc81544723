#!/usr/bin/env python3
"""What a standard queue holds when a consumer receives without acknowledging.

Publishes COUNT messages of 100 bytes to queue `in-flight` (batches of 1,000, visibility 1 h),
then receives (max 1,000, no wait) without acking until a receive comes back empty or is refused
at the in-flight limit (429 OverLimit, `sluice serve --max-in-flight`). Prints the server's RSS
after publishing and after receiving, and the queue's stats; deletes the queue at the end.

Usage: bench/in_flight_rss.py PORT SERVER_PID COUNT
  e.g. sluice serve --data-dir /tmp/d --listen 127.0.0.1:8090 --durability interval &
       bench/in_flight_rss.py 8090 $! 500000
"""
import sys

from local_api import LocalApi, receive_without_acks, rss_mib


def main():
    port, pid, count = (int(a) for a in sys.argv[1:4])
    api = LocalApi(port)
    call = api.call

    status, doc = call("PUT", "/v1/queues/in-flight", {"visibility_timeout": "1h"})
    if status != 201:
        sys.exit(f"creating the queue: {status} {doc}")
    for start in range(0, count, 1000):
        batch = [{"body": "x" * 100} for _ in range(min(1000, count - start))]
        status, doc = call("POST", "/v1/queues/in-flight/messages/batch", {"messages": batch})
        if status != 201:
            sys.exit(f"publishing: {status} {doc}")
    print(f"published {count}; server RSS {rss_mib(pid)} MiB")
    received, _ = receive_without_acks(api, "in-flight")
    print(f"received {received} (not acked); server RSS {rss_mib(pid)} MiB")
    print("stats:", call("GET", "/v1/queues/in-flight")[1]["stats"])
    call("DELETE", "/v1/queues/in-flight")


if __name__ == "__main__":
    main()
