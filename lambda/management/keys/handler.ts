/** Lambda entry: the keys routes, wired to the environment (TABLE_NAME, KEYGATE_*). The routes are in ./key-routes.ts. */
import { depsFromEnv } from '../deps';
import { createKeysHandler } from './routes';

export const handler = createKeysHandler(depsFromEnv());
