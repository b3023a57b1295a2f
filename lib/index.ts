/**
 * What another CDK app imports to put keygate in front of its own API
 * (`import { Keygate } from 'keygate'`). cdk-nag rules are on a separate
 * entry point, `keygate/checks`, so this one never needs cdk-nag.
 */
export { Keygate, type KeygateProps, type KeygateRoute } from './keygate';
export type { KeygateRouteDef, KeygateSettingsProps } from './keygate-settings';
export { KeygateTable, type KeygateTableProps } from './keygate-table';
export type { KeygateAlarms } from './keygate-alarms';
export { MANAGEMENT_PERMISSIONS, type Grant, type HttpMethod, type PermissionDef, type Requirement, type RouteDef } from '../lambda/core/catalog';
export { DEFAULT_BASE_PATH, MANAGEMENT_ROUTES, managementRoutes, type ManagementFunctionName, type ManagementRouteDef } from '../lambda/core/management-routes';
export { MANAGEMENT_FUNCTIONS } from '../lambda/core/management-functions';
export type { PlanDef, QuotaPeriod } from '../lambda/core/settings';
export { grantUsagePlanAccess } from './keygate-usage-plans';
