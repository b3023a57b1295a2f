/** Lambda entry: API clients and OAuth, wired to the environment (TABLE_NAME, KEYGATE_*). The operations are in ./routes.ts. */
import { loadManagementConfig } from '../../shared/management-config';
import { MANAGEMENT_LIMITS, createDynamoClient } from '../../store/dynamo-client';
import { createClientsHandler } from './routes';
import { buildDeps } from '../deps';

export const handler = createClientsHandler(buildDeps(loadManagementConfig(), createDynamoClient(MANAGEMENT_LIMITS)));
