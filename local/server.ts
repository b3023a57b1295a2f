/**
 * The runner's HTTP server on 127.0.0.1: it listens first (so a busy port
 * fails fast), answers 503 until the API is ready, then serves the local
 * console's old address /_keygate/ (a redirect) and the app's OpenAPI document at exactly
 * /openapi.json, and hands every other request to the gateway emulation. One log line per request, without the query string.
 */
import { createServer } from 'node:http';
import { RunnerError } from './errors';
import type { Gateway } from './gateway';
import { HOST } from './options';
import { staticRoute, type ServedFile } from './static-files';

/** What the server answers with once the API is ready. */
export interface Handler {
  current?: Gateway;
  /** the runner's own answers: /_keygate/ → the console, the served app's OpenAPI document at /openapi.json */
  files: ServedFile[];
}

/** Resolves once listening, with what closes the server and its connections. */
export async function listen(port: number, handler: Handler): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const gateway = handler.current;
      if (!gateway) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"message":"keygate is starting"}');
        return;
      }
      const served = staticRoute(handler.files, req.method ?? 'GET', req.url ?? '/');
      if (served) {
        const status = served.file.status ?? 200;
        res.writeHead(status, served.file.headers.flat()).end(served.file.body);
        console.log(`${req.method} ${served.path} → ${status} (${served.label})`);
        return;
      }
      const started = Date.now();
      gateway
        .handle({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks),
          sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        })
        .then(
          (out) => {
            res.writeHead(out.statusCode, out.headers.flat()).end(out.body);
            // The path only: a query string could carry something secret.
            const path = (req.url ?? '/').split('?')[0];
            console.log(`${req.method} ${path} → ${out.statusCode}${out.responseType ? ` ${out.responseType}` : ''} (${Date.now() - started} ms)`);
          },
          (err: Error) => {
            console.error(`keygate: internal error: ${err.stack}`);
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal server error"}');
          },
        );
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new RunnerError(`port ${port} on ${HOST} is in use (another \`npm start\`?)`, `stop what uses it, or pick another port: PORT=${port + 1} npm start`)
          : err,
      ),
    );
    server.listen(port, HOST, () => resolveListen());
  });
  return () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
}
