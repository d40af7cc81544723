#!/usr/bin/env python3
"""What a queue holds for its dedup window.

Creates queue `dedup-rss` (dedup_window 5m) and publishes COUNT messages of 100 bytes, each with
its own dedup id, in batches of 1,000. Prints the server's RSS before and after and the time;
deletes the queue at the end.

Usage: bench/dedup_rss.py PORT SERVER_PID COUNT
  e.g. sluice serve --data-dir /tmp/d --listen 127.0.0.1:8090 --durability interval &
       bench/dedup_rss.py 8090 $! 1000000
"""
import sys
import time

from local_api import LocalApi, rss_mib


def main():
    port, pid, count = (int(a) for a in sys.argv[1:4])
    api = LocalApi(port)
    api.expect(201, "PUT", "/v1/queues/dedup-rss", {"dedup_window": "5m"})
    print(f"server RSS {rss_mib(pid)} MiB")
    start = time.monotonic()
    for first in range(0, count, 1000):
        ids = range(first, min(count, first + 1000))
        api.expect(201, "POST", "/v1/queues/dedup-rss/messages/batch",
                   {"messages": [{"body": "x" * 100, "dedup_id": f"id-{i:012d}"} for i in ids]})
    print(f"published {count} with dedup ids in {time.monotonic() - start:.1f} s; server RSS {rss_mib(pid)} MiB")
    api.call("DELETE", "/v1/queues/dedup-rss")


if __name__ == "__main__":
    main()
