"""Helpers for the function-runtime integration tests: build code archives in memory and deploy."""
import base64
import io
import json
import os
import tarfile
import time
import zipfile

PY_HANDLER = '''
import json, os, sys, time
def handler(event, context):
    if event.get("fail"):
        raise ValueError("bad thing: " + str(event["fail"]))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("crash"):
        os._exit(3)
    if event.get("flood"):
        chunk = "x" * 1000
        for _ in range(event["flood"]):
            print(chunk)
    if event.get("hog"):
        hog = bytearray(event["hog"] * 1024 * 1024)
        return {"allocated": len(hog)}
    if event.get("forkbomb"):
        n = 0
        try:
            while n < 100000:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
        except OSError as e:
            return {"forks": n, "stopped": str(e)}
        return {"forks": n}
    print("hello", context.aws_request_id)
    return {"echo": event, "pid": os.getpid(), "version": os.environ.get("VERSION", "1"),
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 60000,
            "function_name": context.function_name, "request_id": context.aws_request_id,
            "memory": context.memory_limit_in_mb}
'''

NODE_HANDLER = '''
exports.handler = async (event, context) => {
  if (event.fail) throw new TypeError('node failure: ' + event.fail);
  console.log('node hello', context.awsRequestId);
  return { echo: event, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0 };
};
'''

SHELL_BOOTSTRAP = '''#!/bin/sh
# A Lambda custom runtime in shell with curl.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)
  rm -f "$HEADERS"
  echo "shell got $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"shell\\":true,\\"event\\":$EVENT}" > /dev/null
done
'''

HTTP_SERVER = '''
import http.server, json, os
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n) or b"{}")
        status = 500 if body.get("fail") else 200
        out = json.dumps({"http": True, "got": body, "id": self.headers.get("Sluice-Invocation-Id")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
'''


def tar_gz(files):
    """files: {path: text or (text, mode)} -> .tar.gz bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for path, content in files.items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = mode
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in files.items():
            z.writestr(path, content)
    return buf.getvalue()


def b64(data):
    return base64.b64encode(data).decode()


def python_function(**config):
    body = {"runtime": "python3.11", "handler": "app.handler",
            "code_base64": b64(tar_gz({"app.py": PY_HANDLER}))}
    body.update(config)
    return body


def deploy(server, name, body, expect=(200, 201)):
    r = server.put(f"/v1/functions/{name}", body)
    if expect and r.status not in expect:
        raise AssertionError(f"deploy {name}: {r!r}")
    return r


def invoke(server, name, payload=None, **kw):
    return server.post(f"/v1/functions/{name}/invoke", payload if payload is not None else {}, **kw)


def stats(server, name):
    r = server.get(f"/v1/functions/{name}")
    assert r.status == 200, r
    return r.json["stats"]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
