/**
 * The hosted authorization pages: a login form and a consent page,
 * server-rendered HTML with no script.
 *
 * Headers: a strict Content-Security-Policy (nothing may load; the one
 * inline style is allowed by its hash; forms may post only here, and the
 * consent form's redirect may go only to the client's redirect URI, since
 * browsers apply `form-action` to the redirect after a POST), no framing
 * (clickjacking on an Approve button), `no-store` (the page carries the
 * request's state), and a referrer for this origin only: `no-referrer`
 * would make browsers send `Origin: null` on the form's POST, which the
 * CSRF rule then refuses.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { PermissionDef } from '../../core/catalog';
import type { AuthorizationParams } from '../../core/authorization-request';

const STYLE = [
  'body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:2rem 1rem}',
  'main{max-width:28rem;margin:0 auto;background:#fff;border:1px solid #d8dbe2;border-radius:8px;padding:1.5rem 1.75rem}',
  'h1{font-size:1.25rem;margin:0 0 1rem}',
  'p{line-height:1.45}',
  'label{display:block;margin:.75rem 0 .25rem;font-weight:600}',
  'input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #b9bfcc;border-radius:4px;font-size:1rem}',
  'ul{padding-left:1.2rem}li{margin:.35rem 0}code{background:#eef0f4;padding:0 .25rem;border-radius:3px}',
  '.actions{display:flex;gap:.75rem;margin-top:1.25rem}',
  'button{font-size:1rem;padding:.55rem 1.2rem;border-radius:4px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}',
  'button.secondary{background:#fff;color:#1d2330;border-color:#b9bfcc}',
  '.error{background:#fdecec;border:1px solid #f2b8b8;color:#8a1c1c;padding:.6rem .8rem;border-radius:4px}',
  '.muted{color:#5b6475;font-size:.9rem}',
  '.switch{margin-top:1.5rem;padding-top:1rem;border-top:1px solid #d8dbe2}',
  '.switch p{margin:0 0 .5rem}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** The OAuth parameters a form carries from the page to its POST. */
export const CARRIED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "in 900 seconds" → "in 15 minutes" (a lockout's wait, for a person). */
function readableWait(seconds: number): string {
  if (seconds < 90) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

/**
 * An error as a sentence in sentence case for the page: a capital first
 * letter ("The client_id …" where it starts with a parameter's name, which
 * keeps its spelling), a full stop, and waits in minutes. The JSON answers
 * keep the API's own wording.
 */
export function pageSentence(message: string): string {
  let text = message.trim().replace(/in (\d+) seconds/g, (_, n: string) => `in ${readableWait(Number(n))}`);
  if (/^[a-z]+_[a-z_]+\b/.test(text)) text = `The ${text}`;
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** `form-action` sources: this origin, plus the origin a consent form's answer redirects to. */
export function contentSecurityPolicy(redirectOrigin?: string): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    `form-action 'self'${redirectOrigin ? ` ${redirectOrigin}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function htmlPage(statusCode: number, title: string, content: string, options: { redirectOrigin?: string; headers?: Record<string, string> } = {}): APIGatewayProxyResult {
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': contentSecurityPolicy(options.redirectOrigin),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      ...options.headers,
    },
    body,
  };
}

function hiddenFields(params: AuthorizationParams): string {
  return CARRIED.filter((name) => params.values[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.values[name]!)}">`)
    .join('\n');
}

export interface LoginPage {
  readonly clientName: string;
  readonly params: AuthorizationParams;
  readonly email?: string;
  readonly error?: string;
}

/** Asks for e-mail and password; posts to the authorize endpoint, which logs in like `POST /auth/login`. */
export function loginPage(page: LoginPage, statusCode = 200, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return htmlPage(
    statusCode,
    'Sign in',
    `<h1>Sign in to continue to ${escapeHtml(page.clientName)}</h1>
${page.error ? `<p class="error" role="alert">${escapeHtml(pageSentence(page.error))}</p>` : ''}
<form method="post" action="authorize">
${hiddenFields(page.params)}
<input type="hidden" name="decision" value="login">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(page.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`,
    { headers },
  );
}

export interface ConsentPage {
  readonly clientName: string;
  readonly userEmail: string;
  readonly redirectUri: string;
  readonly permissions: readonly Pick<PermissionDef, 'name' | 'description'>[];
  readonly params: AuthorizationParams;
}

/**
 * Names the client and each permission in words; Approve or Deny. "Not you?"
 * signs out and comes back to the same request, which then asks to sign in.
 */
export function consentPage(page: ConsentPage): APIGatewayProxyResult {
  const redirect = new URL(page.redirectUri);
  const items = page.permissions.map((p) => `<li><code>${escapeHtml(p.name)}</code>: ${escapeHtml(p.description)}</li>`).join('\n');
  return htmlPage(
    200,
    `Authorize ${page.clientName}`,
    `<h1>${escapeHtml(page.clientName)} wants an API key for your account</h1>
<p>Signed in as <strong>${escapeHtml(page.userEmail)}</strong>.</p>
<p>The key will be able to make:</p>
<ul>
${items}
</ul>
<p class="muted">The key appears in your keys and authorized apps, where you can revoke it at any time. After you answer you go back to <code>${escapeHtml(redirect.origin + redirect.pathname)}</code>.</p>
<form method="post" action="authorize">
${hiddenFields(page.params)}
<div class="actions">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>
<form method="post" action="authorize" class="switch">
${hiddenFields(page.params)}
<p>Not you?</p>
<button type="submit" name="decision" value="switch" class="secondary">Sign out and use another account</button>
</form>`,
    { redirectOrigin: redirect.origin },
  );
}

/** A request that cannot go back to the client (unknown client, unregistered redirect URI): the user is told why, nothing is redirected. */
export function errorPage(statusCode: number, message: string): APIGatewayProxyResult {
  return htmlPage(
    statusCode,
    'Cannot authorize',
    `<h1>This authorization request cannot be completed</h1>
<p class="error" role="alert">${escapeHtml(pageSentence(message))}</p>
<p class="muted">Nothing was shared. Tell the application's author, or go back to the application and try again.</p>`,
  );
}
