#!/usr/bin/env python3
"""Sluice's Python runtime: runs an AWS Lambda handler (`def handler(event, context)`) unchanged
by speaking the Lambda Runtime API (2018-06-01) to the sluice instance that started it.
Standard library only. Environment: AWS_LAMBDA_RUNTIME_API, _HANDLER (module.function),
LAMBDA_TASK_ROOT (the code), AWS_LAMBDA_FUNCTION_* (name, version, memory size)."""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.rsplit(":", 1)
PREFIX = "/2018-06-01/runtime"


class Connection:
    """One keep-alive connection to the runtime API, reopened if it drops."""

    def __init__(self):
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, int(PORT))
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise


def error_payload(exc, error_type=None):
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_list(
            [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__])
        if exc.__traceback__ else [],
        "requestId": "",
    }


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, trace_id):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms
        self.trace_id = trace_id

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def load_handler(conn):
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    try:
        if not module_name or not function_name:
            raise ValueError(f"Bad handler '{spec}': use module.function")
        module = importlib.import_module(module_name.replace("/", "."))
    except ModuleNotFoundError as e:
        return fail_init(conn, e, "Runtime.ImportModuleError",
                         f"Unable to import module '{module_name}': {e}")
    except SyntaxError as e:
        return fail_init(conn, e, "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}")
    except Exception as e:  # the module raised while importing
        return fail_init(conn, e, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
    handler = getattr(module, function_name, None)
    if handler is None or not callable(handler):
        return fail_init(conn, None, "Runtime.HandlerNotFound",
                         f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def fail_init(conn, exc, error_type, message):
    payload = error_payload(exc or Exception(message), error_type)
    payload["errorMessage"] = message
    print(f"[ERROR] {error_type}: {message}", file=sys.stderr, flush=True)
    conn.request("POST", f"{PREFIX}/init/error", json.dumps(payload).encode(),
                 {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def main():
    conn = Connection()
    handler = load_handler(conn)
    while True:
        resp, body = conn.request("GET", f"{PREFIX}/invocation/next")
        if resp.status != 200:
            print(f"runtime API refused next: {resp.status} {body[:200]!r}", file=sys.stderr, flush=True)
            sys.exit(1)
        request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
        deadline = int(resp.getheader("Lambda-Runtime-Deadline-Ms") or 0)
        context = LambdaContext(request_id, deadline, resp.getheader("Lambda-Runtime-Invoked-Function-Arn", ""),
                                resp.getheader("Lambda-Runtime-Trace-Id", ""))
        if context.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = context.trace_id
        try:
            event = json.loads(body) if body else None
            result = handler(event, context)
            out = json.dumps(result).encode()
        except Exception as e:  # the handler's error, in Lambda's shape
            payload = error_payload(e)
            payload["requestId"] = request_id
            print(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", file=sys.stderr, flush=True)
            conn.request("POST", f"{PREFIX}/invocation/{request_id}/error", json.dumps(payload).encode(),
                         {"Content-Type": "application/json",
                          "Lambda-Runtime-Function-Error-Type": payload["errorType"]})
            continue
        conn.request("POST", f"{PREFIX}/invocation/{request_id}/response", out,
                     {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
