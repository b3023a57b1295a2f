/**
 * API Gateway's REST request path, as far as keygate depends on it:
 * resource matching, the Lambda REQUEST/TOKEN authorizer (identity sources,
 * result cache, policy evaluation against the method ARN), usage plans, the
 * Lambda proxy integration, MOCK integrations (CORS preflight) and gateway
 * responses. No HTTP server and no Lambda runtime here: requests come in as
 * plain objects and functions are called through `invoke`.
 *
 * One file a concern: `request.ts` (parsing, routing), `mapping.ts` (method
 * ARN, request context, mapping expressions), `authorizer.ts` (the call and
 * its result cache), `metering.ts` (usage plans), `responses.ts` (gateway
 * responses), `integrations.ts` (Lambda proxy and MOCK).
 */
import type { AppModel } from '../model';
import { UsagePlanModel } from '../usage-plans';
import { AuthorizerCall } from './authorizer';
import { mock, proxy, type Invoke } from './integrations';
import { meter } from './metering';
import { matchResource, parseRequest, type GatewayRequest } from './request';
import { gatewayResponse, type GatewayResponse } from './responses';

export type { Invoke, InvokeResult } from './integrations';
export { matchResource, routedPath, type GatewayRequest } from './request';
export type { GatewayResponse } from './responses';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  /** epoch milliseconds, injectable for cache tests */
  readonly now?: () => number;
  /** the usage plans methods with ApiKeyRequired are metered by (default: the template's, in memory) */
  readonly usagePlans?: UsagePlanModel;
}

export class Gateway {
  private readonly authorizer: AuthorizerCall;
  private readonly now: () => number;
  private readonly usagePlans: UsagePlanModel | undefined;

  constructor(
    private readonly model: AppModel,
    private readonly invoke: Invoke,
    options: GatewayOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.authorizer = new AuthorizerCall(model, invoke, this.now);
    this.usagePlans = options.usagePlans ?? (model.usagePlans ? UsagePlanModel.fromTemplate(model.usagePlans, { now: this.now }) : undefined);
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const { model } = this;
    const req = parseRequest(request, this.now());
    const match = matchResource(model.api.root, req.routed);
    const method = match && (match.node.methods.get(req.method) ?? match.node.methods.get('ANY'));
    if (!match || !method) return gatewayResponse(model, 'MISSING_AUTHENTICATION_TOKEN', req, 'Missing Authentication Token');
    req.resource = match.node;
    req.pathParameters = Object.keys(match.params).length > 0 ? match.params : null;
    if (req.body.length > MAX_BODY_BYTES) return gatewayResponse(model, 'REQUEST_TOO_LARGE', req, 'Request Too Long');

    if (method.authorizerId) {
      const denied = await this.authorizer.authorize(model.api.authorizers.get(method.authorizerId)!, method, req);
      if (denied) return denied;
    }
    if (method.apiKeyRequired) {
      const refused = meter(model, this.usagePlans, req);
      if (refused) return refused;
    }
    return method.integration.type === 'lambda' ? proxy(model, this.invoke, method.integration.functionId, method, req) : mock(model, method, req);
  }
}
