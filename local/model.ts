/**
 * Reads a synthesized CloudFormation template into what the runner serves:
 * the REST API's resource tree, methods, authorizers and gateway responses,
 * the Lambda functions they use (bundle directory, handler, resolved
 * environment) and the DynamoDB tables. Whatever the runner cannot run
 * faithfully is refused here, naming the resource and why.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { TemplateError } from './errors';
import { referencedFunctions, resolve, type CfnResource, type CfnTemplate, type Names, type Pseudo } from './intrinsics';
import type { PlanStage, SeedKey, UsagePlanDef } from './usage-plans';
import { parseTemplate, VtlError } from './vtl';

export interface FunctionDef {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** the unzipped bundle: cdk.out/asset.<hash> */
  readonly codeDir: string;
  /** `index.handler` */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** the template's variables, intrinsics resolved to local values */
  readonly environment: Readonly<Record<string, string>>;
}

export interface AuthorizerDef {
  readonly logicalId: string;
  readonly id: string;
  readonly name: string;
  readonly type: 'REQUEST' | 'TOKEN';
  readonly functionId: string;
  /** `method.request.header.Authorization`, … (empty: API Gateway calls it on every request) */
  readonly identitySources: readonly string[];
  readonly ttlSeconds: number;
  readonly validationExpression?: string;
}

export interface MockResponse {
  readonly statusCode: number;
  readonly selectionPattern?: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly templates: Readonly<Record<string, string>>;
}

export type Integration =
  | { readonly type: 'lambda'; readonly functionId: string }
  | { readonly type: 'mock'; readonly requestTemplates: Readonly<Record<string, string>>; readonly responses: readonly MockResponse[] };

export interface MethodDef {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly authorizerId?: string;
  /** `ApiKeyRequired`: the method is subject to the usage plans */
  readonly apiKeyRequired?: boolean;
  readonly integration: Integration;
}

export interface ResourceNode {
  readonly id: string;
  readonly path: string;
  readonly part: string;
  readonly children: ResourceNode[];
  readonly methods: Map<string, MethodDef>;
}

export interface GatewayResponseDef {
  readonly type: string;
  readonly statusCode?: number;
  readonly templates: Readonly<Record<string, string>>;
  /** header name → `'literal'` or `method.request.header.x` etc. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ApiDef {
  readonly logicalId: string;
  readonly id: string;
  readonly stage: string;
  readonly stageVariables: Readonly<Record<string, string>> | null;
  readonly binaryMediaTypes: readonly string[];
  readonly root: ResourceNode;
  readonly authorizers: ReadonlyMap<string, AuthorizerDef>;
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseDef>;
  /** `ApiKeySourceType`: where a method that requires an API key takes it from */
  readonly apiKeySource: 'HEADER' | 'AUTHORIZER';
}

/** The template's usage plans, API keys and their links (ids are logical ids). */
export interface UsagePlansDef {
  readonly plans: readonly UsagePlanDef[];
  readonly keys: readonly SeedKey[];
  readonly links: readonly { readonly planId: string; readonly keyId: string }[];
}

export interface TableDef {
  readonly logicalId: string;
  readonly name: string;
  readonly input: CreateTableCommandInput;
}

export interface AppModel {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly api: ApiDef;
  /** only the functions the API invokes */
  readonly functions: ReadonlyMap<string, FunctionDef>;
  readonly tables: readonly TableDef[];
  /** present when the template has an AWS::ApiGateway::UsagePlan */
  readonly usagePlans?: UsagePlansDef;
  /** things that are not emulated but do not stop the runner */
  readonly warnings: readonly string[];
}

export interface ModelOptions {
  /** the directory that `aws:asset:path` is relative to */
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
}

type Props = Record<string, unknown>;
const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

/** A stable, API-id-shaped name for a logical id. */
function fakeId(logicalId: string): string {
  return createHash('sha256').update(logicalId).digest('hex').slice(0, 10);
}

