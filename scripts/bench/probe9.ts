import { LRUCache } from 'lru-cache';
import { REFERENCE_ROUTES } from '../../lambda/core/catalog';
import { findRoute } from '../../lambda/core/decision';
import { PolicyCache, parseMethodArn } from '../../lambda/core/policy';
import { generateToken, newId, parseToken, verifySecret } from '../../lambda/core/token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t = generateToken('user', newId());
const arn = 'arn:aws:execute-api:us-east-1:123456789012:abc123/api/POST/v1/scores';
const pc = new PolicyCache(REFERENCE_ROUTES);
const lru = new LRUCache<string, object>({ max: 10000, ttl: 5000, ttlResolution: 0 });
const fns: Record<string, () => unknown> = {
  parseToken: () => parseToken(t.value, ['user', 'bot']),
  verifySecret: () => verifySecret(t, t.secretHash),
  parseMethodArn: () => parseMethodArn(arn),
  findRoute: () => findRoute(REFERENCE_ROUTES, 'POST', '/v1/scores'),
  policyAllow: () => pc.allow('arn:aws:execute-api:us-east-1:123456789012:abc123/api', ['submit_score', 'delete_score']),
  lruSet: () => lru.set('user:' + Math.random(), {}, { ttl: 5000 }),
  nothing: () => 0,
};
(async () => {
  for (const f of Object.values(fns)) for (let i = 0; i < 20000; i++) f();
  const hot: Record<string, number[]> = {}, cold: Record<string, number[]> = {};
  for (let r = 0; r < 400; r++) {
    for (const [n, f] of Object.entries(fns)) {
      await sleep(1);
      let s = process.hrtime.bigint(); f(); (cold[n] ??= []).push(Number(process.hrtime.bigint() - s) / 1000);
      s = process.hrtime.bigint(); f(); (hot[n] ??= []).push(Number(process.hrtime.bigint() - s) / 1000);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(2);
  for (const n of Object.keys(fns)) console.log(n.padEnd(16), 'after 1 ms sleep', med(cold[n]!), 'right after', med(hot[n]!));
})();
