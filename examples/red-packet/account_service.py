"""A stand-in account service for the red-packet example: POST /credit {"packet","user","amount"}
credits the user once per packet id (a repeat answers the same balance, "duplicate": true);
GET /ledger returns everything. While the file given as --down-flag exists it answers every
request 503 (the outage the example switches on and off)."""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--down-flag", required=True)
args = p.parse_args()

lock = threading.Lock()
balances, credited, refused, duplicates = {}, {}, {}, {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            self.reply(200, {"balances": balances, "credited": credited, "refused": refused,
                             "duplicates": duplicates, "down": os.path.exists(args.down_flag)})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        packet = json.loads(self.rfile.read(n) or b"{}")
        with lock:
            pid = packet["packet"]
            if os.path.exists(args.down_flag):
                refused[pid] = refused.get(pid, 0) + 1
                return self.reply(503, {"error": "account service unavailable"})
            if pid in credited:
                duplicates[pid] = duplicates.get(pid, 0) + 1
            else:
                credited[pid] = packet["amount"]
                balances[packet["user"]] = balances.get(packet["user"], 0) + packet["amount"]
            self.reply(200, {"balance": balances[packet["user"]], "duplicate": duplicates.get(pid, 0) > 0})

    def log_message(self, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
