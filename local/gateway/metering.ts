/**
 * Usage plans, for a method that requires an API key: the key comes from
 * the authorizer (`ApiKeySourceType: AUTHORIZER`) or the `x-api-key`
 * header; a missing, unknown or disabled key, or one in no plan of this
 * stage, is 403 Forbidden; then the plan's throttle and quota.
 */
import type { AppModel } from '../model';
import { REFUSALS, type UsagePlanModel } from '../usage-plans';
import { header, type RequestState } from './request';
import { gatewayResponse, type GatewayResponse } from './responses';

/** Returns the refusal, or undefined when the request may go on. */
export function meter(model: AppModel, usagePlans: UsagePlanModel | undefined, req: RequestState): GatewayResponse | undefined {
  const { api } = model;
  const value = api.apiKeySource === 'AUTHORIZER' ? req.usageIdentifierKey : header(req, 'x-api-key');
  const verdict = usagePlans?.admit(value, { apiId: api.id, stage: api.stage }) ?? { ok: false, type: 'INVALID_API_KEY' as const };
  return verdict.ok ? undefined : gatewayResponse(model, verdict.type, req, REFUSALS[verdict.type].message);
}
