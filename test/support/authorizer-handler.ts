/**
 * The real authorizer handler, loaded fresh with a test table, and what it
 * writes to stdout (one decision line per invocation, carrying its EMF metrics).
 */
import { referenceEnv } from '../../fixtures/reference-env';
import { LOUD_LOGS } from './quiet-logs';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';

export type AuthorizerHandler = (e: APIGatewayRequestAuthorizerEvent, c: Context) => Promise<APIGatewayAuthorizerResult>;

/** Loads `lambda/authorizer/handler.ts` with these settings, its metrics on; its module-level config reads them. */
export function loadAuthorizerHandler(env: { TABLE_NAME: string; KEYGATE_ALLOWED_ORIGINS: string } & Record<string, string>): AuthorizerHandler {
  Object.assign(process.env, referenceEnv(env.TABLE_NAME, env), LOUD_LOGS);
  let handler: AuthorizerHandler | undefined;
  jest.isolateModules(() => {
    handler = require('../../lambda/authorizer/handler').handler;
  });
  return handler!;
}

/** Collects stdout during each test of the calling `describe`; read it with `lines()`. */
export function captureStdout(): { lines: () => string[] } {
  let out: string[] = [];
  let spy: jest.SpyInstance | undefined;
  beforeEach(() => {
    out = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => spy?.mockRestore());
  return { lines: () => out };
}