export function buildModel(template: CfnTemplate, options: ModelOptions): AppModel {
  const resources = template.Resources ?? {};
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const pseudo: Pseudo = { region: options.region, account: options.account, stackName: options.stackName };
  const warnings: string[] = [];

  const apis = byType('AWS::ApiGateway::RestApi');
  if (apis.length === 0) throw new TemplateError(options.stackName, 'the stack has no AWS::ApiGateway::RestApi');
  if (apis.length > 1) throw new TemplateError(apis.map(([id]) => id).join(', '), 'the runner serves one REST API per stack');
  const [apiLogicalId, apiResource] = apis[0]!;
  const apiProps = apiResource.Properties ?? {};
  if (apiProps.Body || apiProps.BodyS3Location) throw new TemplateError(apiLogicalId, 'APIs defined by an OpenAPI body are not read by the runner');
  if (apiProps.Policy) warnings.push(`${apiLogicalId}: the API's resource policy is not evaluated locally`);
  const apiId = fakeId(apiLogicalId);

  const tableName = (id: string, r: CfnResource): string => {
    const n = r.Properties?.TableName;
    return typeof n === 'string' ? n : id;
  };
  const functionName = (id: string, r: CfnResource): string => {
    const n = r.Properties?.FunctionName;
    return typeof n === 'string' ? n : id;
  };
  const names: Names = {
    ref(id) {
      const r = resources[id];
      if (!r) return template.Parameters?.[id]?.Default as string | undefined;
      if (TABLE_TYPES.has(r.Type)) return tableName(id, r);
      if (r.Type === 'AWS::Lambda::Function') return functionName(id, r);
      if (r.Type === 'AWS::ApiGateway::RestApi') return apiId;
      // A usage plan's and an API key's id is their logical id: stable, and what the control plane knows them by.
      if (r.Type === 'AWS::ApiGateway::UsagePlan' || r.Type === 'AWS::ApiGateway::ApiKey') return id;
      if (r.Type === 'AWS::ApiGateway::Stage' && typeof r.Properties?.StageName === 'string') return r.Properties.StageName;
      return undefined;
    },
    getAtt(id, attr) {
      const r = resources[id];
      if (!r) return undefined;
      if (TABLE_TYPES.has(r.Type)) {
        const arn = `arn:aws:dynamodb:${pseudo.region}:${pseudo.account}:table/${tableName(id, r)}`;
        return attr === 'Arn' ? arn : attr === 'StreamArn' ? `${arn}/stream/local` : undefined;
      }
      if (r.Type === 'AWS::Lambda::Function' && attr === 'Arn') return `arn:aws:lambda:${pseudo.region}:${pseudo.account}:function:${functionName(id, r)}`;
      if (r.Type === 'AWS::ApiGateway::RestApi' && attr === 'RootResourceId') return 'root';
      return undefined;
    },
  };

  const belongsToApi = (p: Props) => {
    const ref = (p.RestApiId as { Ref?: string } | undefined)?.Ref;
    return ref === apiLogicalId;
  };

  // Resource tree.
  const root: ResourceNode = { id: 'root', path: '/', part: '', children: [], methods: new Map() };
  const nodes = new Map<string, ResourceNode>([['root', root]]);
  const apiResources = byType('AWS::ApiGateway::Resource').filter(([, r]) => belongsToApi(r.Properties ?? {}));
  const parentOf = (id: string, p: Props): string => {
    const parent = p.ParentId as { Ref?: string; 'Fn::GetAtt'?: unknown[] } | undefined;
    if (parent?.Ref) return parent.Ref;
    if (parent?.['Fn::GetAtt']?.[0] === apiLogicalId && parent['Fn::GetAtt'][1] === 'RootResourceId') return 'root';
    throw new TemplateError(id, 'ParentId is neither a Ref to a resource nor the API root');
  };
  const nodeFor = (id: string, seen: Set<string> = new Set()): ResourceNode => {
    const existing = nodes.get(id);
    if (existing) return existing;
    const r = resources[id];
    if (!r || r.Type !== 'AWS::ApiGateway::Resource') throw new TemplateError(id, 'is referenced as an API resource but is not one');
    if (seen.has(id)) throw new TemplateError(id, 'resource parents form a cycle');
    const p = r.Properties ?? {};
    const parent = nodeFor(parentOf(id, p), seen.add(id));
    const part = String(p.PathPart);
    const node: ResourceNode = { id, part, path: parent.path === '/' ? `/${part}` : `${parent.path}/${part}`, children: [], methods: new Map() };
    parent.children.push(node);
    nodes.set(id, node);
    return node;
  };
  for (const [id] of apiResources) nodeFor(id);

  // Authorizers.
  const authorizers = new Map<string, AuthorizerDef>();
  for (const [id, r] of byType('AWS::ApiGateway::Authorizer')) {
    const p = r.Properties ?? {};
    if (!belongsToApi(p)) continue;
    const type = String(p.Type);
    if (type !== 'REQUEST' && type !== 'TOKEN') throw new TemplateError(id, `authorizer type ${type} is not emulated (only Lambda REQUEST and TOKEN authorizers)`);
    const fns = referencedFunctions(p.AuthorizerUri, template);
    if (fns.length !== 1) throw new TemplateError(id, 'AuthorizerUri does not point at exactly one AWS::Lambda::Function of this stack');
    const sources = typeof p.IdentitySource === 'string' ? p.IdentitySource.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (type === 'TOKEN' && sources.length !== 1) throw new TemplateError(id, 'a TOKEN authorizer needs exactly one identity source');
    // CloudFormation's default when the property is left out is 300 seconds.
    const ttl = p.AuthorizerResultTtlInSeconds === undefined ? 300 : Number(p.AuthorizerResultTtlInSeconds);
    authorizers.set(id, {
      logicalId: id,
      id: fakeId(id).slice(0, 6),
      name: String(p.Name ?? id),
      type,
      functionId: fns[0]!,
      identitySources: sources,
      ttlSeconds: ttl,
      ...(typeof p.IdentityValidationExpression === 'string' ? { validationExpression: p.IdentityValidationExpression } : {}),
    });
  }

  // Methods.
  const usedFunctions = new Set<string>([...authorizers.values()].map((a) => a.functionId));
  for (const [id, r] of byType('AWS::ApiGateway::Method')) {
    const p = r.Properties ?? {};
    if (!belongsToApi(p)) continue;
    const resourceRef = p.ResourceId as { Ref?: string; 'Fn::GetAtt'?: unknown[] } | undefined;
    const node = resourceRef?.Ref ? nodeFor(resourceRef.Ref) : resourceRef?.['Fn::GetAtt']?.[1] === 'RootResourceId' ? root : undefined;
    if (!node) throw new TemplateError(id, 'ResourceId is neither a Ref to a resource nor the API root');
    const httpMethod = String(p.HttpMethod).toUpperCase();
    const authType = String(p.AuthorizationType ?? 'NONE');
    let authorizerId: string | undefined;
    if (authType === 'CUSTOM') {
      authorizerId = (p.AuthorizerId as { Ref?: string } | undefined)?.Ref;
      if (!authorizerId || !authorizers.has(authorizerId)) throw new TemplateError(id, 'AuthorizationType CUSTOM without an AuthorizerId that refers to an authorizer of this API');
    } else if (authType !== 'NONE') {
      throw new TemplateError(id, `AuthorizationType ${authType} is not emulated (only NONE and CUSTOM Lambda authorizers)`);
    }
    const integration = readIntegration(id, p.Integration as Props | undefined, template);
    if (integration.type === 'lambda') usedFunctions.add(integration.functionId);
    if (node.methods.has(httpMethod)) throw new TemplateError(id, `${httpMethod} ${node.path} is defined twice`);
    node.methods.set(httpMethod, {
      logicalId: id,
      httpMethod,
      resourcePath: node.path,
      resourceId: fakeId(node.id).slice(0, 6),
      ...(authorizerId ? { authorizerId } : {}),
      ...(p.ApiKeyRequired === true ? { apiKeyRequired: true } : {}),
      integration,
    });
  }

  // Gateway responses.
  const gatewayResponses = new Map<string, GatewayResponseDef>();
  for (const [id, r] of byType('AWS::ApiGateway::GatewayResponse')) {
    const p = r.Properties ?? {};
    if (!belongsToApi(p)) continue;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((p.ResponseParameters ?? {}) as Record<string, unknown>)) {
      const m = /^gatewayresponse\.header\.(.+)$/.exec(k);
      if (!m) throw new TemplateError(id, `response parameter ${k} is not a gatewayresponse.header.*`);
      headers[m[1]!] = String(v);
    }
    gatewayResponses.set(String(p.ResponseType), {
      type: String(p.ResponseType),
      ...(p.StatusCode !== undefined ? { statusCode: Number(p.StatusCode) } : {}),
      templates: (p.ResponseTemplates ?? {}) as Record<string, string>,
      headers,
    });
  }

  // Stage.
  let stage: string | undefined;
  let stageVariables: Record<string, string> | null = null;
  for (const [, r] of byType('AWS::ApiGateway::Stage')) {
    const p = r.Properties ?? {};
    if (!belongsToApi(p) || stage) continue;
    stage = String(p.StageName);
    const vars = p.Variables as Record<string, unknown> | undefined;
    if (vars && Object.keys(vars).length > 0) {
      stageVariables = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(resolve(v, names, pseudo, 'Stage'))]));
    }
  }
  if (!stage) {
    for (const [, r] of byType('AWS::ApiGateway::Deployment')) {
      const p = r.Properties ?? {};
      if (belongsToApi(p) && typeof p.StageName === 'string') stage = p.StageName;
    }
  }

  // Functions: only those the API invokes are run.
  const functions = new Map<string, FunctionDef>();
  for (const id of usedFunctions) functions.set(id, readFunction(id, resources[id]!, options, names, pseudo));

  const apiKeySource = String(apiProps.ApiKeySourceType ?? 'HEADER');
  if (apiKeySource !== 'HEADER' && apiKeySource !== 'AUTHORIZER') throw new TemplateError(apiLogicalId, `ApiKeySourceType ${apiKeySource} is neither HEADER nor AUTHORIZER`);
  const usagePlans = readUsagePlans(byType, names, pseudo, stagesAddedAtDeploy(resources, names, pseudo));

  const tables: TableDef[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (TABLE_TYPES.has(r.Type)) tables.push({ logicalId: id, name: tableName(id, r), input: createTableInput(id, tableName(id, r), r.Properties ?? {}) });
  }

  return {
    stackName: options.stackName,
    region: options.region,
    account: options.account,
    api: {
      logicalId: apiLogicalId,
      id: apiId,
      stage: stage ?? 'local',
      stageVariables,
      binaryMediaTypes: ((apiProps.BinaryMediaTypes ?? []) as string[]).map((t) => t.replaceAll('~1', '/')),
      root,
      authorizers,
      gatewayResponses,
      apiKeySource,
    },
    functions,
    tables,
    ...(usagePlans ? { usagePlans } : {}),
    warnings,
  };
}

