/**
 * Turns a Lambda's operations into a middy handler: finds the route by
 * `event.resource` and `event.httpMethod` in the deployment's route table,
 * runs the operation that row names (so the paths are wherever the
 * deployment mounted them), loads and re-checks the caller,
 * checks the permission the route table says the route needs, and leaves
 * errors, CORS and the body limit to `httpBoundary`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { routeFinder } from '../core/decision';
import { mayCall } from '../core/policy';
import { ID_PATTERN } from '../core/token';
import { missingPermission, notFound } from '../shared/errors';
import { httpBoundary } from '../shared/http';
import { loadCaller, type Caller } from './caller';
import type { ManagementDeps } from './deps';
import type { PageInput } from './list-service';

export interface PublicRequest {
  readonly event: APIGatewayProxyEvent;
  readonly deps: ManagementDeps;
}

export interface CallerRequest extends PublicRequest {
  readonly caller: Caller;
}

/** Keys are operation names, as in MANAGEMENT_ROUTES (core/management-routes.ts). */
export interface Operations {
  /** answer anyone (login, verify) */
  readonly public?: Readonly<Record<string, (req: PublicRequest) => Promise<APIGatewayProxyResult>>>;
  /** answer a caller the authorizer let through, after it is checked again here */
  readonly caller?: Readonly<Record<string, (req: CallerRequest) => Promise<APIGatewayProxyResult>>>;
}

const logger = new Logger({ serviceName: 'keygate-management' });

export function managementHandler(deps: ManagementDeps, operations: Operations) {
  // The route table indexed once per container, as the authorizer does (core/decision.ts).
  const findRoute = routeFinder(deps.config.routes);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(
      httpBoundary({
        allowedOrigins: deps.config.allowedOrigins,
        maxBodyBytes: deps.config.maxBodyBytes,
        // The error's message and stack only: never the request body, which may hold a password.
        onFault: (error, event) => logger.error('management_fault', { error: error as Error, method: event.httpMethod, resource: event.resource }),
        corsRule: (event) => findRoute(event.httpMethod, event.resource)?.cors,
      }),
    )
    .handler(async (event) => {
      const route = findRoute(event.httpMethod, event.resource);
      const operation = route?.operation;
      const publicFn = operation === undefined ? undefined : operations.public?.[operation];
      const callerFn = operation === undefined ? undefined : operations.caller?.[operation];
      if (!route || (!publicFn && !callerFn)) throw notFound(`no route ${event.httpMethod} ${event.resource} here`);
      if (publicFn && route.needs === 'public') return publicFn({ event, deps });

      const caller = await loadCaller(event, deps);
      if (!mayCall(route, caller.permissions)) throw missingPermission(route.needs);
      return callerFn ? callerFn({ event, deps, caller }) : publicFn!({ event, deps });
    });
}

/** A path parameter that has to be a 12-character id; anything else cannot exist. */
export function pathId(event: APIGatewayProxyEvent, name: string, what: string): string {
  const value = event.pathParameters?.[name];
  if (!value || !ID_PATTERN.test(value)) throw notFound(`no such ${what}`);
  return value;
}

/** `?limit=` and `?cursor=` of a paged list, as given (./list-service.ts checks them). */
export function pageInput(event: APIGatewayProxyEvent): PageInput {
  const query = event.queryStringParameters ?? {};
  return { limit: query.limit, cursor: query.cursor };
}
