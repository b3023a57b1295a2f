/**
 * API clients (docs/design.md, API clients and OAuth 2.0): register, read, change, rotate the secret, delete
 * (which revokes every key issued through the client, for every user); the
 * client file flow; a user's authorized apps; revocation of a key by
 * whoever holds it.
 */
import { credentialRefusal, grantRule, notTheIssuedCredential } from '../../core/credential-rule';
import { API_KEY_FILENAME, CLIENT_SECRET_PREFIX, fillTemplate, generateSecretToken, redirectUriProblem, templateProblem } from '../../core/oauth';
import { ID_PATTERN, keyHint, newId, parseToken } from '../../core/token';
import { conflict, notFound, validation } from '../../shared/errors';
import type { AuditEntry, ClientRecord, GrantRef, KeyRecord, UserRecord } from '../../store/port';
import { auditEntries, type Actor } from '../audit';
import type { Caller } from '../caller';
import type { CreateClientInput, UpdateClientInput } from './client-schemas';
import type { ManagementDeps } from '../deps';
import { checkKeyPermissions } from '../key-service';
import type { PageInput } from '../list-service';
import { issueClientKey } from '../mint';
import { nextCursor, pageRequest } from '../pagination';
import { afterGrantsRevoked, sweepEndedKeys } from '../usage-keys';
import { iso, isoOrNull, keyStatus } from '../views';

/** Grants revoked per round while a client is deleted. */
const DELETE_PAGE = 25;

// ---- views

export function clientView(client: ClientRecord) {
  return {
    id: client.clientId,
    name: client.name,
    redirectUris: client.redirectUris,
    permissions: client.permissions,
    public: client.isPublic,
    secretHint: client.secretHint ?? null,
    apiKeyFilename: client.apiKeyFilename ?? null,
    apiKeyTemplate: client.apiKeyTemplate ?? null,
    status: client.deletedAt === undefined ? ('active' as const) : ('deleting' as const),
    disabled: client.disabled,
    createdAt: iso(client.createdAt),
    updatedAt: isoOrNull(client.updatedAt),
  };
}

// ---- rules

function checkRedirectUris(uris: readonly string[]): string[] {
  uris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) throw validation(`'redirectUris[${i}]' ${problem}`);
  });
  return [...new Set(uris)];
}

