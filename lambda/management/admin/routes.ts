/** The admin Lambda's routes: users, bot accounts and bot keys (README, Management API). Every route needs `admin`, held only by an admin's session. */
import { json, readJsonBody } from '../../shared/http';
import type { ManagementDeps } from '../deps';
import { managementHandler, pathId, type CallerRequest } from '../app';
import {
  getUserOperation,
  listUserAuditOperation,
  listUserKeysOperation,
  listUsersOperation,
  revokeUserKeyOperation,
  rotateUserKeyOperation,
} from './operations';
import { actorOf } from '../audit';
import { createKeyBody, createUserBody, updateUserBody } from '../schemas';
import { createBotKey, createUser, setUserDisabled } from '../user-service';
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

