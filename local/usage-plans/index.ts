/** API Gateway usage plans for the local runner: the in-memory model and its HTTP control plane. */
export { REFUSALS, UsagePlanError, UsagePlanModel, periodStart } from './model';
export type { Admission, ApiKeyDef, PlanQuota, PlanStage, PlanThrottle, QuotaPeriod, SeedKey, UsagePlanDef, UsagePlanModelOptions } from './model';
export { startControlPlane, type ControlPlane } from './control-plane';
