/**
 * The plan, usage and credits operations (issue 19): the keys Lambda serves
 * `GET /plans` and a holder's `GET /keys/{keyId}/usage`; the admin Lambda
 * sets plans and credits and reads any user's usage.
 */
import { json, readJsonBody } from '../shared/http';
import { pathId, type CallerRequest } from './app';
import { actorOf } from './audit';
import { ownKey } from './key-service';
import { setCreditsBody, setPlanBody } from './plan-schemas';
import { assignPlan, planList, setCredits, usageOf } from './plan-service';

const query = (req: CallerRequest) => req.event.queryStringParameters ?? {};
const dates = (req: CallerRequest) => ({ from: query(req).from, to: query(req).to });

export const PLAN_KEY_OPERATIONS = {
  listPlans: async (req: CallerRequest) => json(200, planList(req.deps)),
  keyUsage: async (req: CallerRequest) => {
    const keyId = pathId(req.event, 'keyId', 'key');
    await ownKey(req.deps, req.caller.userId, keyId);
    return json(200, await usageOf(req.deps, req.caller.userId, keyId, dates(req)));
  },
};

export const PLAN_ADMIN_OPERATIONS = {
  setUserPlan: async (req: CallerRequest) => {
    const { plan } = readJsonBody(req.event, setPlanBody);
    return json(200, await assignPlan(req.deps, { userId: pathId(req.event, 'userId', 'user') }, plan, actorOf(req.caller)));
  },
  setKeyPlan: async (req: CallerRequest) => {
    const target = { userId: pathId(req.event, 'userId', 'user'), keyId: pathId(req.event, 'keyId', 'key') };
    const { plan } = readJsonBody(req.event, setPlanBody);
    return json(200, await assignPlan(req.deps, target, plan, actorOf(req.caller)));
  },
  setKeyCredits: async (req: CallerRequest) => {
    const { credits } = readJsonBody(req.event, setCreditsBody);
    return json(200, await setCredits(req.deps, pathId(req.event, 'userId', 'user'), pathId(req.event, 'keyId', 'key'), credits, actorOf(req.caller)));
  },
  userUsage: async (req: CallerRequest) => {
    const keyId = query(req).keyId;
    return json(200, await usageOf(req.deps, pathId(req.event, 'userId', 'user'), keyId || undefined, dates(req)));
  },
};
