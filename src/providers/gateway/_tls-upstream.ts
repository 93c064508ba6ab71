/**
 * Test-only: a TLS server standing in for Traefik, run with the real node binary inside a
 * namespace: it presents the given certificate, records the SNI it was asked for, and forwards
 * to a plain HTTP backend (same process) that answers with what it received as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLan } from './_netns.ts';
import type { IssuedCert } from './_test-ca.ts';

const SCRIPT = `
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
const [dir, tlsPort, backendPort, name] = process.argv.slice(2);
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    upstream: name, sni: req.headers['x-sni'], url: req.url, host: req.headers.host,
    proto: req.headers['x-forwarded-proto'], forwardedFor: req.headers['x-forwarded-for'],
  }));
}).listen(Number(backendPort), '127.0.0.1');
https.createServer({ cert: readFileSync(dir + '/cert.pem'), key: readFileSync(dir + '/key.pem') }, (req, res) => {
  const headers = { ...req.headers, 'x-sni': req.socket.servername || '' };
  const up = http.request({ host: '127.0.0.1', port: Number(backendPort), path: req.url, method: req.method, headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(up);
}).listen(Number(tlsPort), '0.0.0.0', () => console.log('listening'));
`;

export async function startTlsUpstream(
  lan: NetnsLan,
  host: string,
  dir: string,
  cert: IssuedCert,
  tlsPort: number,
  backendPort: number,
  name: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cert.pem'), cert.fullchain);
  writeFileSync(join(dir, 'key.pem'), cert.key);
  writeFileSync(join(dir, 'server.mjs'), SCRIPT);
  const child = lan.spawnIn(host, [
    process.execPath,
    join(dir, 'server.mjs'),
    dir,
    String(tlsPort),
    String(backendPort),
    name,
  ]);
  for (let i = 0; i < 100; i += 1) {
    if (child.log().includes('listening')) return;
    if (child.exitCode !== null) throw new Error(`TLS upstream exited: ${child.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`TLS upstream did not start: ${child.log()}`);
}