function checkFile(filename: string | undefined | null, template: string | undefined | null): void {
  if (typeof template === 'string') {
    const problem = templateProblem(template);
    if (problem) throw validation(`'apiKeyTemplate' ${problem}`);
  }
  if (typeof filename === 'string' && !API_KEY_FILENAME.test(filename)) {
    throw validation("'apiKeyFilename' has to be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  if ((typeof filename === 'string') !== (typeof template === 'string')) {
    throw validation("'apiKeyFilename' and 'apiKeyTemplate' go together: give both, or neither");
  }
}

/** The permissions a client may still hand out: its own, as far as the catalog still lets keys hold them. */
export function grantablePermissions(deps: ManagementDeps, client: ClientRecord): string[] {
  const { keyGrantable } = grantRule(deps.config.permissions);
  return client.permissions.filter((p) => keyGrantable.has(p));
}

// ---- clients

export async function createClient(deps: ManagementDeps, caller: Caller, input: CreateClientInput, actor: Actor) {
  const permissions = checkKeyPermissions(input.permissions, deps.config.permissions);
  const redirectUris = checkRedirectUris(input.redirectUris);
  checkFile(input.apiKeyFilename, input.apiKeyTemplate);
  const isPublic = input.public === true;
  // Minted here; the store keeps the id and, for a confidential client, the secret's hash and hint.
  const secret = isPublic ? undefined : generateSecretToken(CLIENT_SECRET_PREFIX);
  const clientId = secret?.id ?? newId();
  const { client } = await deps.clients.createClient(
    caller.userId,
    clientId,
    {
      name: input.name,
      redirectUris,
      permissions,
      isPublic,
      ...(input.apiKeyFilename !== undefined ? { apiKeyFilename: input.apiKeyFilename } : {}),
      ...(input.apiKeyTemplate !== undefined ? { apiKeyTemplate: input.apiKeyTemplate } : {}),
    },
    secret ? { hash: secret.secretHash, hint: keyHint(secret.value) } : undefined,
    auditEntries(actor, 'client_created', `client:${clientId}`, [caller.userId], { name: input.name, permissions: permissions.join(',') }),
  );
  // The only time the secret is shown.
  return { ...clientView(client), ...(secret ? { secret: secret.value } : {}) };
}

/**
 * The one check every use of a client goes through (authorize, token, RFC
 * 7009 revoke, client file): a client that is being deleted, that an admin
 * disabled, or whose owner is disabled or gone is as unknown as one that
 * does not exist (docs/design.md, API clients). The issue transaction checks
 * the same again, so a disable racing an issue cannot slip a key through.
 */
export async function usableClient(deps: ManagementDeps, clientId: string): Promise<ClientRecord | undefined> {
  const client = await deps.clients.getClient(clientId);
  if (!client || client.deletedAt !== undefined || client.disabled) return undefined;
  const owner = await deps.accounts.getUser(client.ownerId);
  return owner && !owner.disabled ? client : undefined;
}

/** A client of `ownerId`; anyone else's is as unknown as one that does not exist. */
export async function ownClient(deps: ManagementDeps, ownerId: string, clientId: string): Promise<ClientRecord> {
  const client = await deps.clients.getClient(clientId);
  if (!client || client.ownerId !== ownerId) throw notFound('no such client');
  return client;
}

async function liveOwnClient(deps: ManagementDeps, ownerId: string, clientId: string): Promise<ClientRecord> {
  const client = await ownClient(deps, ownerId, clientId);
  if (client.deletedAt !== undefined) throw conflict('client is being deleted; repeat DELETE to finish it');
  return client;
}

export async function listClients(deps: ManagementDeps, ownerId: string) {
  const clients = (await deps.clients.listOwnedClients(ownerId)).sort((a, b) => b.createdAt - a.createdAt);
  return { clients: clients.map(clientView) };
}

/**
 * Changes name, redirect URIs, permissions or the client file. Keys already
 * issued keep their permissions (a key's never change); codes not yet
 * exchanged get at most the client's new permissions.
 */
export async function updateClient(deps: ManagementDeps, caller: Caller, clientId: string, input: UpdateClientInput, actor: Actor) {
  const client = await liveOwnClient(deps, caller.userId, clientId);
  const permissions = input.permissions === undefined ? undefined : checkKeyPermissions(input.permissions, deps.config.permissions);
  const redirectUris = input.redirectUris === undefined ? undefined : checkRedirectUris(input.redirectUris);
  checkFile(
    input.apiKeyFilename === undefined ? client.apiKeyFilename : input.apiKeyFilename,
    input.apiKeyTemplate === undefined ? client.apiKeyTemplate : input.apiKeyTemplate,
  );
  const changes = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(redirectUris !== undefined ? { redirectUris } : {}),
    ...(permissions !== undefined ? { permissions } : {}),
    ...(input.apiKeyFilename !== undefined ? { apiKeyFilename: input.apiKeyFilename } : {}),
    ...(input.apiKeyTemplate !== undefined ? { apiKeyTemplate: input.apiKeyTemplate } : {}),
  };
  const changed = Object.keys(changes);
  if (changed.length === 0) return clientView(client);
  const audit = auditEntries(actor, 'client_updated', `client:${clientId}`, [caller.userId], { fields: changed.join(',') });
  if (!(await deps.clients.updateClient(caller.userId, clientId, changes, audit))) throw conflict('client was deleted meanwhile');
  return clientView((await deps.clients.getClient(clientId)) ?? client);
}

export async function rotateClientSecret(deps: ManagementDeps, caller: Caller, clientId: string, actor: Actor) {
  const client = await liveOwnClient(deps, caller.userId, clientId);
  if (client.isPublic) throw conflict('a public client has no secret; it proves itself with PKCE');
  const secret = generateSecretToken(CLIENT_SECRET_PREFIX, clientId);
  const stored = { hash: secret.secretHash, hint: keyHint(secret.value) };
  if (!(await deps.clients.rotateClientSecret(caller.userId, clientId, stored, auditEntries(actor, 'client_secret_rotated', `client:${clientId}`, [caller.userId])))) {
    throw conflict('client was deleted meanwhile');
  }
  return { id: clientId, secret: secret.value, secretHint: stored.hint };
}

/**
 * Marks the client deleted (nothing is issued through it from then on),
 * revokes every key issued through it, page by page, then removes it. A
 * deletion cut short (a timeout) leaves the client marked `deleting`;
 * repeating DELETE resumes it.
 */
export async function deleteClient(deps: ManagementDeps, caller: Caller, clientId: string, actor: Actor): Promise<number> {
  return removeClientAndKeys(deps, await ownClient(deps, caller.userId, clientId), actor);
}

