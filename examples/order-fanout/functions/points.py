"""points — credits loyalty points to members (subscription filter: attribute member = true):
one point per whole 10 of the order's total."""
from common import journal, orders


def handler(event, context):
    credits = [{"order": o["order"], "customer": o["customer"], "points": int(o["total"] // 10),
                "member": a.get("member")} for o, a in orders(event)]
    journal("points", credits)
    return {"credited": len(credits)}
