/**
 * The Lambda REQUEST/TOKEN authorizer as API Gateway calls it: identity
 * sources, the result cache keyed by their values, the call, and the
 * returned policy judged against the method ARN.
 */
import { evaluatePolicy, isPolicyDocument } from '../iam';
import type { AppModel, AuthorizerDef, MethodDef } from '../model';
import type { Invoke } from './integrations';
import { methodArn, parameter, requestContext } from './mapping';
import { dict, type RequestState } from './request';
import { gatewayResponse, type GatewayResponse } from './responses';

interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: unknown;
  readonly context: Record<string, string>;
  readonly usageIdentifierKey?: string;
}

export class AuthorizerCall {
  private readonly cache = new Map<string, { readonly result: AuthorizerResult; readonly expiresAt: number }>();

  constructor(
    private readonly model: AppModel,
    private readonly invoke: Invoke,
    private readonly now: () => number,
  ) {}

  /** Runs the authorizer; returns the answer when the request may not go on. */
  async authorize(auth: AuthorizerDef, method: MethodDef, req: RequestState): Promise<GatewayResponse | undefined> {
    const identity = this.identityValues(auth, req);
    // API Gateway refuses without calling the authorizer when an identity source is missing.
    if (!identity) return gatewayResponse(this.model, 'UNAUTHORIZED', req, 'Unauthorized');
    if (auth.type === 'TOKEN' && auth.validationExpression && !new RegExp(`^(?:${auth.validationExpression})$`).test(identity[0]!)) {
      return gatewayResponse(this.model, 'UNAUTHORIZED', req, 'Unauthorized');
    }
    const arn = methodArn(this.model, req);
    const cacheKey = auth.ttlSeconds > 0 && auth.identitySources.length > 0 ? `${auth.logicalId}\n${identity.join('\n')}` : undefined;
    const cached = cacheKey ? this.cache.get(cacheKey) : undefined;
    let result = cached && cached.expiresAt > this.now() ? cached.result : undefined;
    if (!result) {
      const event =
        auth.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: identity[0], methodArn: arn }
          : {
              type: 'REQUEST',
              methodArn: arn,
              resource: method.resourcePath,
              path: req.path,
              httpMethod: req.method,
              headers: req.headers,
              multiValueHeaders: req.multiValueHeaders,
              queryStringParameters: req.query ?? {},
              multiValueQueryStringParameters: req.multiQuery ?? {},
              pathParameters: req.pathParameters ?? {},
              stageVariables: this.model.api.stageVariables ?? {},
              requestContext: requestContext(this.model, req, method),
            };
      const out = await this.invoke(auth.functionId, event);
      if (!out.ok) {
        if (out.errorMessage === 'Unauthorized') return gatewayResponse(this.model, 'UNAUTHORIZED', req, 'Unauthorized');
        return gatewayResponse(this.model, 'AUTHORIZER_FAILURE', req, null);
      }
      result = readAuthorizerResult(out.value);
      if (!result) return gatewayResponse(this.model, 'AUTHORIZER_CONFIGURATION_ERROR', req, null);
      if (cacheKey) this.cache.set(cacheKey, { result, expiresAt: this.now() + auth.ttlSeconds * 1000 });
    }
    // The gateway responses and the integration both see the authorizer's context.
    req.authorizer = Object.assign(dict<string>(), result.context, { principalId: result.principalId });
    if (result.usageIdentifierKey !== undefined) req.usageIdentifierKey = result.usageIdentifierKey;
    const verdict = evaluatePolicy(result.policyDocument, arn);
    if (verdict === 'allow') return undefined;
    return gatewayResponse(
      this.model,
      'ACCESS_DENIED',
      req,
      verdict === 'explicit-deny' ? 'User is not authorized to access this resource with an explicit deny' : 'User is not authorized to access this resource',
    );
  }

  /** The identity source values, or undefined when one is missing or empty. */
  private identityValues(auth: AuthorizerDef, req: RequestState): string[] | undefined {
    const values: string[] = [];
    for (const source of auth.identitySources) {
      const value = parameter(this.model, source, req);
      if (value === undefined || value === '') return undefined;
      values.push(value);
    }
    return values;
  }
}

function readAuthorizerResult(value: unknown): AuthorizerResult | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { principalId?: unknown; policyDocument?: unknown; context?: unknown; usageIdentifierKey?: unknown };
  if (v.principalId === undefined || v.principalId === null || !isPolicyDocument(v.policyDocument)) return undefined;
  const context = dict<string>();
  if (v.context !== undefined && v.context !== null) {
    if (typeof v.context !== 'object' || Array.isArray(v.context)) return undefined;
    // API Gateway refuses nested values and passes the others on as strings.
    for (const [k, x] of Object.entries(v.context)) {
      if (x !== null && typeof x === 'object') return undefined;
      context[k] = String(x);
    }
  }
  const usageKey = typeof v.usageIdentifierKey === 'string' ? { usageIdentifierKey: v.usageIdentifierKey } : {};
  return { principalId: String(v.principalId), policyDocument: v.policyDocument, context, ...usageKey };
}
