'use strict';
/**
 * One Lambda execution environment: a worker thread that loads a bundle from
 * cdk.out exactly as it would be deployed and calls its handler. Plain
 * CommonJS on purpose, so no TypeScript loader sits between the bundle and
 * Node. The host (lambda-host.ts) gives each worker the function's own
 * environment variables, so module-level configuration is per function.
 *
 * Messages in:  { id, event, deadline }
 * Messages out: { type: 'ready' } | { type: 'init-error', error }
 *               | { type: 'result', id, ok: true, json } | { type: 'result', id, ok: false, error }
 */
const { parentPort, workerData } = require('node:worker_threads');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { randomUUID } = require('node:crypto');

const { codeDir, handler, functionName, functionArn, memoryMb } = workerData;

function describe(err) {
  if (err instanceof Error) return { errorType: err.name, errorMessage: err.message, stack: err.stack };
  // `throw 'Unauthorized'` and `callback('Unauthorized')` are errors too.
  return { errorType: typeof err, errorMessage: String(err) };
}

async function load() {
  const dot = handler.lastIndexOf('.');
  const base = join(codeDir, handler.slice(0, dot));
  const exportName = handler.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error(`Cannot find module '${handler.slice(0, dot)}' in ${codeDir}`), { name: 'Runtime.ImportModuleError' });
  const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  const fn = mod[exportName] ?? (mod.default && mod.default[exportName]);
  if (typeof fn !== 'function') throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return fn;
}

function context(deadline) {
  const awsRequestId = randomUUID();
  return {
    awsRequestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Async handlers and callback handlers alike; the first answer wins. */
function call(fn, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(value);
    };
    try {
      const out = fn(event, ctx, callback);
      if (out && typeof out.then === 'function') out.then((v) => callback(null, v), (e) => callback(e === undefined ? new Error('undefined') : e));
      else if (fn.length < 3) callback(null, out);
    } catch (err) {
      callback(err);
    }
  });
}

load().then(
  (fn) => {
    parentPort.on('message', ({ id, event, deadline }) => {
      call(fn, event, context(deadline))
        // Lambda hands back the JSON of the result, nothing else.
        .then((value) => JSON.stringify(value === undefined ? null : value))
        .then(
          (json) => parentPort.postMessage({ type: 'result', id, ok: true, json }),
          (err) => parentPort.postMessage({ type: 'result', id, ok: false, error: describe(err) }),
        );
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (err) => parentPort.postMessage({ type: 'init-error', error: describe(err) }),
);
