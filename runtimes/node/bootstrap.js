// Sluice's Node runtime: runs an AWS Lambda handler (`exports.handler = async (event, context)`,
// or a callback-style handler) unchanged by speaking the Lambda Runtime API (2018-06-01) to the
// sluice instance that started it. Standard library only.
'use strict';
const http = require('http');
const path = require('path');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const PREFIX = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: Number(PORT), method, path: urlPath, agent,
      headers: Object.assign({}, headers || {}, body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function errorPayload(err, type) {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    errorType: type || e.name || 'Error',
    errorMessage: e.message,
    stackTrace: (e.stack || '').split('\n').slice(1).map((l) => l.trim())
      .filter((l) => !l.includes(__filename) && !l.includes('node:internal') && !l.startsWith('at new Promise')),
  };
}

async function failInit(type, message, err) {
  const payload = errorPayload(err || new Error(message), type);
  payload.errorMessage = message;
  console.error(`[ERROR] ${type}: ${message}`);
  await request('POST', `${PREFIX}/init/error`, JSON.stringify(payload),
    { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': type });
  process.exit(1);
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) return failInit('Runtime.MalformedHandlerName', `Bad handler '${spec}': use module.function`);
  const moduleName = spec.slice(0, dot);
  const fnName = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let mod;
  try {
    const base = path.resolve(root, moduleName);
    try {
      mod = require(base);
    } catch (e) {
      if (e && e.code === 'ERR_REQUIRE_ESM') mod = await import(base + '.mjs');
      else throw e;
    }
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND') {
      return failInit('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`, e);
    }
    return failInit('Runtime.UserCodeSyntaxError', `${e && e.name}: ${e && e.message}`, e);
  }
  const handler = mod && mod[fnName];
  if (typeof handler !== 'function') {
    return failInit('Runtime.HandlerNotFound', `${moduleName}.${fnName} is undefined or not exported`);
  }
  return handler;
}

function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, value) => {
      if (settled) return;
      settled = true;
      if (err) reject(err); else resolve(value);
    };
    context.done = callback;
    context.succeed = (v) => callback(null, v);
    context.fail = (e) => callback(e);
    try {
      const r = handler(event, context, callback);
      if (r && typeof r.then === 'function') r.then((v) => callback(null, v), (e) => callback(e));
      else if (handler.length < 3) callback(null, r);
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  const handler = await loadHandler();
  for (;;) {
    const next = await request('GET', `${PREFIX}/invocation/next`);
    if (next.status !== 200) {
      console.error(`runtime API refused next: ${next.status} ${next.body.slice(0, 200)}`);
      process.exit(1);
    }
    const id = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms'] || 0);
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    let event;
    try {
      event = next.body ? JSON.parse(next.body) : null;
    } catch (e) {
      event = next.body;
    }
    try {
      const result = await invoke(handler, event, context);
      const out = JSON.stringify(result === undefined ? null : result);
      await request('POST', `${PREFIX}/invocation/${id}/response`, out, { 'Content-Type': 'application/json' });
    } catch (e) {
      const payload = errorPayload(e);
      console.error(`[ERROR] ${payload.errorType}: ${payload.errorMessage}`);
      await request('POST', `${PREFIX}/invocation/${id}/error`, JSON.stringify(payload),
        { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': payload.errorType });
    }
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
