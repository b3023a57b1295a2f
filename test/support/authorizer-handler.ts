/**
 * The real authorizer handler, loaded fresh with a test table, and what it
 * writes to stdout (Powertools log lines and EMF metric documents).
 */
import { referenceEnv } from './config';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';

export type AuthorizerHandler = (e: APIGatewayRequestAuthorizerEvent, c: Context) => Promise<APIGatewayAuthorizerResult>;

/** Loads `lambda/authorizer/handler.ts` with these settings; its module-level config reads them. */
export function loadAuthorizerHandler(env: { TABLE_NAME: string; KEYGATE_ALLOWED_ORIGINS: string }): AuthorizerHandler {
  Object.assign(process.env, referenceEnv(env.TABLE_NAME, env));
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
