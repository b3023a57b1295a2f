/**
 * One cold start, in a fresh `node` process: load a bundle, call its handler
 * once, write the timings to fd 3. Usage: cold.js <bundle> <event.json>
 *
 * Between the two, when the DynamoDB endpoint is `http://` (DynamoDB Local),
 * it times `import('node:http')` on its own. The SDK makes that import on its
 * first request to an `http://` endpoint only (it loads `node:https` with the
 * bundle, so that part is in `loadMs`), and Node 22's ESM facade for
 * `node:http` reads the module's lazy `WebSocket` getters, which load undici.
 * On AWS the endpoint is `https://` and none of it happens, so it is reported
 * as `localHttpMs` and kept out of `firstCallMs`. The TLS handshake that AWS
 * adds to the first request is, the other way round, not in any figure here.
 */
import { readFileSync, writeSync } from 'node:fs';
import { lambdaContext } from '../../../fixtures/lambda-context';

async function main(): Promise<void> {
  const [bundle, eventFile] = process.argv.slice(2);
  const event: unknown = JSON.parse(readFileSync(eventFile!, 'utf8'));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const mod = require(bundle!) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB?.startsWith('http:')) await import('node:http');
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  const result = await mod.handler(event, lambdaContext('keygate-authorizer'));
  const t3 = performance.now();
  const c3 = process.cpuUsage();
  if (!result || typeof result !== 'object') throw new Error(`unexpected result: ${JSON.stringify(result)}`);
  const loadMs = t1 - t0;
  const firstCallMs = t3 - t2;
  // CPU time of this process (user + system), which other processes on the machine disturb less than wall time.
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
  const loadCpuMs = cpuMs(c0, c1);
  const firstCallCpuMs = cpuMs(c2, c3);
  writeSync(3, JSON.stringify({ loadMs, localHttpMs: t2 - t1, firstCallMs, totalMs: loadMs + firstCallMs, sinceProcessStartMs: t3, loadCpuMs, firstCallCpuMs, totalCpuMs: loadCpuMs + firstCallCpuMs }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
