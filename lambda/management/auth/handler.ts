/** Lambda entry: the auth routes, wired to the environment (TABLE_NAME, KEYGATE_*). The routes are in ./auth-routes.ts. */
import { depsFromEnv } from '../deps';
import { createAuthHandler } from './routes';

export const handler = createAuthHandler(depsFromEnv());
