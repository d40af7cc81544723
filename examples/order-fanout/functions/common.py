"""Shared by the three order handlers: parse the SQS-shaped records a trigger sends, and keep a
journal (OUT_DIR/<function>.jsonl, one JSON line per order handled) the example checks."""
import json
import os
import time


def orders(event):
    """(order, attributes) for each record: the body is the order as published (JSON text), the
    attributes come as messageAttributes {"name": {"stringValue": …, "dataType": "String"}}."""
    for record in event["Records"]:
        attrs = {k: v["stringValue"] for k, v in record["messageAttributes"].items()}
        yield json.loads(record["body"]), attrs


def journal(function, entries):
    path = os.path.join(os.environ["OUT_DIR"], function + ".jsonl")
    with open(path, "a") as f:
        for e in entries:
            f.write(json.dumps({"t": time.time(), "pid": os.getpid(), **e}) + "\n")
