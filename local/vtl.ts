/**
 * API Gateway's template language, as far as the runner runs it.
 *
 * - `renderTemplate`: gateway response templates, which API Gateway fills by
 *   plain substitution: `$context.…` / `$stageVariables.…` references (also
 *   `$!…`, `${…}`) and `$util.escapeJavaScript(…)` of one. A missing value
 *   renders as an empty string, and values are inserted unescaped, as API
 *   Gateway does.
 * - `runTemplate`: integration response templates (MOCK integrations, such
 *   as CDK's CORS preflight), which are Velocity (VTL). A small subset runs:
 *   `#set`, `#if` / `#elseif` / `#else` / `#end`, `##` comments, string and
 *   boolean literals, `==`, `!=`, `&&`, `||`, `!`, parentheses, variables,
 *   `$context.…`, `$stageVariables.…`, `$input.params().header|querystring|path.get("…")`,
 *   `$input.params("…")` and `$util.escapeJavaScript(…)`. Setting
 *   `$context.responseOverride.status` or `…responseOverride.header.<name>`
 *   overrides the response, as in API Gateway. Anything else is a
 *   `VtlError`, which the model turns into a refusal to start that names
 *   the resource, rather than a template quietly run wrong.
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

/**
 * `$util.escapeJavaScript`, as API Gateway runs it ("Escapes the characters in
 * a string using JavaScript string rules"; Apache Commons Lang's
 * `escapeJavaScript`): `"`, `'`, `\` and `/` get a backslash, \b \t \n \f \r
 * theirs, other control characters and everything above U+007E `\uXXXX`
 * (upper-case hex). `\'` is not valid JSON: a value that may hold a `'`
 * does not belong in a JSON string through this alone.
 */
