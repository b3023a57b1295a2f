/**
 * The part of API Gateway's template language that gateway responses and
 * mock integrations use here: `$context.…` / `$stageVariables.…` references
 * (also `$!…`, `${…}`), and `$util.escapeJavaScript(…)` of one. A missing
 * value renders as an empty string, as API Gateway does; values are inserted
 * as they are, unescaped, as API Gateway does.
 */
export type Lookup = (root: string, path: readonly string[]) => string | undefined;

const REF = String.raw`\$!?(?:\{([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*)\}|([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*))`;
const TOKEN = new RegExp(String.raw`\$util\.escapeJavaScript\(\s*(${REF})\s*\)|${REF}`, 'g');
const ROOTS = new Set(['context', 'stageVariables']);

export function renderTemplate(template: string, lookup: Lookup): string {
  return template.replace(TOKEN, (whole, _inner: string, ib?: string, ip?: string, braced?: string, plain?: string) => {
    const name = ib ?? ip ?? braced ?? plain ?? '';
    const [root, ...path] = name.split('.');
    if (!ROOTS.has(root!)) return whole;
    const value = lookup(root!, path) ?? '';
    return ib !== undefined || ip !== undefined ? escapeJavaScript(value) : value;
  });
}

function escapeJavaScript(s: string): string {
  return JSON.stringify(s).slice(1, -1).replace(/'/g, "\\'");
}