/**
 * The stages that custom resources put usage plans on at deploy time: an
 * AwsCustomResource (`Custom::…`) whose Create call is API Gateway's
 * `updateUsagePlan` with `add /apiStages` ops, as AWS would run it. It is how
 * the keygate construct attaches its plans (`Custom::KeygateUsagePlanStage`):
 * the plans exist before the stage, so their ApiStages cannot name it.
 * By plan id (its logical id); every other custom resource is left alone.
 */
function stagesAddedAtDeploy(resources: Readonly<Record<string, CfnResource>>, names: Names, pseudo: Pseudo): Map<string, PlanStage[]> {
  const added = new Map<string, PlanStage[]>();
  for (const [id, r] of Object.entries(resources)) {
    const create = r.Properties?.Create;
    if (!r.Type.startsWith('Custom::') || create === undefined || !JSON.stringify(create).includes('updateUsagePlan')) continue;
    let call: { service?: string; action?: string; parameters?: { usagePlanId?: string; patchOperations?: { op?: string; path?: string; value?: string }[] } };
    try {
      call = JSON.parse(String(resolve(create, names, pseudo, id))) as typeof call;
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(id, 'its Create call is not JSON');
    }
    if (call.service !== 'APIGateway' || call.action !== 'updateUsagePlan') continue;
    for (const op of call.parameters?.patchOperations ?? []) {
      if (op.op !== 'add' || op.path !== '/apiStages') continue;
      const [apiId, stage] = String(op.value).split(':');
      if (!call.parameters?.usagePlanId || !apiId || !stage) throw new TemplateError(id, `updateUsagePlan adds '${String(op.value)}', not an 'apiId:stage' to a plan`);
      added.set(call.parameters.usagePlanId, [...(added.get(call.parameters.usagePlanId) ?? []), { apiId, stage }]);
    }
  }
  return added;
}