/** The deletion itself, for the owner and for an admin (audited with the actor, in the owner's trail too). */
async function removeClientAndKeys(deps: ManagementDeps, client: ClientRecord, actor: Actor): Promise<number> {
  const { clientId, ownerId } = client;
  if (!(await deps.clients.markClientDeleted(ownerId, clientId))) throw notFound('no such client');
  let revoked = 0;
  for (;;) {
    const page = await deps.clients.grantsPage(clientId, DELETE_PAGE);
    if (page.length === 0) break;
    const outcomes = await Promise.all(page.map((grant) => deps.clients.revokeGrant(clientId, grant, [grantRevocation(actor, clientId, grant, 'client_deleted')])));
    revoked += outcomes.filter((o) => o === 'revoked').length;
    // Their usage keys go after them; API Gateway's refusal never holds up a revocation (docs/design.md, Rate limits and quotas).
    await afterGrantsRevoked(deps, page);
  }
  await deps.clients.removeClient(client, auditEntries(actor, 'client_deleted', `client:${clientId}`, [ownerId], { revokedKeys: String(revoked) }));
  return revoked;
}

// ---- every client, for admins

export const CLIENT_PAGE_DEFAULT = 50;
/** The client directory has one scope: every client. */
const ALL_CLIENTS = '*';

/** An admin's view of a client: the owner's view and who owns it. */
export function adminClientView(client: ClientRecord, owner: UserRecord | undefined) {
  return { ...clientView(client), owner: { id: client.ownerId, email: owner?.email ?? null, disabled: owner?.disabled ?? true } };
}

/** Every client, oldest first, with its owner; clients registered while paging show up on a later page. */
export async function listEveryClient(deps: ManagementDeps, input: PageInput) {
  const { limit, after } = pageRequest(input, 'clients', ALL_CLIENTS, CLIENT_PAGE_DEFAULT);
  const page = await deps.clients.listAllClients(limit, after);
  const owners = new Map<string, UserRecord | undefined>();
  for (const id of new Set(page.items.map((c) => c.ownerId))) owners.set(id, await deps.accounts.getUser(id));
  return { clients: page.items.map((c) => adminClientView(c, owners.get(c.ownerId))), next: nextCursor(page, 'clients', ALL_CLIENTS) };
}

async function anyClient(deps: ManagementDeps, clientId: string): Promise<ClientRecord> {
  const client = ID_PATTERN.test(clientId) ? await deps.clients.getClient(clientId) : undefined;
  if (!client) throw notFound('no such client');
  return client;
}

/**
 * An admin disables or enables any client. Disabled, it is unknown to
 * authorize, token, revoke and the client file; the keys already issued
 * through it keep working (they are the approving users'); deleting it is
 * what revokes them. Repeating it changes nothing and files no record.
 */
export async function setClientDisabled(deps: ManagementDeps, clientId: string, disabled: boolean, actor: Actor) {
  const client = await anyClient(deps, clientId);
  if (client.deletedAt !== undefined) throw conflict('client is being deleted; repeat DELETE to finish it');
  if (client.disabled !== disabled) {
    const audit = auditEntries(actor, disabled ? 'client_disabled' : 'client_enabled', `client:${clientId}`, [client.ownerId], { name: client.name });
    if (!(await deps.clients.setClientDisabled(clientId, disabled, audit))) throw conflict('client was deleted meanwhile');
  }
  const after = (await deps.clients.getClient(clientId)) ?? client;
  return adminClientView(after, await deps.accounts.getUser(after.ownerId));
}

/** An admin deletes any client: the owner's deletion (every key issued through it revoked), audited in the admin's and the owner's trails. */
export async function adminDeleteClient(deps: ManagementDeps, clientId: string, actor: Actor): Promise<number> {
  return removeClientAndKeys(deps, await anyClient(deps, clientId), actor);
}

/** The audit record of a key revoked because of its client, filed in the key owner's trail only. */
export function grantRevocation(actor: Actor, clientId: string, grant: GrantRef, reason: string): AuditEntry {
  return { userId: grant.userId, action: 'key_revoked', target: `key:${grant.keyId}`, ...actor, detail: { clientId, reason } };
}

// ---- the client file flow

/**
 * A new key of the caller with the client's permissions, filled into the
 * client's template: the file a tool reads its key from (Tachi's "client
 * file flow"). A POST, since a GET that makes a credential could be set off
 * by any page the user visits.
 */
export async function clientFile(deps: ManagementDeps, caller: Caller, clientId: string, actor: Actor): Promise<{ filename: string; content: string }> {
  const client = ID_PATTERN.test(clientId) ? await usableClient(deps, clientId) : undefined;
  if (!client) throw notFound('no such client');
  if (client.apiKeyTemplate === undefined || client.apiKeyFilename === undefined) {
    throw conflict('this client has no client file (apiKeyTemplate); use its OAuth flow instead');
  }
  const permissions = grantablePermissions(deps, client);
  if (permissions.length === 0) throw conflict('this client may not ask for any permission the catalog still lets keys hold');
  const issued = await issueKey(deps, caller.userId, client, permissions, undefined, actor);
  return { filename: client.apiKeyFilename, content: fillTemplate(client.apiKeyTemplate, issued.keyValue) };
}

