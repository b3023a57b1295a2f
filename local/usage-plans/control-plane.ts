/**
 * The five API Gateway REST calls keygate's management Lambdas make, and two
 * reads for whoever checks on them (tests, a curious developer), served over
 * HTTP on the loopback address from a UsagePlanModel, in API Gateway's JSON
 * shapes (what `@aws-sdk/client-api-gateway` sends and reads):
 *   CreateApiKey        POST   /apikeys                          → 201 ApiKey
 *   CreateUsagePlanKey  POST   /usageplans/{id}/keys             → 201 UsagePlanKey
 *   DeleteUsagePlanKey  DELETE /usageplans/{id}/keys/{keyId}     → 202
 *   DeleteApiKey        DELETE /apikeys/{id}                     → 202
 *   GetUsage            GET    /usageplans/{id}/usage?keyId&startDate&endDate → 200 Usage
 *   GetApiKeys          GET    /apikeys                          → 200 ApiKeys (`item`: one page, no values)
 *   GetApiKey           GET    /apikeys/{id}                     → 200 ApiKey (no value)
 * Errors carry `x-amzn-ErrorType` and `{"message"}`, as API Gateway's do.
 * Point a client at it with the SDK's AWS_ENDPOINT_URL_API_GATEWAY.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { STATUS_OF_ERROR, UsagePlanError, type ApiKeyDef, type UsagePlanModel } from './model';

export interface ControlPlane {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY = 64 * 1024;

export async function startControlPlane(model: UsagePlanModel, options: { readonly port?: number } = {}): Promise<ControlPlane> {
  const server = createServer((req, res) => {
    void serve(model, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://${HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(model: UsagePlanModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const route = `${method} /${parts.map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
    switch (route) {
      case 'POST /apikeys': {
        if (url.searchParams.has('mode')) break;
        const input = json(body);
        const key = model.createKey({
          ...(typeof input.name === 'string' ? { name: input.name } : {}),
          ...(typeof input.value === 'string' ? { value: input.value } : {}),
          ...(typeof input.enabled === 'boolean' ? { enabled: input.enabled } : {}),
        });
        return send(res, 201, apiKeyView(key));
      }
      case 'POST /usageplans/{}/keys': {
        const input = json(body);
        if (typeof input.keyId !== 'string' || input.keyType !== 'API_KEY') throw new UsagePlanError('BadRequestException', "keyId and keyType 'API_KEY' are required");
        const key = model.addKey(parts[1]!, input.keyId);
        return send(res, 201, { id: key.id, type: 'API_KEY', value: key.value, name: key.name });
      }
      case 'DELETE /usageplans/{}/keys/{}':
        model.removeKey(parts[1]!, parts[3]!);
        return send(res, 202, undefined);
      case 'GET /apikeys':
        return send(res, 200, { item: model.listKeys().map((k) => apiKeyView(k, false)) });
      case 'GET /apikeys/{}': {
        const key = model.getKey(parts[1]!);
        if (!key) throw new UsagePlanError('NotFoundException', 'Invalid API Key identifier specified');
        return send(res, 200, apiKeyView(key, false));
      }
      case 'DELETE /apikeys/{}':
        model.deleteKey(parts[1]!);
        return send(res, 202, undefined);
      case 'GET /usageplans/{}/usage': {
        const start = url.searchParams.get('startDate');
        const end = url.searchParams.get('endDate');
        if (!start || !end) throw new UsagePlanError('BadRequestException', 'startDate and endDate are required');
        const keyId = url.searchParams.get('keyId') ?? undefined;
        const values = model.usage(parts[1]!, start, end, keyId);
        return send(res, 200, { usagePlanId: parts[1], startDate: start, endDate: end, values });
      }
    }
    throw new UsagePlanError('NotFoundException', `${method} ${url.pathname} is not one of the API Gateway calls the local runner emulates`);
  } catch (err) {
    if (err instanceof UsagePlanError) {
      const headers: Record<string, string> = { 'x-amzn-ErrorType': err.type };
      if (STATUS_OF_ERROR[err.type] === 429) headers['Retry-After'] = '1';
      return send(res, STATUS_OF_ERROR[err.type], { message: err.message }, headers);
    }
    send(res, 500, { message: 'Internal server error' }, { 'x-amzn-ErrorType': 'InternalServerErrorException' });
  }
}

/** An ApiKey; its value only where API Gateway gives it unasked (CreateApiKey), as GetApiKey(s) do without `includeValue(s)`. */
function apiKeyView(key: ApiKeyDef, withValue = true) {
  const seconds = Math.floor(key.createdDate / 1000);
  return { id: key.id, ...(withValue ? { value: key.value } : {}), name: key.name, enabled: key.enabled, createdDate: seconds, lastUpdatedDate: seconds, stageKeys: [] };
}

function json(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new UsagePlanError('BadRequestException', 'Invalid request body: not a JSON object');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new UsagePlanError('BadRequestException', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': crypto.randomUUID(), ...headers });
  res.end(text);
}
