"""A stand-in for a fulfilment partner's webhook: checks the Sluice-Signature header (HMAC-SHA256
of the exact body, keyed with $WEBHOOK_SECRET), answers 401 when it is wrong, and journals every
request it accepted (one JSON line each) for the example to check.

    python3 webhook_stub.py --port 9000 --journal out/webhook.jsonl
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import threading

SECRET = os.environ["WEBHOOK_SECRET"].encode()
LOCK = threading.Lock()


def signature_ok(body, header):
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    journal = None

    def reply(self, status, body=b"{}"):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # readiness probe for run.sh
        self.reply(200, b'{"ok":true}')

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not signature_ok(body, self.headers.get("Sluice-Signature")):
            with LOCK, open(self.journal, "a") as f:
                f.write(json.dumps({"rejected": True, "path": self.path}) + "\n")
            self.reply(401, b'{"error":"bad signature"}')
            return
        event = json.loads(body)
        entry = {"path": self.path, "id": event["id"], "order": event["data"]["order"],
                 "region": event["data"]["region"], "rule": self.headers.get("Sluice-Rule"),
                 "bus": self.headers.get("Sluice-Bus"), "attempt": self.headers.get("Sluice-Attempt"),
                 "shop": self.headers.get("X-Shop"), "signature": "ok"}
        with LOCK, open(self.journal, "a") as f:
            f.write(json.dumps(entry) + "\n")
        self.reply(200)

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--journal", required=True)
    a = p.parse_args()
    Handler.journal = a.journal
    http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