/** AWS::ApiGateway::UsagePlan, ApiKey and UsagePlanKey, with their Refs resolved to local ids; `addedStages` join each plan's ApiStages. */
function readUsagePlans(byType: (type: string) => [string, CfnResource][], names: Names, pseudo: Pseudo, addedStages: ReadonlyMap<string, PlanStage[]>): UsagePlansDef | undefined {
  const planResources = byType('AWS::ApiGateway::UsagePlan');
  if (planResources.length === 0) return undefined;
  const plans: UsagePlanDef[] = planResources.map(([id, r]) => {
    const p = (resolve(r.Properties ?? {}, names, pseudo, id) ?? {}) as Props;
    const throttle = p.Throttle as Props | undefined;
    const quota = p.Quota as Props | undefined;
    if (throttle && (Number(throttle.RateLimit) <= 0 || !(Number(throttle.BurstLimit) >= 1))) throw new TemplateError(id, 'Throttle needs a RateLimit above 0 and a BurstLimit of at least 1');
    if (quota && !['DAY', 'WEEK', 'MONTH'].includes(String(quota.Period))) throw new TemplateError(id, `Quota Period ${String(quota.Period)} is not DAY, WEEK or MONTH`);
    if (quota?.Offset) throw new TemplateError(id, 'a Quota Offset is not emulated');
    if (Array.isArray(p.ApiStages) && p.ApiStages.some((s) => (s as Props).Throttle)) throw new TemplateError(id, 'per-method throttles of an API stage (ApiStages[].Throttle) are not emulated');
    return {
      id,
      name: String(p.UsagePlanName ?? id),
      ...(throttle ? { throttle: { rateLimit: Number(throttle.RateLimit), burstLimit: Number(throttle.BurstLimit) } } : {}),
      ...(quota ? { quota: { limit: Number(quota.Limit), period: quota.Period as 'DAY' | 'WEEK' | 'MONTH' } } : {}),
      stages: [...((p.ApiStages ?? []) as Props[]).map((s) => ({ apiId: String(s.ApiId), stage: String(s.Stage) })), ...(addedStages.get(id) ?? [])],
    };
  });
  const keys: SeedKey[] = byType('AWS::ApiGateway::ApiKey').map(([id, r]) => {
    const p = (resolve(r.Properties ?? {}, names, pseudo, id) ?? {}) as Props;
    if (typeof p.Value !== 'string') throw new TemplateError(id, 'an API key without a Value: the runner cannot know the value API Gateway would generate');
    // CloudFormation's default for Enabled is false, as CreateApiKey's.
    return { id, value: p.Value, name: String(p.Name ?? id), enabled: p.Enabled === true || p.Enabled === 'true' };
  });
  const links = byType('AWS::ApiGateway::UsagePlanKey').map(([id, r]) => {
    const p = (resolve(r.Properties ?? {}, names, pseudo, id) ?? {}) as Props;
    if (p.KeyType !== 'API_KEY') throw new TemplateError(id, `KeyType ${String(p.KeyType)} is not API_KEY`);
    return { planId: String(p.UsagePlanId), keyId: String(p.KeyId) };
  });
  return { plans, keys, links };
}

