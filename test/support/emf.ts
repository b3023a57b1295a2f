/**
 * What CloudWatch extracts from a log line in the Embedded Metric Format
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * checks the line against the specification's rules and returns its metrics
 * with their namespace, dimensions and values, or throws saying which rule
 * the line breaks.
 */
export interface ExtractedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export function emfMetrics(line: string): ExtractedMetric[] {
  const root = JSON.parse(line) as Record<string, unknown>;
  const aws = root._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws !== 'object') throw new Error('no _aws object at the root');
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp)) throw new Error('_aws.Timestamp has to be an integer of epoch milliseconds');
  if (!Array.isArray(aws.CloudWatchMetrics)) throw new Error('_aws.CloudWatchMetrics has to be an array');
  const out: ExtractedMetric[] = [];
  for (const directive of aws.CloudWatchMetrics as { Namespace?: unknown; Dimensions?: unknown; Metrics?: unknown }[]) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace === '') throw new Error('a directive has no Namespace');
    if (!Array.isArray(directive.Dimensions)) throw new Error('a directive has no Dimensions array');
    if (!Array.isArray(directive.Metrics) || directive.Metrics.length === 0) throw new Error('a directive has no Metrics');
    for (const set of directive.Dimensions as unknown[]) {
      if (!Array.isArray(set) || set.length > 30) throw new Error('a dimension set has to be an array of at most 30 names');
      for (const name of set) {
        if (typeof name !== 'string' || typeof root[name] !== 'string') throw new Error(`dimension ${String(name)} has to be a string member of the root`);
      }
    }
    for (const metric of directive.Metrics as { Name?: unknown; Unit?: unknown }[]) {
      if (typeof metric.Name !== 'string') throw new Error('a metric has no Name');
      const value = root[metric.Name];
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric ${metric.Name} has no number at the root`);
      for (const set of directive.Dimensions as string[][]) {
        out.push({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: typeof metric.Unit === 'string' ? metric.Unit : undefined,
          value,
          dimensions: Object.fromEntries(set.map((d) => [d, root[d] as string])),
        });
      }
    }
  }
  return out;
}
