#!/usr/bin/env python3
"""What an ack costs on an ordered topic subscription with many keys.

Creates topic `ordered-acks` with one ordered subscription, publishes KEYS x PER_KEY small
messages (batches of 1,000, round robin over the keys), receives until nothing more comes (each
key's first message: KEYS in flight, the rest waiting behind them), then acks them in requests
of 100. Prints the time per ack request and the slowest; deletes the topic at the end.

Usage: bench/ordered_acks.py PORT KEYS PER_KEY
  e.g. sluice serve --data-dir /tmp/d --listen 127.0.0.1:8090 --durability interval &
       bench/ordered_acks.py 8090 100000 2
"""
import sys
import time

from local_api import LocalApi


def main():
    port, keys, per = (int(a) for a in sys.argv[1:4])
    call = LocalApi(port).call

    status, doc = call("POST", "/v1/topics", {"name": "ordered-acks"})
    if status != 201:
        sys.exit(f"creating the topic: {status} {doc}")
    status, doc = call("POST", "/v1/topics/ordered-acks/subscriptions", {"name": "s", "mode": "ordered"})
    if status != 201:
        sys.exit(f"creating the subscription: {status} {doc}")
    messages = [{"body": f"{k}-{j}", "key": f"k{k}"} for j in range(per) for k in range(keys)]
    for i in range(0, len(messages), 1000):
        status, doc = call("POST", "/v1/topics/ordered-acks/messages/batch", {"messages": messages[i:i + 1000]})
        if status != 201:
            sys.exit(f"publishing: {status} {doc}")
    received = []
    start = time.monotonic()
    while True:
        status, doc = call("POST", "/v1/topics/ordered-acks/subscriptions/s/receive", {"max_messages": 1000})
        if status != 200:
            sys.exit(f"receiving: {status} {doc}")
        if not doc["messages"]:
            break
        received += doc["messages"]
    receiving = time.monotonic() - start
    requests, slowest, start = 0, 0.0, time.monotonic()
    for i in range(0, len(received), 100):
        t = time.monotonic()
        status, doc = call("POST", "/v1/topics/ordered-acks/subscriptions/s/ack",
                           {"receipts": [m["receipt"] for m in received[i:i + 100]]})
        slowest = max(slowest, time.monotonic() - t)
        requests += 1
        if status != 200:
            sys.exit(f"acking: {status} {doc}")
    acking = time.monotonic() - start
    print(f"{keys} keys x {per}: received {len(received)} in {receiving:.2f} s; {requests} acks of 100 in "
          f"{acking:.2f} s = {acking / max(requests, 1) * 1000:.2f} ms each (slowest {slowest * 1000:.1f} ms)")
    call("DELETE", "/v1/topics/ordered-acks")


if __name__ == "__main__":
    main()
