/**
 * The admin Lambda's routes: users, bot accounts and bot keys (README,
 * Management API; docs/design.md, Admins, bots and lists). Every route needs
 * `admin`, held only by an admin's session. Each one is a thin call of a
 * shared service, which the CLI calls too.
 */
import { json, noContent, readJsonBody } from '../../shared/http';
import type { ManagementDeps } from '../deps';
import { managementHandler, pageInput, pathId, type CallerRequest } from '../app';
import { revokeUserKey, rotateBotKey } from './admin-service';
import { listAudit, listKeys, listUsers } from '../list-service';
import { actorOf } from '../audit';
import { createKeyBody, createUserBody, rotateKeyBody as rotateUserKeyBody, updateUserBody } from '../schemas';
import { createBotKey, createUser, existingUser, setUserDisabled } from '../user-service';
import { userView } from '../views';
import { PLAN_ADMIN_OPERATIONS } from '../plan-routes';

async function postUser({ event, deps, caller }: CallerRequest) {
  const body = readJsonBody(event, createUserBody);
  return json(201, { user: userView(await createUser(deps, body, actorOf(caller))) });
}

async function patchUser({ event, deps, caller }: CallerRequest) {
  const userId = pathId(event, 'userId', 'user');
  const { disabled } = readJsonBody(event, updateUserBody);
  return json(200, { user: userView(await setUserDisabled(deps, userId, disabled, actorOf(caller))) });
}

async function postBotKey({ event, deps, caller }: CallerRequest) {
  const userId = pathId(event, 'userId', 'user');
  const body = readJsonBody(event, createKeyBody);
  return json(201, await createBotKey(deps, userId, body, actorOf(caller)));
}

const page = (req: CallerRequest) => pageInput(req.event);
const userIdOf = (req: CallerRequest) => pathId(req.event, 'userId', 'user');

async function listUsersOperation(req: CallerRequest) {
  return json(200, await listUsers(req.deps, page(req)));
}

async function getUserOperation(req: CallerRequest) {
  return json(200, { user: userView(await existingUser(req.deps, userIdOf(req))) });
}

async function listUserKeysOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  await existingUser(req.deps, userId);
  return json(200, await listKeys(req.deps, userId, page(req)));
}

async function rotateUserKeyOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  const keyId = pathId(req.event, 'keyId', 'key');
  const { gracePeriodSeconds } = readJsonBody(req.event, rotateUserKeyBody);
  return json(201, await rotateBotKey(req.deps, userId, keyId, gracePeriodSeconds ?? 0, actorOf(req.caller)));
}

async function revokeUserKeyOperation(req: CallerRequest) {
  await revokeUserKey(req.deps, userIdOf(req), pathId(req.event, 'keyId', 'key'), actorOf(req.caller));
  return noContent();
}

async function listUserAuditOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  await existingUser(req.deps, userId);
  return json(200, await listAudit(req.deps, userId, page(req)));
}

export function createAdminHandler(deps: ManagementDeps) {
  return managementHandler(deps, {
    caller: {
      createUser: postUser,
      updateUser: patchUser,
      createBotKey: postBotKey,
      listUsers: listUsersOperation,
      getUser: getUserOperation,
      listUserKeys: listUserKeysOperation,
      rotateUserKey: rotateUserKeyOperation,
      revokeUserKey: revokeUserKeyOperation,
      listUserAudit: listUserAuditOperation,
      ...PLAN_ADMIN_OPERATIONS,
    },
  });
}

