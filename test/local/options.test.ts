/** The runner's settings and its printed quick start, as plain functions. */
import { join, resolve } from 'node:path';
import { RunnerError } from '../../local/errors';
import { PASSWORD_PLACEHOLDER, quickStart, type QuickStartInfo } from '../../local/quickstart';
import { readOptions } from '../../local/options';

const REPO_ROOT = join(__dirname, '..', '..');

describe('Function: readOptions', () => {
  it('serves port 3000 from a synthesized cdk.out with data in .keygate-data by default', () => {
    expect(readOptions({})).toEqual({ port: 3000, dataDir: join(REPO_ROOT, '.keygate-data'), forceSynth: false });
  });

  it('reads PORT, KEYGATE_CDK_OUT, KEYGATE_IN_MEMORY, KEYGATE_DYNAMODB_PORT, KEYGATE_STACK and KEYGATE_SYNTH', () => {
    const options = readOptions({ PORT: '3100', KEYGATE_CDK_OUT: 'some/dir', KEYGATE_IN_MEMORY: '1', KEYGATE_DYNAMODB_PORT: '8001', KEYGATE_STACK: 'S', KEYGATE_SYNTH: 'always' });
    expect(options).toEqual({ port: 3100, cdkOut: resolve('some/dir'), dynamoPort: 8001, stack: 'S', forceSynth: true });
  });

  it.each(['0', '70000', 'abc', '3000.5'])('refuses PORT=%s with what it has to be', (port) => {
    expect(() => readOptions({ PORT: port })).toThrow(RunnerError);
    expect(() => readOptions({ PORT: port })).toThrow(/PORT has to be a port number/);
  });
});

describe('Function: quickStart', () => {
  const info: QuickStartInfo = {
    base: 'http://127.0.0.1:3000',
    stackName: 'Keygate',
    stage: 'api',
    template: 'cdk.out/Keygate.template.json',
    dynamoEndpoint: 'http://127.0.0.1:8000',
    region: 'us-east-1',
    tables: ['Table'],
    dataDir: '.keygate-data',
    paths: { login: '/v1/auth/login', me: '/v1/auth/me', keys: '/v1/keys' },
    example: { method: 'POST', path: '/v1/scores', url: '/v1/scores', permission: 'submit_score' },
    startedInMs: 1234,
  };

  it('shows a generated password, once, in the login command', () => {
    const text = quickStart({ ...info, admin: { email: 'admin@keygate.local', created: true, generatedPassword: 'Secret123456789' } });
    expect(text).toContain(`-d '{"email":"admin@keygate.local","password":"Secret123456789"}' http://127.0.0.1:3000/v1/auth/login`);
    expect(text).toContain("-H 'origin: http://127.0.0.1:3000'");
    expect(text).not.toContain(PASSWORD_PLACEHOLDER);
  });

  it('prints the local console URL as one line, when given', () => {
    expect(quickStart({ ...info, consoleUrl: 'http://127.0.0.1:3000/v1/console/' })).toContain('\n  console    http://127.0.0.1:3000/v1/console/  (log in');
    expect(quickStart(info)).not.toContain('console ');
  });

  it("names the served app's plans with their limits and the default, and the 429 past them; nothing without plans", () => {
    const plans = {
      plans: [
        { name: 'shared', id: 'a', throttle: { rateLimit: 100, burstLimit: 200 } },
        { name: 'free', id: 'b', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' as const } },
      ],
      defaultPlan: 'shared',
    };
    expect(quickStart({ ...info, plans })).toContain(
      "\n  plans      shared 100 r/s, burst 200 (the default); free 5 r/s, burst 10, 1,000 a day; past its plan's limit a call is 429 too_many_requests (README: Rate limits and quotas)\n",
    );
    expect(quickStart(info)).not.toContain('plans ');
  });

  it('never shows a password it did not generate', () => {
    const text = quickStart({ ...info, admin: { email: 'admin@keygate.local', created: false } });
    expect(text).toContain(`"password":"${PASSWORD_PLACEHOLDER}"`);
  });

  it("uses the served app's base path, its key permission and the route that needs it", () => {
    const text = quickStart({
      ...info,
      admin: { email: 'admin@keygate.local', created: true, generatedPassword: 'Secret123456789' },
      paths: { login: '/auth-service/auth/login', me: '/auth-service/auth/me', keys: '/auth-service/keys' },
      example: { method: 'PATCH', path: '/widgets/{widgetId}', url: '/widgets/example', permission: 'write_widgets' },
    });
    const commands = text.split('\n').filter((l) => /^ {2}(curl|KEY=)/.test(l));
    expect(commands).toHaveLength(3);
    expect(commands[0]).toMatch(/ http:\/\/127\.0\.0\.1:3000\/auth-service\/auth\/login$/);
    expect(commands[1]).toContain(`-d '{"name":"quick start","permissions":["write_widgets"]}' http://127.0.0.1:3000/auth-service/keys |`);
    expect(commands[2]).toBe(`  curl -s -w '\\n' -X PATCH -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{}' http://127.0.0.1:3000/widgets/example`);
    expect(text).toContain('(the key may write_widgets, which PATCH /widgets/{widgetId} needs)');
    expect(text).not.toMatch(/\/v1\/|submit_score|scores/);
  });

  it('makes no key when no route needs a permission a key may carry, and prints no quick start for an app it cannot read', () => {
    const { example: _, ...noExample } = info;
    const admin = { email: 'admin@keygate.local', created: false };
    const text = quickStart({ ...noExample, admin });
    expect(text.split('\n').filter((l) => /^ {2}(curl|KEY=)/.test(l))).toEqual([
      `  curl -s -w '\\n' -c keygate-cookies.txt -H 'content-type: application/json' -d '{"email":"admin@keygate.local","password":"${PASSWORD_PLACEHOLDER}"}' http://127.0.0.1:3000/v1/auth/login`,
      "  curl -s -w '\\n' -b keygate-cookies.txt http://127.0.0.1:3000/v1/auth/me",
    ]);
    const { paths: __, ...unreadable } = info;
    expect(quickStart({ ...unreadable, admin })).not.toContain('Quick start');
  });

  it('prints the notes under the addresses', () => {
    expect(quickStart({ ...info, notes: ['DynamoDB Local listens on every network interface'] })).toContain(
      'data in .keygate-data/\n  note       DynamoDB Local listens on every network interface\n',
    );
  });
});
