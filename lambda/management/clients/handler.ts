/** Lambda entry: API clients and OAuth, wired to the environment (TABLE_NAME, KEYGATE_*, with plans the usage plans). The operations are in ./routes.ts. */
import { depsFromEnv } from '../deps';
import { createClientsHandler } from './routes';

export const handler = createClientsHandler(depsFromEnv());
