"""resize — a stand-in image transform, invoked by the trigger `resizer` on the queue
`resize-requests` with batches of requests {"request_id", "width", "height", "seed"}.

For each request it draws a grey-scale PGM image, "resizes" it by halving (a 2x2 box filter),
writes OUT_DIR/resized/<request_id>.pgm and publishes {"request_id", "path", "width", "height"}
to RESPONSE_QUEUE. Both steps are idempotent, because a request can run more than once (a
worker killed mid-batch has its batch retried):

- the file is written under OUT_DIR/tmp/ and renamed over resized/<request_id>.pgm: a retry
  rewrites the same bytes, and resized/ never holds half an image;
- the response is published with `Sluice-Dedup-Id: <request_id>`: a second publish within the
  queue's dedup window is answered `"duplicate": true` and not stored.

Each step is also written to JOURNAL (one JSON line: pid, request, attempt, what), so the
example can show what a kill -9 interrupted.
"""
import json
import os
import time
import urllib.request

OUT_DIR = os.environ["OUT_DIR"]
SLUICE_URL = os.environ["SLUICE_URL"]
RESPONSE_QUEUE = os.environ.get("RESPONSE_QUEUE", "resize-responses")
WORK_MS = float(os.environ.get("WORK_MS", "100"))  # pretend the transform takes this long
JOURNAL = os.environ.get("JOURNAL")


def draw(width, height, seed):
    """A deterministic test card: the same request always gives the same pixels."""
    return bytes(((x * seed + y * 7) ^ (x * y)) & 255 for y in range(height) for x in range(width))


def halve(pixels, width, height):
    """2x2 box filter: (width // 2) x (height // 2)."""
    w2, h2 = width // 2, height // 2
    out = bytearray(w2 * h2)
    for y in range(h2):
        r0, r1 = 2 * y * width, (2 * y + 1) * width
        for x in range(w2):
            i = 2 * x
            out[y * w2 + x] = (pixels[r0 + i] + pixels[r0 + i + 1] + pixels[r1 + i] + pixels[r1 + i + 1]) // 4
    return bytes(out)


def pgm(width, height, pixels):
    return b"P5\n%d %d\n255\n" % (width, height) + pixels


def journal(**entry):
    if JOURNAL:
        with open(JOURNAL, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "t": time.time(), **entry}) + "\n")


def publish_response(response):
    req = urllib.request.Request(
        f"{SLUICE_URL}/v1/queues/{RESPONSE_QUEUE}/messages", data=json.dumps(response).encode(),
        method="POST", headers={"Sluice-Dedup-Id": response["request_id"],
                                "Sluice-Attr-request_id": response["request_id"]})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read()).get("duplicate", False)


def handler(event, context):
    os.makedirs(os.path.join(OUT_DIR, "resized"), exist_ok=True)
    os.makedirs(os.path.join(OUT_DIR, "tmp"), exist_ok=True)
    for record in event["Records"]:
        req = json.loads(record["body"])
        rid, w, h = req["request_id"], req["width"], req["height"]
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        journal(request=rid, attempt=attempt, step="start")
        small = halve(draw(w, h, req["seed"]), w, h)
        time.sleep(WORK_MS / 1000)
        path = os.path.join(OUT_DIR, "resized", rid + ".pgm")
        tmp = os.path.join(OUT_DIR, "tmp", f"{rid}.{os.getpid()}")  # a kill leaves it here, not in resized/
        with open(tmp, "wb") as f:
            f.write(pgm(w // 2, h // 2, small))
        os.replace(tmp, path)
        duplicate = publish_response({"request_id": rid, "path": path, "width": w // 2, "height": h // 2})
        journal(request=rid, attempt=attempt, step="done", duplicate_response=duplicate)
    return {"resized": len(event["Records"])}