function readIntegration(methodId: string, p: Props | undefined, template: CfnTemplate): Integration {
  const type = String(p?.Type ?? '');
  if (type === 'AWS_PROXY') {
    const fns = referencedFunctions(p!.Uri, template);
    if (fns.length !== 1) throw new TemplateError(methodId, 'the AWS_PROXY integration does not point at exactly one AWS::Lambda::Function of this stack');
    return { type: 'lambda', functionId: fns[0]! };
  }
  if (type === 'MOCK') {
    const responses = ((p!.IntegrationResponses ?? []) as Props[]).map((r) => ({
      statusCode: Number(r.StatusCode),
      ...(typeof r.SelectionPattern === 'string' ? { selectionPattern: r.SelectionPattern } : {}),
      parameters: (r.ResponseParameters ?? {}) as Record<string, string>,
      templates: (r.ResponseTemplates ?? {}) as Record<string, string>,
    }));
    // Integration response templates are VTL: refuse now what the runner would run wrong later.
    for (const r of responses) {
      for (const [type, template] of Object.entries(r.templates)) {
        try {
          parseTemplate(template);
        } catch (err) {
          if (err instanceof VtlError) throw new TemplateError(methodId, `its ${r.statusCode} response template (${type}): ${err.message}`);
          throw err;
        }
      }
    }
    return { type: 'mock', requestTemplates: (p!.RequestTemplates ?? {}) as Record<string, string>, responses };
  }
  throw new TemplateError(methodId, `integration type '${type || 'none'}' is not emulated (only AWS_PROXY to a Lambda function of this stack, and MOCK)`);
}

