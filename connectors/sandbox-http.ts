import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** What a REST sandbox answers: a status, a JSON body (none when undefined) and extra headers. */
export interface SandboxAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface SandboxServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

/** Where the control API of every REST sandbox lives, beside the supplier's API. */
const CONTROL_ROOT = '/__sandbox';
const MAX_BODY_BYTES = 1_000_000;

/**
 * A REST sandbox's server on loopback: requests under `apiRoot` go to `answerApi`, those under `/__sandbox` to
 * `answerControl`; anything else is answered `notFound`, and a handler that fails `internalError`. Answers the
 * API's and the control API's roots, and `close`, which also ends open connections.
 */
export async function serveSandbox(
  options: SandboxServerOptions,
  routes: { apiRoot: string; answerApi: Handler; answerControl: Handler; notFound: SandboxAnswer; internalError: SandboxAnswer },
): Promise<{ url: string; controlUrl: string; close(): Promise<void> }> {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const handler = url.pathname.startsWith(`${CONTROL_ROOT}/`) ? routes.answerControl : url.pathname.startsWith(`${routes.apiRoot}/`) ? routes.answerApi : undefined;
    const handled = handler ? handler(req, res, url) : Promise.resolve(writeAnswer(res, routes.notFound));
    handled.catch(() => writeAnswer(res, routes.internalError));
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}${routes.apiRoot}`,
    controlUrl: `${origin}${CONTROL_ROOT}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A control route as `METHOD /path` below `/__sandbox`, e.g. `POST /faults`. */
export function controlRoute(req: http.IncomingMessage, url: URL): string {
  return `${req.method} ${url.pathname.slice(CONTROL_ROOT.length)}`;
}

/** The request's body; one larger than a megabyte ends the request. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes the answer as JSON, unless the response has ended (a fault dropped it, or the client went away). */
export function writeAnswer(res: http.ServerResponse, answer: SandboxAnswer): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(payload !== '' && { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}
