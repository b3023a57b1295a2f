/** What another CDK app imports to put keygate in front of its own API. */
export { KeygateApi, type KeygateApiProps, type KeygateRoute } from './keygate-api';
export { KeygateTable } from './keygate-table';
export { keygateFunction, type KeygateFunctionProps } from './keygate-function';
export { acknowledgeApiFindings, acknowledgeFunctionFindings, addKeygateChecks } from './checks';
export { MANAGEMENT_PERMISSIONS, type PermissionDef, type RouteDef } from '../lambda/core/catalog';
export { MANAGEMENT_ROUTES, managementRoutes } from '../lambda/core/management-routes';
export { MANAGEMENT_FUNCTIONS } from '../lambda/management/table-access';