function readFunction(id: string, r: CfnResource, options: ModelOptions, names: Names, pseudo: Pseudo): FunctionDef {
  const p = r.Properties ?? {};
  const runtime = String(p.Runtime ?? '');
  if (!/^nodejs\d+\.x$/.test(runtime)) throw new TemplateError(id, `runtime '${runtime}' is not run locally (Node.js runtimes only)`);
  if (Array.isArray(p.Layers) && p.Layers.length > 0) throw new TemplateError(id, 'Lambda layers are not run locally');
  const assetPath = r.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string' || r.Metadata?.['aws:asset:property'] !== 'Code') {
    throw new TemplateError(id, "its code is not a bundled asset of this cloud assembly (no Metadata 'aws:asset:path')", 'use NodejsFunction or Code.fromAsset');
  }
  const environment: Record<string, string> = {};
  const vars = ((p.Environment as Props | undefined)?.Variables ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(vars)) {
    const value = resolve(v, names, pseudo, `${id} (environment variable ${k})`);
    if (value !== undefined) environment[k] = String(value);
  }
  const name = names.ref(id)!;
  return {
    logicalId: id,
    name,
    arn: names.getAtt(id, 'Arn')!,
    codeDir: isAbsolute(assetPath) ? assetPath : join(options.assemblyDir, assetPath),
    handler: String(p.Handler ?? 'index.handler'),
    runtime,
    // CloudFormation's defaults: 3 seconds, 128 MB.
    timeoutMs: Number(p.Timeout ?? 3) * 1000,
    memoryMb: Number(p.MemorySize ?? 128),
    environment,
  };
}

/** The table as CreateTable takes it. Capacity settings are dropped: DynamoDB Local ignores them. */
function createTableInput(id: string, name: string, p: Props): CreateTableCommandInput {
  if (!Array.isArray(p.KeySchema) || !Array.isArray(p.AttributeDefinitions)) throw new TemplateError(id, 'the table has no KeySchema or AttributeDefinitions');
  const index = (i: Props) => ({
    IndexName: i.IndexName as string,
    KeySchema: i.KeySchema as never,
    Projection: (i.Projection ?? { ProjectionType: 'ALL' }) as never,
  });
  const gsis = (p.GlobalSecondaryIndexes ?? []) as Props[];
  const lsis = (p.LocalSecondaryIndexes ?? []) as Props[];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: p.KeySchema as never,
    AttributeDefinitions: p.AttributeDefinitions as never,
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis.map(index) } : {}),
    ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis.map(index) } : {}),
  };
}
