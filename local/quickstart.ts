/**
 * What `npm start` prints once the API is up: where it runs, the admin, and
 * three curl commands (log in, make a key, use it) that work as printed in
 * bash and zsh. The admin password appears only on the start that generated
 * it; afterwards the commands carry a placeholder.
 */
import type { AdminSeed } from './admin';

export interface QuickStartInfo {
  readonly base: string;
  /** the local console page (served by the runner only, never deployed) */
  readonly consoleUrl?: string;
  readonly stackName: string;
  readonly stage: string;
  readonly template: string;
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly tables: readonly string[];
  readonly dataDir?: string;
  readonly admin?: AdminSeed;
  readonly startedInMs: number;
}

export const READY_LINE = 'keygate is running on';
export const PASSWORD_PLACEHOLDER = 'YOUR_ADMIN_PASSWORD';

export function quickStart(i: QuickStartInfo): string {
  const admin = i.admin;
  const password = admin?.generatedPassword ?? PASSWORD_PLACEHOLDER;
  const lines = [
    '',
    `${READY_LINE} ${i.base}  (stack ${i.stackName}, stage '${i.stage}' served without its prefix, started in ${(i.startedInMs / 1000).toFixed(1)} s)`,
    ...(i.consoleUrl ? [`  console    ${i.consoleUrl}  (local only: log in and manage keys in a browser)`] : []),
    `  template   ${i.template}`,
    `  DynamoDB   ${i.dynamoEndpoint}  table ${i.tables.join(', ')}  ${i.dataDir ? `data in ${i.dataDir}/` : 'in memory'}`,
  ];
  if (admin) {
    if (admin.generatedPassword) {
      lines.push(`  admin      ${admin.email}  password ${admin.generatedPassword}  (generated now and shown this once; KEYGATE_ADMIN_PASSWORD sets your own)`);
    } else if (admin.created) {
      lines.push(`  admin      ${admin.email} created with the password in KEYGATE_ADMIN_PASSWORD`);
    } else {
      lines.push(`  admin      ${admin.email} (exists; its password was printed on the first start, or was KEYGATE_ADMIN_PASSWORD)`);
    }
    const login = JSON.stringify({ email: admin.email, password });
    lines.push(
      '',
      'Quick start (bash/zsh; the session cookie goes to keygate-cookies.txt):',
      '',
      `  curl -s -w '\\n' -c keygate-cookies.txt -H 'content-type: application/json' -d '${login}' ${i.base}/v1/auth/login`,
      `  KEY=$(curl -s -b keygate-cookies.txt -H 'origin: ${i.base}' -H 'content-type: application/json' -d '{"name":"quick start","permissions":["submit_score"]}' ${i.base}/v1/keys | sed -n 's/.*"key":"\\([^"]*\\)".*/\\1/p'); echo "$KEY"`,
      `  curl -s -w '\\n' -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"score":1234}' ${i.base}/v1/scores`,
      '',
      `  (a cookie on POST needs an allowed Origin header: ${i.base} is allowed locally)`,
    );
    if (!admin.generatedPassword) lines.push(`  (put the admin password in place of ${PASSWORD_PLACEHOLDER})`);
  }
  lines.push(
    '',
    'The admin CLI (npx keygate --help) reaches this data while keygate runs, e.g.:',
    `  AWS_ENDPOINT_URL_DYNAMODB=${i.dynamoEndpoint} AWS_REGION=${i.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npx keygate create-user --table ${i.tables[0] ?? 'TABLE'} --email you@example.com`,
    'Ctrl-C stops keygate and DynamoDB Local.',
    '',
  );
  return lines.join('\n');
}