export function escapeJavaScript(s: string): string {
  const named: Record<string, string> = { '"': '\\"', "'": "\\'", '\\': '\\\\', '/': '\\/', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  // eslint-disable-next-line no-control-regex -- control characters are what it escapes
  return s.replace(/["'\\/\u0000-\u001f\u007f-\uffff]/g, (c) => named[c] ?? (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`));
}

// ---------------------------------------------------------------- VTL subset

export class VtlError extends Error {
  constructor(message: string, at: number) {
    super(`${message} (at character ${at})`);
    this.name = 'VtlError';
  }
}

/** One link of a reference: `.name` or `.name(args)` (the first is the variable itself). */
type Step = { readonly name: string; readonly args?: readonly Expr[] };
type Ref = { readonly kind: 'ref'; readonly steps: readonly Step[]; readonly quiet: boolean; readonly at: number };
type Expr =
  | Ref
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'not'; readonly of: Expr }
  | { readonly kind: 'op'; readonly op: '==' | '!=' | '&&' | '||'; readonly left: Expr; readonly right: Expr };
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'out'; readonly ref: Ref }
  | { readonly kind: 'set'; readonly target: Ref; readonly value: Expr }
  | { readonly kind: 'if'; readonly branches: readonly { readonly cond: Expr; readonly body: readonly Node[] }[]; readonly otherwise: readonly Node[] };

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node[] {
    const nodes = this.block();
    if (this.i < this.s.length) throw new VtlError(`unexpected ${this.s.slice(this.i, this.i + 8)}`, this.i);
    return nodes;
  }

  /** Nodes up to `#elseif`, `#else`, `#end` or the end. */
  private block(): Node[] {
    const nodes: Node[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ kind: 'text', text });
      text = '';
    };
    while (this.i < this.s.length) {
      const rest = this.s.slice(this.i);
      if (rest.startsWith('##')) {
        const nl = this.s.indexOf('\n', this.i);
        this.i = nl < 0 ? this.s.length : nl + 1;
      } else if (/^#(elseif|else|end)\b/.test(rest)) {
        break;
      } else if (/^#set\s*\(/.test(rest)) {
        flush();
        this.i = this.s.indexOf('(', this.i) + 1;
        const target = this.ref();
        this.expect('=');
        const value = this.expr();
        this.expect(')');
        nodes.push({ kind: 'set', target, value });
      } else if (/^#if\s*\(/.test(rest)) {
        flush();
        nodes.push(this.ifNode());
      } else if (rest.startsWith('#') && /^#[A-Za-z{*[]/.test(rest)) {
        throw new VtlError(`the directive ${/^#\{?[A-Za-z]*/.exec(rest)![0]} is not run by the local runner`, this.i);
      } else if (/^\$!?\{?[A-Za-z]/.test(rest)) {
        flush();
        nodes.push({ kind: 'out', ref: this.ref() });
      } else {
        text += this.s[this.i++];
      }
    }
    flush();
    return nodes;
  }

  private ifNode(): Node {
    const branches: { cond: Expr; body: Node[] }[] = [];
    let otherwise: Node[] = [];
    this.i = this.s.indexOf('(', this.i) + 1;
    let cond = this.expr();
    this.expect(')');
    for (;;) {
      branches.push({ cond, body: this.block() });
      const rest = this.s.slice(this.i);
      if (/^#elseif\s*\(/.test(rest)) {
        this.i = this.s.indexOf('(', this.i) + 1;
        cond = this.expr();
        this.expect(')');
        continue;
      }
      if (/^#else\b/.test(rest)) {
        this.i += '#else'.length;
        otherwise = this.block();
      }
      if (!/^#end\b/.test(this.s.slice(this.i))) throw new VtlError('#if without #end', this.i);
      this.i += '#end'.length;
      return { kind: 'if', branches, otherwise };
    }
  }

  private skip(): void {
    while (/\s/.test(this.s[this.i] ?? '')) this.i++;
  }

  private expect(token: string): void {
    this.skip();
    if (!this.s.startsWith(token, this.i)) throw new VtlError(`expected '${token}'`, this.i);
    this.i += token.length;
  }

  private expr(): Expr {
    return this.chain('||', () => this.chain('&&', () => this.unary()));
  }

  /** `operand (op operand)*`, left to right. */
  private chain(op: '||' | '&&', operand: () => Expr): Expr {
    let left = operand();
    for (this.skip(); this.s.startsWith(op, this.i); this.skip()) {
      this.i += 2;
      left = { kind: 'op', op, left, right: operand() };
    }
    return left;
  }

  private unary(): Expr {
    this.skip();
    if (this.s[this.i] === '!' && this.s[this.i + 1] !== '=') {
      this.i++;
      return { kind: 'not', of: this.unary() };
    }
    const left = this.primary();
    this.skip();
    const op = this.s.startsWith('==', this.i) ? '==' : this.s.startsWith('!=', this.i) ? '!=' : undefined;
    if (!op) return left;
    this.i += 2;
    return { kind: 'op', op, left, right: this.primary() };
  }

  private primary(): Expr {
    this.skip();
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      const end = this.s.indexOf(c, this.i + 1);
      if (end < 0) throw new VtlError('unterminated string', this.i);
      const value = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return { kind: 'str', value };
    }
    if (c === '(') {
      this.i++;
      const inner = this.expr();
      this.expect(')');
      return inner;
    }
    const bool = /^(true|false)\b/.exec(this.s.slice(this.i));
    if (bool) {
      this.i += bool[0].length;
      return { kind: 'bool', value: bool[1] === 'true' };
    }
    if (c === '$') return this.ref();
    throw new VtlError(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 8))} in an expression`, this.i);
  }

  /** `$name(.name|.name(args))*`, also `$!…` and `${…}`. */
  private ref(): Ref {
    this.skip();
    const at = this.i;
    if (this.s[this.i] !== '$') throw new VtlError('expected a $reference', this.i);
    this.i++;
    const quiet = this.s[this.i] === '!';
    if (quiet) this.i++;
    const braced = this.s[this.i] === '{';
    if (braced) this.i++;
    const steps: Step[] = [];
    for (;;) {
      const name = /^[A-Za-z][\w-]*/.exec(this.s.slice(this.i));
      if (!name) throw new VtlError('expected a name', this.i);
      this.i += name[0].length;
      if (this.s[this.i] === '(') {
        this.i++;
        const args: Expr[] = [];
        this.skip();
        while (this.s[this.i] !== ')') {
          args.push(this.expr());
          this.skip();
          if (this.s[this.i] === ',') this.i++;
          else if (this.s[this.i] !== ')') throw new VtlError("expected ',' or ')'", this.i);
        }
        this.i++;
        steps.push({ name: name[0], args });
      } else {
        steps.push({ name: name[0] });
      }
      // A dot continues the reference only when a name follows (text such as "$origin." stays text).
      if (this.s[this.i] === '.' && /[A-Za-z]/.test(this.s[this.i + 1] ?? '')) this.i++;
      else break;
    }
    if (braced) {
      if (this.s[this.i] !== '}') throw new VtlError("expected '}'", this.i);
      this.i++;
    }
    return { kind: 'ref', steps, quiet, at };
  }
}

const parsed = new Map<string, readonly Node[]>();

/** Parses once per template text; throws `VtlError` for what the runner does not run. */
export function parseTemplate(template: string): readonly Node[] {
  let nodes = parsed.get(template);
  if (!nodes) {
    nodes = new Parser(template).parse();
    parsed.set(template, nodes);
  }
  return nodes;
}

export interface TemplateInput {
  /** `$context.…` and `$stageVariables.…` */
  readonly lookup: Lookup;
  /** `$input.params()`: request parameters by where they come from, names as received */
  readonly params: { readonly header: Readonly<Record<string, string>>; readonly querystring: Readonly<Record<string, string>>; readonly path: Readonly<Record<string, string>> };
}

export interface TemplateResult {
  readonly output: string;
  /** `$context.responseOverride.status` */
  readonly status?: number;
  /** `$context.responseOverride.header.<name>` */
  readonly headers: Readonly<Record<string, string>>;
}

/** `$input` */
class InputRoot {
  constructor(readonly params: TemplateInput['params']) {}
}

type Value = string | boolean | undefined | InputRoot | TemplateInput['params'] | Readonly<Record<string, string>>;

export function runTemplate(template: string, input: TemplateInput): TemplateResult {
  const vars = new Map<string, Value>();
  const headers: Record<string, string> = {};
  let status: number | undefined;

  const call = (value: Value, step: Step, at: number): Value => {
    const args = (step.args ?? []).map((a) => str(evaluate(a)));
    if (value instanceof InputRoot && step.name === 'params') {
      const p = value.params;
      if (args.length === 0) return p;
      // `$input.params('x')`: path, then query string, then header, as API Gateway looks it up.
      return own(p.path, args[0]!) ?? own(p.querystring, args[0]!) ?? own(p.header, args[0]!) ?? '';
    }
    if (value && typeof value === 'object' && !(value instanceof InputRoot) && step.name === 'get' && args.length === 1) {
      return own(value as Readonly<Record<string, string>>, args[0]!) ?? '';
    }
    throw new VtlError(`the method ${step.name}() is not run by the local runner`, at);
  };

  const resolveRef = (ref: Ref): Value => {
    const [first, ...rest] = ref.steps;
    if (first!.name === 'util' && rest.length === 1 && rest[0]!.name === 'escapeJavaScript' && rest[0]!.args?.length === 1) {
      return escapeJavaScript(str(evaluate(rest[0]!.args[0]!)));
    }
    if (first!.name === 'input') {
      let value: Value = new InputRoot(input.params);
      for (const step of rest) {
        if (step.args) value = call(value, step, ref.at);
        else if (value && typeof value === 'object' && !(value instanceof InputRoot)) value = own(value as Readonly<Record<string, Value>>, step.name);
        else throw new VtlError(`$input.${step.name} is not run by the local runner`, ref.at);
      }
      return value;
    }
    if (rest.some((s) => s.args)) throw new VtlError(`method calls on $${first!.name} are not run by the local runner`, ref.at);
    if (ROOTS.has(first!.name)) return input.lookup(first!.name, rest.map((s) => s.name));
    if (first!.args) throw new VtlError(`$${first!.name}(…) is not run by the local runner`, ref.at);
    if (rest.length > 0) throw new VtlError(`$${first!.name}.${rest[0]!.name}: properties of variables are not run by the local runner`, ref.at);
    return vars.get(first!.name);
  };

  const str = (v: Value): string => (v === undefined ? '' : typeof v === 'object' ? '' : String(v));

  const evaluate = (e: Expr): Value => {
    switch (e.kind) {
      case 'str':
      case 'bool':
        return e.value;
      case 'ref':
        return resolveRef(e);
      case 'not':
        return !truthy(evaluate(e.of));
      case 'op':
        if (e.op === '&&') return truthy(evaluate(e.left)) && truthy(evaluate(e.right));
        if (e.op === '||') return truthy(evaluate(e.left)) || truthy(evaluate(e.right));
        return (str(evaluate(e.left)) === str(evaluate(e.right))) === (e.op === '==');
    }
  };

  const assign = (target: Ref, value: Value) => {
    const names = target.steps.map((s) => {
      if (s.args) throw new VtlError('cannot #set a method call', target.at);
      return s.name;
    });
    if (names.length === 1) {
      vars.set(names[0]!, value);
      return;
    }
    const [root, override, what, ...name] = names;
    if (root === 'context' && override === 'responseOverride' && what === 'status' && name.length === 0) {
      const n = Number(str(value));
      if (!Number.isInteger(n)) throw new VtlError(`responseOverride.status set to '${str(value)}'`, target.at);
      status = n;
      return;
    }
    if (root === 'context' && override === 'responseOverride' && what === 'header' && name.length === 1) {
      headers[name[0]!] = str(value);
      return;
    }
    throw new VtlError(`#set($${names.join('.')}) is not run by the local runner`, target.at);
  };

  const run = (nodes: readonly Node[]): string => {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'out') out += str(resolveRef(n.ref));
      else if (n.kind === 'set') assign(n.target, evaluate(n.value));
      else {
        const branch = n.branches.find((b) => truthy(evaluate(b.cond)));
        out += run(branch ? branch.body : n.otherwise);
      }
    }
    return out;
  };

  const output = run(parseTemplate(template));
  return { output, headers, ...(status !== undefined ? { status } : {}) };
}

/** A map's own entry (never one of Object.prototype's). */
function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Velocity's truth: false and null are false, everything else (an empty string too) is true. */
function truthy(v: Value): boolean {
  return v !== undefined && v !== false;
}
