/**
 * Test-only: a tiny HTTP(S) server that answers like pveproxy (envelope, reason phrase =
 * first line of the error, `message`/`errors`) from a scripted handler, Used by this folder's tests; not part of the client.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Client port of the connection: distinct values = distinct pooled connections. */
  socketPort: number;
}

export type FakeAnswer =
  | { data: unknown; total?: number }
  | { status: number; message?: string; errors?: Record<string, string>; emptyBody?: boolean }
  | { destroy: true };

export interface FakePve {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakePve(
  handler: (req: FakeRequest, index: number) => FakeAnswer | Promise<FakeAnswer>,
  tls?: { key: string; cert: string },
): Promise<FakePve> {
  const requests: FakeRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname.replace(/^\/api2\/json/, '')),
        query: url.searchParams,
        body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        headers: req.headers,
        socketPort: req.socket.remotePort ?? 0,
      };
      const index = requests.push(fake) - 1;
      void Promise.resolve(handler(fake, index)).then((answer) => {
        if ('destroy' in answer) return void req.socket.destroy();
        if ('data' in answer) {
          res.writeHead(200, 'OK', { 'content-type': 'application/json;charset=UTF-8' });
          return void res.end(JSON.stringify(answer));
        }
        const text = answer.message ?? 'error';
        res.writeHead(answer.status, text.split('\n')[0], {
          'content-type': 'application/json;charset=UTF-8',
          connection: 'close',
        });
        if (answer.emptyBody) return void res.end();
        res.end(
          JSON.stringify({ data: null, message: `${text}\n`, ...(answer.errors ? { errors: answer.errors } : {}) }),
        );
      });
    });
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
