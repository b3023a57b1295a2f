/**
 * The UsagePlans port (./port.ts) on `@aws-sdk/client-api-gateway`. The SDK
 * finds region, credentials and `AWS_ENDPOINT_URL_API_GATEWAY` (the local
 * runner's and the tests' emulated control plane) itself; we add the time
 * limits of the management DynamoDB client, so a hanging control plane costs
 * a fast 503 instead of a Lambda timeout.
 */
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetUsageCommand,
} from '@aws-sdk/client-api-gateway';
import { MANAGEMENT_LIMITS, type DynamoClientLimits } from '../store/dynamo-client';
import { UsagePlansError, type UsageDay, type UsagePlans } from './port';

export function createApiGatewayClient(limits: DynamoClientLimits = MANAGEMENT_LIMITS): APIGatewayClient {
  return new APIGatewayClient({
    maxAttempts: limits.maxAttempts,
    requestHandler: { connectionTimeout: limits.connectionTimeout, requestTimeout: limits.requestTimeout, throwOnRequestTimeout: true },
  });
}

const DAY_MS = 24 * 3600 * 1000;
const dayAfter = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** The SDK's error as the port's; NotFound is handled by the callers that accept it. */
function portError(err: unknown): UsagePlansError {
  const name = (err as { name?: string }).name ?? 'Error';
  const message = (err as { message?: string }).message ?? String(err);
  if (name === 'LimitExceededException') return new UsagePlansError('limit', message, { cause: err });
  if (name === 'TooManyRequestsException') return new UsagePlansError('throttled', message, { cause: err });
  return new UsagePlansError('unavailable', `${name}: ${message}`, { cause: err });
}

const isNotFound = (err: unknown) => (err as { name?: string }).name === 'NotFoundException';

export class ApiGatewayUsagePlans implements UsagePlans {
  constructor(private readonly client: APIGatewayClient = createApiGatewayClient()) {}

  private async send<T>(call: () => Promise<T>, notFoundOk = false): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (notFoundOk && isNotFound(err)) return undefined;
      throw portError(err);
    }
  }

  async createKey(name: string, value: string): Promise<{ id: string }> {
    const out = await this.send(() => this.client.send(new CreateApiKeyCommand({ name, value, enabled: true })));
    if (!out?.id) throw new UsagePlansError('unavailable', 'CreateApiKey answered without an id');
    return { id: out.id };
  }

  async addToPlan(usagePlanId: string, keyId: string): Promise<void> {
    await this.send(() => this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' })));
  }

  async removeFromPlan(usagePlanId: string, keyId: string): Promise<void> {
    await this.send(() => this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId })), true);
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.send(() => this.client.send(new DeleteApiKeyCommand({ apiKey: keyId })), true);
  }

  /** API Gateway answers `items: {keyId: [[used, remaining], …]}`, one pair per day from startDate; a key without calls may be absent. */
  async usage(usagePlanId: string, keyId: string, startDate: string, endDate: string): Promise<{ days: UsageDay[] }> {
    const out = await this.send(() => this.client.send(new GetUsageCommand({ usagePlanId, keyId, startDate, endDate })));
    const pairs = out?.items?.[keyId] ?? [];
    const days: UsageDay[] = [];
    for (let i = 0, date = startDate; date <= endDate; i++, date = dayAfter(startDate, i)) {
      const [used, remaining] = pairs[i] ?? [0, undefined];
      days.push({ date, used: used ?? 0, remaining: remaining ?? null });
    }
    return { days };
  }
}
