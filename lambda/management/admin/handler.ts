/** Lambda entry: the admin routes, wired to the environment (TABLE_NAME, KEYGATE_*). The routes are in ./admin-routes.ts. */
import { depsFromEnv } from '../deps';
import { createAdminHandler } from './routes';

export const handler = createAdminHandler(depsFromEnv());
