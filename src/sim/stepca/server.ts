/**
 * The simulated step-ca on the wire: HTTPS (TLS certificate for its dnsNames, issued by its
 * own intermediate, like step-ca's), client certificates requested but optional (renew and
 * revoke over mTLS), step-ca's JSON error shape `{status, message}` with its generic
 * messages; the reason of a refusal goes to the log, as with the real CA.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { generateKeyPairSync, X509Certificate as NodeX509 } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CaRefused, SimAuthority } from './authority.ts';
import type { SimCaConfig } from './config.ts';
import { TokenRefused, verifyToken, type TokenContext } from './token.ts';

const MESSAGES: Record<number, string> = {
  400: 'The request could not be completed; malformed or missing data. Please see the certificate authority logs for more info.',
  401: 'The request lacked necessary authorization to be completed. Please see the certificate authority logs for more info.',
  403: 'The request was forbidden by the certificate authority. Please see the certificate authority logs for more info.',
  404: 'The requested resource could not be found. Please see the certificate authority logs for more info.',
  500: 'The certificate authority encountered an Internal Server Error. Please see the certificate authority logs for more info.',
};

export interface SimStepCaState {
  /** Counted per route, for benchmarks and "no sign request" assertions. */
  requests: Map<string, number>;
  log: string[];
}

interface Reply {
  status: number;
  body: unknown;
  type?: string;
}

class HttpRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly publicMessage?: string,
  ) {
    super(message);
  }
}

export async function createStepCaServer(
  config: SimCaConfig,
  state: SimStepCaState,
  now: () => Date = () => new Date(),
): Promise<{ server: Server; authority: SimAuthority }> {
  const authority = new SimAuthority(config);
  const tokens: TokenContext = {
    provisioners: config.provisioners,
    dnsNames: config.dnsNames,
    startedAt: now().getTime(),
    now,
    usedJtis: new Set(),
    disableIssuedAtCheck: config.raw.authority.disableIssuedAtCheck ?? false,
  };
  const tls = await serverCertificate(authority, config);
  const server = createServer({
    cert: tls.certPem + config.intermediatePem,
    key: tls.keyPem,
    ca: config.roots,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  // Like Go's VerifyClientCertIfGiven: a client certificate that does not chain to the root ends the connection.
  server.on('secureConnection', (socket: TLSSocket) => {
    const peer = socket.getPeerCertificate();
    if (peer && Object.keys(peer).length > 0 && !socket.authorized) socket.destroy();
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req).then(
      (reply) => send(res, reply),
      (error: unknown) => {
        const status =
          error instanceof HttpRefused || error instanceof TokenRefused || error instanceof CaRefused
            ? error.status
            : 500;
        state.log.push(`${req.method} ${req.url}: ${status} ${(error as Error).message}`);
        const message =
          error instanceof HttpRefused && error.publicMessage
            ? error.publicMessage
            : (MESSAGES[status] ?? MESSAGES[500]);
        send(res, { status, body: { status, message } });
      },
    );
  });

  async function handle(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = url.pathname;
    const route = routeName(req.method ?? 'GET', path);
    state.requests.set(route, (state.requests.get(route) ?? 0) + 1);
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (req.method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok' } };
    if (req.method === 'GET' && path === '/roots.pem')
      return { status: 200, body: config.roots.join(''), type: 'application/x-pem-file' };
    if (req.method === 'GET' && (path === '/roots' || path === '/1.0/roots'))
      return { status: 201, body: { crts: config.roots } };
    if (req.method === 'GET' && path === '/provisioners')
      return { status: 200, body: { provisioners: config.provisioners, nextCursor: '' } };
    if (req.method === 'POST' && (path === '/1.0/sign' || path === '/sign')) return sign(body);
    if (req.method === 'POST' && (path === '/1.0/renew' || path === '/renew')) return renew(req.socket as TLSSocket);
    if (req.method === 'POST' && (path === '/1.0/revoke' || path === '/revoke'))
      return revoke(body, req.socket as TLSSocket);
    const acme = /^\/(?:2\.0\/)?acme\/([^/]+)\/directory$/.exec(path);
    if (req.method === 'GET' && acme) return directory(decodeURIComponent(acme[1] as string), req);
    return { status: 404, body: '404 page not found\n', type: 'text/plain; charset=utf-8' };
  }

  async function sign(text: string): Promise<Reply> {
    const request = parseJson(text) as { csr?: unknown; ott?: unknown; notAfter?: unknown; notBefore?: unknown };
    if (typeof request.csr !== 'string' || request.csr === '') throw badRequest('missing csr');
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(request.csr);
    } catch {
      throw badRequest('error decoding json');
    }
    if (typeof request.ott !== 'string' || request.ott === '') throw badRequest('missing ott');
    if (!(await csr.verify())) throw badRequest('invalid csr');
    const { provisioner, claims } = await verifyToken(request.ott, 'sign', tokens);
    const commonName = csr.subjectName.getField('CN')[0];
    const csrSans = sansOf(sanExtension(csr.extensions));
    const tokenSans =
      Array.isArray(claims.sans) && claims.sans.length > 0 ? (claims.sans as string[]) : [claims.sub as string];
    if (commonName !== undefined && commonName !== claims.sub)
      throw new CaRefused(
        403,
        `certificate request does not contain the valid common name; requested common name = ${commonName}, token subject = ${claims.sub}`,
      );
    if (!sameSet(csrSans, tokenSans))
      throw new CaRefused(
        403,
        `certificate request does not contain the valid SANs (${csrSans.join(', ')} vs ${tokenSans.join(', ')})`,
      );
    const validity = authority.validity(
      config.claimsFor(provisioner),
      {
        ...(typeof request.notBefore === 'string' && request.notBefore ? { notBefore: request.notBefore } : {}),
        ...(typeof request.notAfter === 'string' && request.notAfter ? { notAfter: request.notAfter } : {}),
      },
      now(),
    );
    const { crt } = await authority.issue({
      ...(commonName ? { commonName } : {}),
      sans: csrSans,
      publicKey: csr.publicKey,
      ...validity,
    });
    return { status: 201, body: signResponse(crt) };
  }

  async function renew(socket: TLSSocket): Promise<Reply> {
    const peer = peerPem(socket);
    if (!peer) throw badRequest('missing client certificate');
    const current = new x509.X509Certificate(peer);
    const serial = BigInt(`0x${current.serialNumber}`).toString(10);
    if (!authority.issuedHere(peer)) throw new CaRefused(401, 'certificate was not issued by this CA');
    if (authority.revoked.has(serial)) throw new CaRefused(401, 'certificate has been revoked');
    if (current.notAfter.getTime() < now().getTime()) throw new CaRefused(401, 'certificate expired');
    const lifetime = current.notAfter.getTime() - current.notBefore.getTime();
    const notBefore = new Date(now().getTime() - config.backdateMs);
    const commonName = current.subjectName.getField('CN')[0];
    const { crt } = await authority.issue({
      ...(commonName ? { commonName } : {}),
      sans: sansOf(sanExtension(current.extensions)),
      publicKey: current.publicKey,
      notBefore,
      notAfter: new Date(notBefore.getTime() + lifetime),
    });
    return { status: 201, body: signResponse(crt) };
  }

  async function revoke(text: string, socket: TLSSocket): Promise<Reply> {
    const request = parseJson(text) as { serial?: unknown; ott?: unknown; reasonCode?: unknown; passive?: unknown };
    if (typeof request.serial !== 'string' || request.serial === '') throw badRequest('missing serial');
    const reasonCode = typeof request.reasonCode === 'number' ? request.reasonCode : 0;
    if (reasonCode < 0 || reasonCode > 10 || reasonCode === 7) throw badRequest('reasonCode out of bounds');
    if (request.passive === false)
      throw new HttpRefused(501, 'non-passive revocation not implemented', 'non-passive revocation not implemented');
    if (typeof request.ott === 'string' && request.ott !== '') {
      // 0.19 checks the token (audience, signature, expiry, jti) but not that `sub` is the serial.
      await verifyToken(request.ott, 'revoke', tokens);
    } else {
      const peer = peerPem(socket);
      if (!peer) throw badRequest('missing ott or client certificate');
      const serial = BigInt(`0x${new x509.X509Certificate(peer).serialNumber}`).toString(10);
      if (serial !== request.serial)
        throw new CaRefused(401, 'serial number in client certificate different than body');
    }
    authority.revoke(request.serial, reasonCode);
    return { status: 200, body: { status: 'ok' } };
  }

  function directory(name: string, req: IncomingMessage): Reply {
    const acme = config.provisioners.find((p) => p.type.toUpperCase() === 'ACME' && p.name === name);
    if (!acme) throw new HttpRefused(400, `provisioner ${name} not found`, `provisioner ${name} not found`);
    const base = `https://${req.headers.host ?? `${config.dnsNames[0]}:${config.port}`}/acme/${encodeURIComponent(name)}`;
    return {
      status: 200,
      body: {
        newNonce: `${base}/new-nonce`,
        newAccount: `${base}/new-account`,
        newOrder: `${base}/new-order`,
        revokeCert: `${base}/revoke-cert`,
        keyChange: `${base}/key-change`,
        meta: {},
      },
    };
  }

  function signResponse(crt: string): Record<string, unknown> {
    return { crt, ca: config.intermediatePem, certChain: [crt, config.intermediatePem] };
  }

  return { server, authority };
}

function badRequest(message: string): HttpRefused {
  return new HttpRefused(400, message, `The request could not be completed: ${message}.`);
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('error decoding json');
}

function sansOf(extension: x509.SubjectAlternativeNameExtension | null): string[] {
  if (!extension) return [];
  return extension.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value);
}

