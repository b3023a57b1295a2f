/** The keys Lambda's routes: a user's own API keys (README, Management API). Every route needs `manage_keys`, a session-only permission. */
import { operationPath } from '../../core/management-routes';
import { validation } from '../../shared/errors';
import { json, noContent, parseJsonBody, readJsonBody, validateBody } from '../../shared/http';
import type { ManagementDeps } from '../deps';
import { managementHandler, pageInput, pathId, type CallerRequest } from '../app';
import { actorOf } from '../audit';
import { createKey, ownKey, renameKey, revokeKey, rotateKey } from '../key-service';
import { listKeys } from '../list-service';
import { createKeyBody, renameKeyBody, rotateKeyBody } from '../schemas';
import { keyView } from '../views';
import { PLAN_KEY_OPERATIONS } from '../plan-routes';

/** `?limit=1..100` (default 50) and `?cursor=`; `keys` in key id order, and `next`. */
async function getKeys({ event, deps, caller }: CallerRequest) {
  return json(200, await listKeys(deps, caller.userId, pageInput(event)));
}

async function postKey({ event, deps, caller }: CallerRequest) {
  const body = readJsonBody(event, createKeyBody);
  // A bot's keys are made by an admin (operation createBotKey); this route makes user keys.
  return json(201, await createKey(deps, caller.userId, 'user', body, actorOf(caller)));
}

async function getKey({ event, deps, caller }: CallerRequest) {
  const key = await ownKey(deps, caller.userId, pathId(event, 'keyId', 'key'));
  return json(200, keyView(key, deps.now()));
}

/** The message for any attempt to change a key's permissions, before the strict schema would call it an unknown field. */
const permissionsAreFixed = (basePath: string) =>
  `'permissions': a key's permissions cannot change; create a new key with the permissions you need (POST ${operationPath(basePath, 'createKey')}) and revoke this one`;

async function patchKey({ event, deps, caller }: CallerRequest) {
  const keyId = pathId(event, 'keyId', 'key');
  const body = parseJsonBody(event);
  if (body !== null && typeof body === 'object' && 'permissions' in body) throw validation(permissionsAreFixed(deps.config.basePath));
  const { name } = validateBody(body, renameKeyBody);
  const key = await renameKey(deps, caller.userId, keyId, name, actorOf(caller));
  return json(200, keyView(key, deps.now()));
}

async function postRotate({ event, deps, caller }: CallerRequest) {
  const keyId = pathId(event, 'keyId', 'key');
  const { gracePeriodSeconds } = readJsonBody(event, rotateKeyBody);
  return json(201, await rotateKey(deps, caller.userId, keyId, gracePeriodSeconds ?? 0, actorOf(caller)));
}

async function deleteKey({ event, deps, caller }: CallerRequest) {
  await revokeKey(deps, caller.userId, pathId(event, 'keyId', 'key'), actorOf(caller));
  return noContent();
}

export function createKeysHandler(deps: ManagementDeps) {
  return managementHandler(deps, {
    caller: {
      listKeys: getKeys,
      createKey: postKey,
      getKey: getKey,
      renameKey: patchKey,
      rotateKey: postRotate,
      revokeKey: deleteKey,
      ...PLAN_KEY_OPERATIONS,
    },
  });
}

