/**
 * The management Lambdas behind a real HTTP server, for tests that need a
 * browser's or an HTTP client library's view (redirects, headers, HTML): a
 * request is matched to a route of the table, the real `Authorizer` decides
 * for every non-public route (a refusal is the gateway's 401/403), and the
 * allowed request reaches the route's handler as a proxy event with the
 * authorizer's context. Served without a stage prefix, like the local runner.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Authorizer } from '../../lambda/authorizer/authorizer';
import type { RouteDef } from '../../lambda/core/catalog';
import { API_STAGE } from '../../fixtures/authorizer-events';
import { lambdaContext } from '../../fixtures/lambda-context';
import type { ProxyHandler } from './management-api';

export interface HttpRoute extends RouteDef {
  /** which handler answers it */
  readonly fn: string;
}

export interface HttpApi {
  readonly base: string;
  close(): Promise<void>;
}

function match(routes: readonly HttpRoute[], method: string, path: string): { route: HttpRoute; params: Record<string, string> } | undefined {
  const parts = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((p, i) => (p.startsWith('{') ? ((params[p.slice(1, -1)] = decodeURIComponent(parts[i]!)), parts[i] !== '') : p === parts[i]))) return { route, params };
  }
  return undefined;
}

function headersOf(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const gatewayError = (status: number, body: unknown) => ({ statusCode: status, headers: { 'Content-Type': 'application/json' } as Record<string, string>, body: JSON.stringify(body) });

export async function serveHttpApi(routes: readonly HttpRoute[], handlers: Readonly<Record<string, ProxyHandler>>, authorizer: Authorizer): Promise<HttpApi> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://placeholder');
      const method = req.method ?? 'GET';
      const { single, multi } = headersOf(req);
      const body = await bodyOf(req);
      const found = match(routes, method, url.pathname);
      let result;
      if (!found) {
        result = gatewayError(404, { message: 'Missing Authentication Token' });
      } else {
        const query: Record<string, string> = {};
        const multiQuery: Record<string, string[]> = {};
        for (const [k, v] of url.searchParams) {
          query[k] = v;
          (multiQuery[k] ??= []).push(v);
        }
        let context: Record<string, unknown> | null = null;
        const arn = `${API_STAGE}/${method}${url.pathname}`;
        if (found.route.needs !== 'public') {
          const decision = await authorizer.decide({
            type: 'REQUEST',
            methodArn: arn,
            resource: found.route.path,
            path: url.pathname,
            httpMethod: method,
            headers: single,
            multiValueHeaders: multi,
            pathParameters: found.params,
            queryStringParameters: query,
            multiValueQueryStringParameters: multiQuery,
            stageVariables: null,
            requestContext: {} as never,
          });
          if (decision.outcome === 'unauthorized') result = gatewayError(401, { error_code: 'unauthorized' });
          else if (decision.outcome === 'deny') result = gatewayError(403, { error_code: decision.reason });
          else context = { principalId: decision.result.principalId, ...decision.result.context };
        }
        if (!result) {
          const event = {
            resource: found.route.path,
            path: url.pathname,
            httpMethod: method,
            headers: single,
            multiValueHeaders: multi,
            queryStringParameters: url.search ? query : null,
            multiValueQueryStringParameters: url.search ? multiQuery : null,
            pathParameters: Object.keys(found.params).length > 0 ? found.params : null,
            stageVariables: null,
            body: body === '' ? null : body,
            isBase64Encoded: false,
            requestContext: { resourcePath: found.route.path, httpMethod: method, path: url.pathname, stage: 'api', authorizer: context },
          } as unknown as APIGatewayProxyEvent;
          result = await handlers[found.route.fn]!(event, lambdaContext(found.route.fn));
        }
      }
      res.writeHead(result.statusCode, result.headers as Record<string, string>);
      res.end(result.body);
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
