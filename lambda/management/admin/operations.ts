/**
 * The admin operations on users and their keys (docs/design.md, Admins, bots and lists), as functions of a
 * checked caller: the admin Lambda wires them by operation name. Each one
 * is a thin call of a shared service, which the CLI calls too.
 */
import { json, noContent, readJsonBody } from '../../shared/http';
import { revokeUserKey, rotateBotKey } from './admin-service';
import { pageInput, pathId, type CallerRequest } from '../app';
import { actorOf } from '../audit';
import { listAudit, listKeys, listUsers } from '../list-service';
import { rotateKeyBody as rotateUserKeyBody } from '../schemas';
import { existingUser } from '../user-service';
import { userView } from '../views';

const page = (req: CallerRequest) => pageInput(req.event);
const userIdOf = (req: CallerRequest) => pathId(req.event, 'userId', 'user');

export async function listUsersOperation(req: CallerRequest) {
  return json(200, await listUsers(req.deps, page(req)));
}

export async function getUserOperation(req: CallerRequest) {
  return json(200, { user: userView(await existingUser(req.deps, userIdOf(req))) });
}

export async function listUserKeysOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  await existingUser(req.deps, userId);
  return json(200, await listKeys(req.deps, userId, page(req)));
}

export async function rotateUserKeyOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  const keyId = pathId(req.event, 'keyId', 'key');
  const { gracePeriodSeconds } = readJsonBody(req.event, rotateUserKeyBody);
  return json(201, await rotateBotKey(req.deps, userId, keyId, gracePeriodSeconds ?? 0, actorOf(req.caller)));
}

export async function revokeUserKeyOperation(req: CallerRequest) {
  await revokeUserKey(req.deps, userIdOf(req), pathId(req.event, 'keyId', 'key'), actorOf(req.caller));
  return noContent();
}

export async function listUserAuditOperation(req: CallerRequest) {
  const userId = userIdOf(req);
  await existingUser(req.deps, userId);
  return json(200, await listAudit(req.deps, userId, page(req)));
}