/** Issues a key of `userId` through `client` (for a code, or for the client file). */
export async function issueKey(deps: ManagementDeps, userId: string, client: ClientRecord, permissions: readonly string[], codeId: string | undefined, actor: Actor) {
  const { token, createdAt } = await issueClientKey(
    deps.clients,
    deps.config.prefixes,
    userId,
    client,
    { name: client.name, permissions },
    codeId ? { codeId } : undefined,
    (keyId) =>
      auditEntries(actor, 'key_created', `key:${keyId}`, [userId], {
        name: client.name,
        permissions: permissions.join(','),
        clientId: client.clientId,
        via: codeId ? 'oauth' : 'client_file',
      }),
  );
  return { keyValue: token.value, keyId: token.id, createdAt };
}

// ---- authorized apps

function liveClientKeys(keys: readonly KeyRecord[], now: number, clientId?: string): KeyRecord[] {
  return keys.filter((k) => k.clientId !== undefined && (clientId === undefined || k.clientId === clientId) && ['active', 'grace_period'].includes(keyStatus(k, now)));
}

/** The clients the user holds live keys from, most recently authorized first. */
export async function listAuthorizations(deps: ManagementDeps, userId: string) {
  const now = deps.now();
  const byClient = new Map<string, KeyRecord[]>();
  for (const key of liveClientKeys(await deps.accounts.listKeys(userId), now)) {
    byClient.set(key.clientId!, [...(byClient.get(key.clientId!) ?? []), key]);
  }
  const clients = new Map((await deps.clients.getClients([...byClient.keys()])).map((c) => [c.clientId, c]));
  const authorizations = [...byClient].map(([clientId, keys]) => {
    const created = keys.map((k) => k.createdAt);
    return {
      clientId,
      // A key outlives its client only while the client's deletion runs.
      name: clients.get(clientId)?.name ?? keys[0]!.name,
      permissions: [...new Set(keys.flatMap((k) => k.permissions))].sort(),
      keys: keys.length,
      firstAuthorizedAt: iso(Math.min(...created)),
      lastAuthorizedAt: iso(Math.max(...created)),
    };
  });
  return { authorizations: authorizations.sort((a, b) => b.lastAuthorizedAt.localeCompare(a.lastAuthorizedAt)) };
}

/** Revokes every live key the user holds from a client. Repeating it changes nothing. */
export async function revokeAuthorization(deps: ManagementDeps, userId: string, clientId: string, actor: Actor): Promise<number> {
  const keys = liveClientKeys(await deps.accounts.listKeys(userId), deps.now(), clientId);
  const grants = keys.map((k) => ({ userId, keyId: k.keyId }));
  const outcomes = await Promise.all(grants.map((grant) => deps.clients.revokeGrant(clientId, grant, [grantRevocation(actor, clientId, grant, 'authorization_revoked')])));
  await afterGrantsRevoked(deps, grants);
  return outcomes.filter((o) => o === 'revoked').length;
}

// ---- revocation by whoever holds a key

/**
 * Revokes the key presented, whoever presents it: holding a key is proof
 * enough to end it, so a leaked key can be killed by whoever finds it.
 * Audited in the owner's trail as revoked by its holder.
 */
export async function revokeByHolder(deps: ManagementDeps, value: string): Promise<{ keyId: string; revokedAt: string }> {
  const parsed = parseToken(value, ['user', 'bot'], deps.config.prefixes);
  if (!parsed.ok) throw validation(`'key': ${parsed.reason}`);
  const token = parsed.token;
  const { credential, user } = await deps.credentials.lookup(token);
  const now = deps.now();
  // The one credential rule's checks 1–3: an unknown key, a wrong secret or a
  // key under the other prefix is not the key that was issued, so no proof of
  // holding it. A disabled owner, revocation or expiry do not stop its holder.
  if (!credential || notTheIssuedCredential(credentialRefusal(token, credential, user, now))) throw notFound('key is not known');
  if (credential.revokedAt !== undefined && credential.revokedAt <= now) return { keyId: token.id, revokedAt: iso(credential.revokedAt) };
  const audit = auditEntries({ authMethod: 'api_key', credentialId: token.id }, 'key_revoked', `key:${token.id}`, [token.userId], { by: 'holder' });
  const outcome = await deps.accounts.revokeKey(token.userId, token.id, now, audit);
  if (outcome === 'missing') throw notFound('key is not known');
  const after = await deps.accounts.getKey(token.userId, token.id);
  if (after) await sweepEndedKeys(deps, token.userId, [after]);
  return { keyId: token.id, revokedAt: iso(after?.revokedAt ?? now) };
}
