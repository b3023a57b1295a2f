/**
 * Rate limits, quotas and credits end to end (SPEC §12): the reference app
 * (plans `free`: 5 r/s, burst 10, 1,000 a day, the default; `partner`: 50 r/s,
 * burst 100) served by `npm start` over real HTTP. What the template says
 * (usage plans attached to the stage by Custom::KeygateUsagePlanStage, the
 * default and credits-spent keys, THROTTLED and QUOTA_EXCEEDED bodies) is
 * what the runner enforces; plans are set through the admin API.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { call, REPO_ROOT, startRunner, synthOnce, type StartedRunner } from './runner-process';

jest.setTimeout(60_000);

// The quick start's admin, so the README's blocks run as written; its password is given instead of printed.
const ADMIN = { email: 'admin@keygate.local', password: 'plans-admin-password-1' };
const workDir = mkdtempSync(join(tmpdir(), 'keygate-plans-qs-'));
let runner: StartedRunner;
let cookie: string;
let botId: string;

const today = () => new Date().toISOString().slice(0, 10);
const asAdmin = (method: string, path: string, body?: unknown) =>
  call(runner.base, method, path, { headers: { cookie, origin: runner.base }, ...(body !== undefined ? { body } : {}) });
const score = (key: string) => call(runner.base, 'POST', '/v1/scores', { headers: { authorization: `Bearer ${key}` }, body: {} });

async function botKey(name: string): Promise<{ key: string; id: string }> {
  const res = await asAdmin('POST', `/v1/admin/users/${botId}/keys`, { name, permissions: ['submit_score'] });
  expect(res.status).toBe(201);
  return res.body;
}

async function usedToday(query: string): Promise<number> {
  const res = await asAdmin('GET', `/v1/admin/users/${botId}/usage${query}`);
  expect(res.status).toBe(200);
  return (res.body.days as { date: string; used: number }[]).find((d) => d.date === today())?.used ?? 0;
}

beforeAll(async () => {
  await synthOnce();
  runner = await startRunner({ env: { KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password } });
  const login = await call(runner.base, 'POST', '/v1/auth/login', { body: ADMIN });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))!.split(';')[0]!;
  // The admin leaves the default plan's one shared bucket, so its own calls do not spend it.
  const me = await asAdmin('GET', '/v1/auth/me');
  expect((await asAdmin('PUT', `/v1/admin/users/${me.body.user?.id ?? me.body.id}/plan`, { plan: 'partner' })).status).toBe(200);
  const bot = await asAdmin('POST', '/v1/admin/users', { email: 'scorer@example.com', kind: 'bot' });
  expect(bot.status).toBe(201);
  botId = bot.body.user.id;
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the reference plans, over the runner', () => {
  it('lists shared (the default), free and partner', async () => {
    // Act
    const res = await asAdmin('GET', '/v1/plans');
    // Assess
    expect(res.body.plans).toEqual([
      expect.objectContaining({ name: 'shared', throttle: { rateLimit: 100, burstLimit: 200 }, quota: null, default: true }),
      expect.objectContaining({ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' }, default: false }),
      expect.objectContaining({ name: 'partner', throttle: { rateLimit: 50, burstLimit: 100 }, quota: null, default: false }),
    ]);
  });

  it("shares the user's bucket between the user's keys, and answers a burst past the free plan's 10 with 429 too_many_requests and Retry-After", async () => {
    // Prepare: the bot on free, two keys without a plan of their own
    expect((await asAdmin('PUT', `/v1/admin/users/${botId}/plan`, { plan: 'free' })).body).toMatchObject({ plan: 'free', usageKey: 'own' });
    const [a, b] = [await botKey('a'), await botKey('b')];
    // Act: 8 calls with each key at once: 16 against one bucket of 10
    const answers = await Promise.all([...Array(8).fill(a.key), ...Array(8).fill(b.key)].map((k: string) => score(k)));
    // Assess: at most the burst (and the odd token refilled meanwhile) got through, from both keys together
    const ok = answers.filter((r) => r.status === 200);
    const throttled = answers.filter((r) => r.status === 429);
    expect(ok.length + throttled.length).toBe(16);
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(ok.length).toBeLessThanOrEqual(12);
    expect(throttled[0]!.body).toMatchObject({ status_code: 429, error_code: 'too_many_requests' });
    expect(throttled[0]!.headers.get('retry-after')).toBe('1');
    // Each key alone would have had a bucket of 10: 8 calls each could not have been throttled.
    // The usage endpoint counts what got through, in the user's bucket.
    expect(await usedToday('')).toBe(ok.length);
  });

  it('answers the 6th call of a key with 5 credits 429 credits_exhausted, exactly, and counts the 5', async () => {
    // Prepare: a key on partner (room for bursts) with 5 credits
    const k = await botKey('five');
    expect((await asAdmin('PUT', `/v1/admin/users/${botId}/keys/${k.id}/plan`, { plan: 'partner' })).status).toBe(200);
    expect((await asAdmin('PUT', `/v1/admin/users/${botId}/keys/${k.id}/credits`, { credits: { remaining: 5 } })).status).toBe(200);
    // Act
    const statuses: number[] = [];
    let sixth;
    for (let i = 0; i < 6; i++) {
      const res = await score(k.key);
      statuses.push(res.status);
      sixth = res;
    }
    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(sixth!.body).toMatchObject({ status_code: 429, error_code: 'credits_exhausted' });
    expect(await usedToday(`?keyId=${k.id}`)).toBe(5);
  });

  it('lets exactly 5 of 20 parallel calls through on a key with 5 credits', async () => {
    // Prepare
    const k = await botKey('parallel');
    expect((await asAdmin('PUT', `/v1/admin/users/${botId}/keys/${k.id}/plan`, { plan: 'partner' })).status).toBe(200);
    expect((await asAdmin('PUT', `/v1/admin/users/${botId}/keys/${k.id}/credits`, { credits: { remaining: 5 } })).status).toBe(200);
    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, () => score(k.key)));
    // Assess
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = answers.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect([r.status, r.body.error_code]).toEqual([429, 'credits_exhausted']);
    expect(await usedToday(`?keyId=${k.id}`)).toBe(5);
  });

  it('runs the README\'s "Rate limits and quotas" block as written, after the quick start: the plans, the partner plan, the usage, a burst refused with 429', async () => {
    // Prepare: the quick start's commented block, then the section's, in one shell as a reader would
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const blockAfter = (marker: string) => /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(marker)))![1]!;
    const script = [blockAfter('same steps, commented'), blockAfter('## Rate limits and quotas')]
      .join('\n')
      .replaceAll('http://127.0.0.1:3000', runner.base)
      .replaceAll('<printed password>', ADMIN.password);
    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: workDir });
    // Assess: the quick start's 3 lines, then the section's
    const [, key, , plans, me, partner, usage, free, ...burst] = stdout.trim().split('\n');
    expect(key).toMatch(/^user_key_/);
    expect(JSON.parse(plans!).plans.map((p: { name: string }) => p.name)).toEqual(['shared', 'free', 'partner']);
    expect(me).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(JSON.parse(partner!)).toEqual({ plan: 'partner', usageKey: 'own' });
    expect(JSON.parse(usage!)).toMatchObject({ plan: 'partner', bucket: 'user', remaining: null });
    expect(JSON.parse(free!)).toEqual({ plan: 'free', usageKey: 'own' });
    const counts = Object.fromEntries(burst.map((l) => l.trim().split(/\s+/).reverse()).map(([status, n]) => [status, Number(n)]));
    expect(Object.keys(counts).sort()).toEqual(['200', '429']);
    expect(counts['200']! + counts['429']!).toBe(20);
    expect(counts['200']).toBeGreaterThanOrEqual(10); // the burst; a token or two may come back while the 20 start
    expect(counts['429']).toBeGreaterThanOrEqual(1);
  });
});
