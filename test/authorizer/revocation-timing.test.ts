/**
 * README and docs/design.md: revocation and rotation end "within the credential cache TTL
 * (5 s by default); a grace period at least the TTL long ends exactly on
 * time". Both halves, with the old key already in the authorizer's cache
 * when it is rotated, on a clock the test sets; and the docs say exactly that.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Authorizer } from '../../lambda/authorizer/authorizer';
import type { DynamoAccountStore, KeyRecord } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import type { CredentialStore } from '../../lambda/store/port';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { referenceEnv } from '../../fixtures/reference-env';
import { Testbed } from '../support/testbed';
import { issueKey, issueRotation } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

const TTL_MS = 5000;
const DOC_SENTENCE = 'within the credential cache TTL (5 s by default); a grace period at least the TTL long ends exactly on time';

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open({ deployment: referenceEnv, handlers: false });
  ({ client, table, accounts } = bed);
});
afterAll(() => bed.close());

async function freshKey(): Promise<{ userId: string; key: KeyRecord; value: string }> {
  const { userId } = await accounts.createUser({ kind: 'human', email: `timing-${Math.random()}@example.com` });
  const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
  return { userId, key: (await accounts.getKey(userId, token.id))!, value: token.value };
}

/** The authorizer's verdict on the key at the clock's current time. */
async function verdict(authorizer: Authorizer, key: string): Promise<string> {
  const d = await authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` }));
  return d.outcome === 'unauthorized' ? d.reason : d.outcome;
}

describe('Class: Authorizer — when a rotated key stops working, with the old key already cached', () => {
  it.each([0, 1000, 4000])('grace %i ms, shorter than the TTL: the key ends within the TTL of its last read, not later', async (graceMs) => {
    // Prepare: the key is read (and cached) at t = 0
    const { userId, key, value } = await freshKey();
    let now = 1_000_000;
    const cachedAt = now;
    const authorizer = bed.authorizer({ now: () => now });
    expect(bed.config.cacheTtlMs).toBe(TTL_MS);
    expect(await verdict(authorizer, value)).toBe('allow');

    // Act: rotated at t = 500 ms with the grace period
    now = cachedAt + 500;
    await issueRotation(accounts, DEFAULT_PREFIXES, userId, key, now + graceMs, { name: key.name, permissions: key.permissions });

    // Assess: the cached read may still be used until its TTL is up, and never after
    now = cachedAt + TTL_MS - 1;
    expect(await verdict(authorizer, value)).toBe('allow');
    now = cachedAt + TTL_MS + 1;
    expect(await verdict(authorizer, value)).toBe('revoked');
  });

  it.each([TTL_MS, TTL_MS + 2500])('grace %i ms, at least the TTL: the key works until exactly its end, then never again', async (graceMs) => {
    // Prepare
    const { userId, key, value } = await freshKey();
    let now = 2_000_000;
    const authorizer = bed.authorizer({ now: () => now });
    expect(await verdict(authorizer, value)).toBe('allow');
    now += 500;
    const endsAt = now + graceMs;
    await issueRotation(accounts, DEFAULT_PREFIXES, userId, key, endsAt, { name: key.name, permissions: key.permissions });

    // Act & Assess: a request every 250 ms across the end, the cache refilled on its own schedule
    const seen: string[] = [];
    for (now = endsAt - graceMs; now < endsAt + 3000; now += 250) seen.push(`${now < endsAt ? 'before' : 'after'} ${await verdict(authorizer, value)}`);
    now = endsAt - 1;
    const lastMoment = await verdict(authorizer, value);
    now = endsAt;
    const atTheEnd = await verdict(authorizer, value);
    expect(new Set(seen)).toEqual(new Set(['before allow', 'after revoked']));
    expect([lastMoment, atTheEnd]).toEqual(['allow', 'revoked']);
  });

  it('counts the TTL from when a read was sent: a read in flight across the rotation cannot stretch the grace period', async () => {
    // Prepare: a store whose answers arrive late (the read itself is done before the rotation)
    const { userId, key, value } = await freshKey();
    const real = new DynamoCredentialStore(client, table);
    let read!: () => void;
    const readDone = new Promise<void>((resolve) => (read = resolve));
    let deliver!: () => void;
    const delivered = new Promise<void>((resolve) => (deliver = resolve));
    const slow: CredentialStore = {
      lookup: async (token) => {
        const answer = await real.lookup(token);
        read();
        await delivered;
        return answer;
      },
      touchKey: (...args) => real.touchKey(...args),
      spendCredit: (...args) => real.spendCredit(...args),
    };
    let now = 3_000_000;
    const sentAt = now;
    const authorizer = bed.authorizer({ store: slow, now: () => now });

    // Act: the read goes out at t = 0 and sees the key unrotated; the rotation (grace = TTL)
    // happens at t = 100; the answer arrives at t = 3 s
    const first = authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${value}` }));
    await readDone;
    now = sentAt + 100;
    const endsAt = now + TTL_MS;
    await issueRotation(accounts, DEFAULT_PREFIXES, userId, key, endsAt, { name: key.name, permissions: key.permissions });
    now = sentAt + 3000;
    deliver();
    expect((await first).outcome).toBe('allow');

    // Assess: at the end of the grace period the stale answer is no longer trusted
    now = endsAt - 1;
    expect(await verdict(authorizer, value)).toBe('allow');
    now = endsAt;
    expect(await verdict(authorizer, value)).toBe('revoked');
  });
});

describe('Docs', () => {
  it.each(['README.md', 'docs/design.md'])('%s says exactly when a revoked or rotated key stops, and nothing stronger', (file) => {
    const text = readFileSync(path.join(__dirname, '..', '..', file), 'utf8').replace(/\s+/g, ' ');
    expect({ file, saysIt: text.includes(DOC_SENTENCE) }).toEqual({ file, saysIt: true });
    // "exactly on time" only ever in that sentence
    expect({ file, claims: text.split('exactly on time').length - 1 }).toEqual({ file, claims: text.split(DOC_SENTENCE).length - 1 });
  });
});