function sameSet(a: string[], b: string[]): boolean {
  const left = [...new Set(a.map((s) => s.toLowerCase()))].sort();
  const right = [...new Set(b.map((s) => s.toLowerCase()))].sort();
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

function peerPem(socket: TLSSocket): string | undefined {
  const peer = socket.getPeerCertificate?.();
  if (!peer || !peer.raw) return undefined;
  return new NodeX509(peer.raw).toString();
}

function routeName(method: string, path: string): string {
  if (/^\/(?:2\.0\/)?acme\//.test(path)) return `${method} /acme`;
  return `${method} ${path.replace(/^\/1\.0\//, '/')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) {
        reject(badRequest('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.type ?? 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The CA's own TLS certificate: its dnsNames, issued by its intermediate (as step-ca does at start). */
async function serverCertificate(
  authority: SimAuthority,
  config: SimCaConfig,
): Promise<{ certPem: string; keyPem: string }> {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'verify',
  ]);
  const now = Date.now();
  const { crt } = await authority.issue({
    commonName: 'Step Online CA',
    sans: config.dnsNames,
    publicKey: publicKey as never,
    notBefore: new Date(now - config.backdateMs),
    notAfter: new Date(now + 24 * 3_600_000),
  });
  return { certPem: crt, keyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function sanExtension(extensions: x509.Extension[]): x509.SubjectAlternativeNameExtension | null {
  return (
    (extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension) as
      x509.SubjectAlternativeNameExtension | undefined) ?? null
  );
}
