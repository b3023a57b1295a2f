/**
 * docs/design.md, Security invariants: names refuse Unicode format and bidi characters, lone
 * surrogates and invalid UTF-8 with 400 `validation`, and are stored
 * NFC-normalised. Key names through the real handler (create and rename);
 * `safeName` is the one rule other names reuse.
 */
import { safeName } from '../../lambda/management/schemas';
import { lambdaContext } from '../../fixtures/lambda-context';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { ORIGIN, proxyEvent } from '../support/management-api';
import { Testbed } from '../support/testbed';

let bed: Testbed;
let session: string;

beforeAll(async () => {
  bed = await Testbed.open();
  ({ session } = await bed.signIn());
});
afterAll(() => bed.close());

const UNSAFE: [string, string, string][] = [
  ['a right-to-left override (bidi)', 'invoice\u202Etxt.exe', 'U+202E'],
  ['a right-to-left isolate (bidi)', 'a\u2067b', 'U+2067'],
  ['a left-to-right mark', 'a\u200Eb', 'U+200E'],
  ['a zero-width space (format)', 'ad\u200Bmin', 'U+200B'],
  ['a soft hyphen (format)', 'ad\u00ADmin', 'U+00AD'],
  ['a zero-width no-break space (format)', 'k\uFEFFey', 'U+FEFF'],
  ['a lone high surrogate', 'key \uD800', 'U+D800'],
  ['a lone low surrogate', '\uDC00 key', 'U+DC00'],
  ['a line separator', 'a\u2028b', 'U+2028'],
  ['a control character', 'a\u0007b', 'U+0007'],
  ['U+FFFD, what invalid UTF-8 became', 'caf\uFFFD', 'U+FFFD'],
];

describe('Route: POST /v1/keys and PATCH /v1/keys/{keyId} — key names', () => {
  it.each(UNSAFE)('refuses %s with 400 validation naming the character', async (_label, name, codePoint) => {
    // Act
    const created = await bed.api.call('POST', '/v1/keys', { session, body: { name, permissions: [] } });
    const existing = (await bed.api.call('POST', '/v1/keys', { session, body: { name: 'fine', permissions: [] } })).body;
    const renamed = await bed.api.call('PATCH', '/v1/keys/{keyId}', { session, params: { keyId: existing.id }, body: { name } });
    // Assess
    for (const res of [created, renamed]) {
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('validation');
      expect(res.body.error_message).toMatch(new RegExp(`^'name': may not contain ${codePoint.replace('+', '\\+')} \\(`));
    }
  });

  it('stores names NFC-normalised, so names that look the same are the same', async () => {
    // Act: "café" with a combining accent
    const res = await bed.api.call('POST', '/v1/keys', { session, body: { name: 'cafe\u0301 uploader', permissions: [] } });
    // Assess
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('caf\u00E9 uploader');
    const listed = (await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: res.body.id } })).body;
    expect(listed.name).toBe('caf\u00E9 uploader');
  });

  it('keeps emoji and other scripts', async () => {
    const res = await bed.api.call('POST', '/v1/keys', { session, body: { name: 'Ключ 🔑 鍵', permissions: [] } });
    expect(res).toMatchObject({ status: 201, body: { name: 'Ключ 🔑 鍵' } });
  });

  it('refuses a body that is not valid UTF-8 with 400 validation', async () => {
    // Prepare: a base64 body (as API Gateway sends binary bodies) whose name holds the byte 0xFF
    const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xff]), Buffer.from('","permissions":[]}')]);
    const decision = await bed.api.authorizer.decide(authorizerEvent('POST', '/v1/keys', { Cookie: `keygate_session=${session}`, Origin: ORIGIN }));
    if (decision.outcome !== 'allow') throw new Error(`unexpected ${decision.outcome}`);
    const event = {
      ...proxyEvent({ method: 'POST', resource: '/v1/keys', authorizer: { principalId: decision.result.principalId, ...(decision.result.context as Record<string, string>) } }),
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };
    // Act
    const res = await bed.api.handlers.keys(event, lambdaContext('keygate-keys'));
    // Assess
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error_code: 'validation', error_message: 'request body is not valid UTF-8' });
  });
});

describe('Function: safeName', () => {
  it('is one rule for every name: trims, refuses, normalises, bounds the length', () => {
    const clientName = safeName(50);
    expect(clientName.parse('  My Tool  ')).toBe('My Tool');
    expect(clientName.safeParse('My\u202ETool').success).toBe(false);
    expect(clientName.safeParse('x'.repeat(51)).success).toBe(false);
    expect(clientName.parse('A\u030A')).toBe('\u00C5');
  });
});
