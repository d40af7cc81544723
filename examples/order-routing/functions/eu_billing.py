"""eu-billing — bills every EU order (rule eu-billing: type order.created, data.region eu).

The bus invokes the function with the CloudEvent itself as the event (no transform); it appends
one JSON line per order to OUT_DIR/eu-billing.jsonl, which the example checks."""
import json
import os


def handler(event, context):
    order = event["data"]
    line = {"id": event["id"], "order": order["order"], "region": order["region"],
            "amount": order["amount"], "invoice": f"EU-INV-{order['order']:05d}",
            "replay": event.get("replay"), "pid": os.getpid()}
    with open(os.path.join(os.environ["OUT_DIR"], "eu-billing.jsonl"), "a") as f:
        f.write(json.dumps(line) + "\n")
    return {"invoice": line["invoice"]}
