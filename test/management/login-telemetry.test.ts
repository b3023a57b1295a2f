/**
 * docs/design.md, Security invariants: failed logins and lockouts leave a structured log line (no
 * password, no raw e-mail: a keyed hash of it) and the metrics `login_failed`
 * and `login_locked` that the stack's alarm watches. The auth Lambda through
 * its real handler, its stdout read back.
 */
import { createHmac } from 'node:crypto';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { LOUD_LOGS } from '../support/quiet-logs';
import { makeUser } from '../support/management-api';
import { Testbed } from '../support/testbed';


let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.open({ env: LOUD_LOGS });
});
afterAll(() => bed.close());

interface Line {
  message?: string;
  level?: string;
  service?: string;
  emailHash?: string;
  reason?: string;
  check?: string;
  attempts?: number;
  lockoutStarted?: boolean;
  _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
}

/** What the Lambda writes during each test: log lines (warnings go to stderr) and EMF documents (stdout). */
function captureOutput(): { text: () => string } {
  let out: string[] = [];
  const spies: jest.SpyInstance[] = [];
  beforeEach(() => {
    out = [];
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          out.push(String(chunk));
          return true;
        }),
      );
    }
  });
  afterEach(() => spies.splice(0).forEach((s) => s.mockRestore()));
  return { text: () => out.join('') };
}

describe('Handler: auth — failed logins and lockouts', () => {
  const { text } = captureOutput();
  const lines = (): Line[] =>
    text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
  const logged = (message: string) => lines().filter((l) => l.message === message);
  const metrics = () =>
    lines()
      .filter((l) => l._aws)
      .flatMap((l) => l._aws!.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => `${d.Namespace}/${m.Name} service=${String((l as Record<string, unknown>).service)}`)));
  const hashOf = async (email: string) => createHmac('sha256', await bed.accounts.logHashKey()).update(email.toLowerCase()).digest('base64url').slice(0, 22);

  it('logs a wrong password and an unknown e-mail with a keyed hash of the e-mail and why, and counts login_failed', async () => {
    // Prepare
    const user = await makeUser(bed.accounts);
    const unknown = `Nobody-${Math.random().toString(36).slice(2)}@Example.com`;
    // Act
    const wrong = await bed.api.call('POST', '/v1/auth/login', { body: { email: user.email.toUpperCase(), password: 'Wrong Password 123' } });
    const nobody = await bed.api.call('POST', '/v1/auth/login', { body: { email: unknown, password: 'Some Password 456' } });
    // Assess
    expect([wrong.status, nobody.status]).toEqual([401, 401]);
    expect(logged('login_failed')).toEqual([
      expect.objectContaining({ level: 'WARN', service: 'keygate-management', emailHash: await hashOf(user.email), reason: 'wrong_password', check: 'login' }),
      expect.objectContaining({ emailHash: await hashOf(unknown), reason: 'unknown_email', check: 'login' }),
    ]);
    expect(metrics()).toEqual(['keygate/login_failed service=keygate-management', 'keygate/login_failed service=keygate-management']);
    // Never the password, never the e-mail, in any case
    for (const secret of ['Wrong Password 123', 'Some Password 456', user.email, user.email.toUpperCase(), unknown, unknown.toLowerCase(), user.email.split('@')[0]!]) {
      expect(text()).not.toContain(secret);
    }
  });

  it('logs every attempt the lockout refuses, and counts login_locked once per lockout', async () => {
    // Prepare: five failures fill the window
    const user = await makeUser(bed.accounts);
    for (let i = 0; i < 5; i++) await bed.api.call('POST', '/v1/auth/login', { body: { email: user.email, password: `guess number ${i}` } });
    // Act: two more, the right password included
    const sixth = await bed.api.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });
    const seventh = await bed.api.call('POST', '/v1/auth/login', { body: { email: user.email, password: 'guess number 7' } });
    // Assess
    expect([sixth.status, seventh.status]).toEqual([429, 429]);
    expect(logged('login_failed')).toHaveLength(5);
    expect(logged('login_locked')).toEqual([
      expect.objectContaining({ emailHash: await hashOf(user.email), attempts: 6, lockoutStarted: true, check: 'login' }),
      expect.objectContaining({ emailHash: await hashOf(user.email), attempts: 7, lockoutStarted: false }),
    ]);
    expect(metrics().filter((m) => m.startsWith('keygate/login_locked'))).toEqual(['keygate/login_locked service=keygate-management']);
    expect(text()).not.toContain(user.password);
    expect(text()).not.toContain(user.email);
  });

  it("logs a wrong current password on a password change like a failed login", async () => {
    const user = await makeUser(bed.accounts);
    const session = await bed.api.login(user.email, user.password);
    const res = await bed.api.call('POST', '/v1/users/me/password', { session, body: { currentPassword: 'not my password', newPassword: 'a new long passphrase' } });
    expect(res.status).toBe(400);
    expect(logged('login_failed')).toEqual([expect.objectContaining({ emailHash: await hashOf(user.email), reason: 'wrong_password', check: 'change_password' })]);
  });

  it('counts each wrong client secret at the token endpoint as client_auth_failed, and never locks the client out', async () => {
    // Prepare: a confidential client, and a token request with a wrong secret
    const owner = await bed.signIn();
    const registered = await bed.api.call('POST', '/v1/clients', { session: owner.session, body: { name: 'Telemetry tool', redirectUris: ['https://tool.example/cb'], permissions: ['submit_score'] } });
    const { id, secret } = registered.body as { id: string; secret: string };
    const wrongSecret = `${secret.slice(0, -7)}${secret.slice(-7, -6) === 'A' ? 'B' : 'A'}${secret.slice(-6)}`;
    const token = () =>
      bed.api.call('POST', '/v1/oauth/token', {
        origin: null,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'unused', redirect_uri: 'https://tool.example/cb', client_id: id, client_secret: wrongSecret }).toString(),
      });
    // Act: seven wrong secrets, past the login limit of five
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await token()).status);
    // Assess: each is a 401 and one count; none is a 429 lockout
    expect(statuses).toEqual(Array<number>(7).fill(401));
    const counted = metrics().filter((m) => m.startsWith('keygate/client_auth'));
    expect(counted).toEqual(Array<string>(7).fill('keygate/client_auth_failed service=keygate-management'));
    expect(text()).not.toContain(secret.slice(-20));
  });

  it('keys the hash with a random per-deployment key kept in the table, made once', async () => {
    const [a, b] = await Promise.all([bed.accounts.logHashKey(), new DynamoAccountStore(bed.client, bed.table).logHashKey()]);
    expect(a.length).toBe(32);
    expect(b.equals(a)).toBe(true);
  });
});
