/**
 * The keygate CDK app: `npx cdk synth`, `npx cdk deploy`. The stack is
 * environment-agnostic (account and region come from the deploying
 * credentials), so the template in cdk.out is the same on every machine.
 * cdk.json bundles keygate's Lambdas first when their sources changed.
 */
import { App } from 'aws-cdk-lib';
import { addKeygateChecks } from '../lib/checks';
import { KeygateStack, acknowledgeReferenceFindings } from '../lib/keygate-stack';

const app = new App();
const stack = new KeygateStack(app, 'Keygate', { description: 'keygate: API keys and sessions for an API Gateway REST API' });
addKeygateChecks(app);
acknowledgeReferenceFindings(stack);
