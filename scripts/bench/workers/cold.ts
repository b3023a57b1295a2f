/**
 * One cold start, in a fresh `node` process: load a bundle, call its handler
 * once, write the timings to fd 3. Usage: cold.js <bundle> <event.json>
 */
import { readFileSync, writeSync } from 'node:fs';
import { lambdaContext } from '../../../test/support/lambda-context';

async function main(): Promise<void> {
  const [bundle, eventFile] = process.argv.slice(2);
  const event: unknown = JSON.parse(readFileSync(eventFile!, 'utf8'));
  const t0 = performance.now();
  const mod = require(bundle!) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
  const t1 = performance.now();
  const result = await mod.handler(event, lambdaContext('keygate-authorizer'));
  const t2 = performance.now();
  if (!result || typeof result !== 'object') throw new Error(`unexpected result: ${JSON.stringify(result)}`);
  writeSync(3, JSON.stringify({ loadMs: t1 - t0, firstCallMs: t2 - t1, totalMs: t2 - t0, sinceProcessStartMs: t2 }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
