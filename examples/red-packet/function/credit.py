"""credit — credits a red packet to a user's account, invoked by the trigger `crediting` on the
queue `red-packets` (one packet per invocation). A packet is {"packet", "user", "amount"}
(amount in cents).

- The account service (ACCOUNT_URL) may be down: a 5xx or a refused connection raises, the
  invocation fails, and the trigger retries the packet later with exponential backoff.
- A packet whose amount is not a positive whole number can never succeed (a poison message):
  it raises ValueError on every attempt, and after max_attempts it goes to the trigger's
  on-failure queue with the reason and the attempts count.
- Crediting is idempotent on the account service's side (keyed by the packet id), so a retry
  after a lost answer never pays twice.

Each attempt is written to JOURNAL (a JSON line) for the example's checks.
"""
import json
import os
import time
import urllib.error
import urllib.request

ACCOUNT_URL = os.environ["ACCOUNT_URL"]
JOURNAL = os.environ.get("JOURNAL")


def journal(**entry):
    if JOURNAL:
        with open(JOURNAL, "a") as f:
            f.write(json.dumps({"t": time.time(), **entry}) + "\n")


def credit(packet):
    req = urllib.request.Request(f"{ACCOUNT_URL}/credit", data=json.dumps(packet).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"account service answered {e.code}") from None
    except OSError as e:
        raise RuntimeError(f"account service unreachable: {e}") from None


def handler(event, context):
    for record in event["Records"]:
        packet = json.loads(record["body"])
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        amount = packet.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            journal(packet=packet["packet"], attempt=attempt, outcome="invalid")
            raise ValueError(f"invalid amount {amount!r} in packet {packet['packet']}")
        try:
            answer = credit(packet)
        except RuntimeError as e:
            journal(packet=packet["packet"], attempt=attempt, outcome=str(e))
            raise
        journal(packet=packet["packet"], attempt=attempt, outcome="credited", balance=answer["balance"])
    return {"credited": len(event["Records"])}
