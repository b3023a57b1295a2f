/** The Lambda environment of a deployment with `plans` (their usage plan ids included), its first plan the default, on an emulated API Gateway control plane. */
export function planEnv(plans: readonly { readonly name: string }[], controlPlaneEndpoint: string, usageKeyLimit: number): Record<string, string> {
  return {
    KEYGATE_PLANS: JSON.stringify(plans),
    KEYGATE_DEFAULT_PLAN: plans[0]!.name,
    KEYGATE_USAGE_KEY_LIMIT: String(usageKeyLimit),
    AWS_ENDPOINT_URL_API_GATEWAY: controlPlaneEndpoint,
  };
}
