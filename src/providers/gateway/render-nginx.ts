/**
 * Route table → nginx files. One file per host under the live include directory (a server on
 * the HTTP port that redirects and forwards ACME challenges, a TLS server with one location per
 * route), one file per pass-through port under `stream/`, and a shared file with the WebSocket
 * map. Every line remembers which route it came from, so an `nginx -t` error at file:line can be
 * reported against the route's declaration. Pure and deterministic.
 */
import { posix } from 'node:path';
import { layoutPaths, type NginxLayout } from './layout.ts';
import type { TableRoute } from './routes.ts';

export interface GatewaySettings {
  httpPort: number;
  httpsPort: number;
  redirectHttp: boolean;
  /** 0: no HSTS header. */
  hstsMaxAge: number;
  /** Traefik: its address, TLS entry point and plain HTTP entry point (ACME challenges). */
  upstream: { address: string; tlsPort: number; httpPort: number };
}

export interface RenderedFile {
  content: string;
  /** Per line (index = line - 1): the `origin` of the route the line belongs to, if any. */
  owners: (string | undefined)[];
}

export interface NginxRender {
  /** Files of one generation, by path relative to the live directory (`http/x.conf`, `stream/8443.conf`). */
  files: Record<string, RenderedFile>;
  /** Entry files (absolute path → content) that include the live directory. */
  entries: Record<string, string>;
  /** htpasswd files of the generation (path relative to the live directory → secret reference), resolved only when written. */
  secrets: Record<string, string>;
}

export const WEBSOCKET_MAP_VARIABLE = '$phoenix_connection_upgrade';

/** Modern TLS (TLS 1.2 with AEAD ECDHE suites, and TLS 1.3). */
const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

class Lines {
  readonly lines: string[] = [];
  readonly owners: (string | undefined)[] = [];
  add(text: string, owner?: string): void {
    this.lines.push(text);
    this.owners.push(owner);
  }
  file(): RenderedFile {
    return { content: `${this.lines.join('\n')}\n`, owners: this.owners };
  }
}

/** A double-quoted nginx string (the schema keeps `"`-free realms; values may use nginx variables). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `10.0.0.5/24` → `10.0.0.0/24` (nginx warns about host bits in an allow entry). */
export function networkOf(entry: string): string {
  const [address = '', prefixText] = entry.split('/');
  if (prefixText === undefined) return address;
  const prefix = Number(prefixText);
  const value = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (net >>> shift) & 255).join('.')}/${prefix}`;
}

export function hostFileName(host: string): string {
  return `http/${host.replace(/[^a-z0-9.-]/g, '-')}.conf`;
}

/** Relative to the live directory: the htpasswd file swaps with the config that uses it. */
export function secretFile(route: TableRoute): string {
  return `secrets/${route.name}.htpasswd`;
}

export function secretPath(layout: NginxLayout, route: TableRoute): string {
  return posix.join(layoutPaths(layout).live, secretFile(route));
}

function location(out: Lines, route: TableRoute, layout: NginxLayout, settings: GatewaySettings): void {
  const o = route.origin;
  const { upstream } = settings;
  out.add(`    # ${o}: ${route.host}${route.path} -> ${describeTarget(route)}`, o);
  out.add(`    location ${quote(route.path)} {`, o);
  const lines = [
    `proxy_pass https://${upstream.address}:${upstream.tlsPort};`,
    'proxy_http_version 1.1;',
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header X-Forwarded-Port $server_port;',
    'proxy_set_header Upgrade $http_upgrade;',
    `proxy_set_header Connection ${WEBSOCKET_MAP_VARIABLE};`,
    // Traefik must prove it is Traefik: its certificate has to chain to the internal root and name the host.
    'proxy_ssl_verify on;',
    'proxy_ssl_verify_depth 3;',
    `proxy_ssl_trusted_certificate ${layout.trustedRoot};`,
    `proxy_ssl_name ${route.host};`,
    'proxy_ssl_server_name on;',
    'proxy_ssl_protocols TLSv1.2 TLSv1.3;',
    'proxy_ssl_session_reuse on;',
    'proxy_connect_timeout 10s;',
    `proxy_read_timeout ${route.timeout}s;`,
    `proxy_send_timeout ${route.timeout}s;`,
  ];
  for (const line of lines) out.add(`        ${line}`, o);
  if (route.maxBodySize !== undefined) out.add(`        client_max_body_size ${route.maxBodySize};`, o);
  for (const [name, value] of route.requestHeaders)
    out.add(`        proxy_set_header ${quote(name)} ${quote(value)};`, o);
  // add_header in a location replaces the server's: HSTS is repeated here with the route's own headers.
  if (settings.hstsMaxAge > 0)
    out.add(`        add_header Strict-Transport-Security "max-age=${settings.hstsMaxAge}" always;`, o);
  for (const [name, value] of route.responseHeaders)
    out.add(`        add_header ${quote(name)} ${quote(value)} always;`, o);
  if (route.allow.length > 0) {
    for (const entry of route.allow) out.add(`        allow ${networkOf(entry)};`, o);
    out.add('        deny all;', o);
  }
  if (route.basicAuth) {
    out.add(`        auth_basic ${quote(route.basicAuth.realm)};`, o);
    out.add(`        auth_basic_user_file ${secretPath(layout, route)};`, o);
  }
  out.add('    }', o);
}

export function describeTarget(route: TableRoute): string {
  const t = route.target;
  return t.kind === 'guest' ? `guest ${t.guest}:${t.port}` : `stack ${t.stack}/${t.service}:${t.port}`;
}

function hostFile(host: string, routes: TableRoute[], layout: NginxLayout, settings: GatewaySettings): RenderedFile {
  const out = new Lines();
  const first = routes[0] as TableRoute;
  const cert = layout.certificate(first.certificate as string);
  const { upstream } = settings;
  out.add(
    `# Generated by Phoenix from ${routes.map((r) => r.origin).join(', ')}. Do not edit: the next apply replaces it.`,
  );
  for (const route of routes) out.add(`# phoenix-route ${JSON.stringify(routeSummary(route))}`, route.origin);
  out.add('server {');
  out.add(`    listen ${settings.httpPort};`);
  out.add(`    server_name ${host};`);
  out.add('    # ACME http-01 challenges for this name are answered by Traefik (its certificate resolver).');
  out.add('    location /.well-known/acme-challenge/ {');
  out.add(`        proxy_pass http://${upstream.address}:${upstream.httpPort};`);
  out.add('        proxy_set_header Host $host;');
  out.add('    }');
  out.add('    location / {');
  const port = settings.httpsPort === 443 ? '' : `:${settings.httpsPort}`;
  out.add(settings.redirectHttp ? `        return 301 https://$host${port}$request_uri;` : '        return 404;');
  out.add('    }');
  out.add('}');
  out.add('server {');
  out.add(`    listen ${settings.httpsPort} ssl http2;`);
  out.add(`    server_name ${host};`);
  out.add(`    ssl_certificate ${cert.fullchain};`, first.origin);
  out.add(`    ssl_certificate_key ${cert.key};`, first.origin);
  out.add('    ssl_protocols TLSv1.2 TLSv1.3;');
  out.add(`    ssl_ciphers ${TLS_CIPHERS};`);
  out.add('    ssl_prefer_server_ciphers off;');
  out.add('    ssl_session_timeout 1d;');
  out.add('    ssl_session_cache shared:phoenix_tls:10m;');
  out.add('    ssl_session_tickets off;');
  for (const route of routes) location(out, route, layout, settings);
  out.add('}');
  return out.file();
}

function streamFile(port: number, routes: TableRoute[], settings: GatewaySettings): RenderedFile {
  const out = new Lines();
  const { address } = settings.upstream;
  out.add(
    `# Generated by Phoenix from ${routes.map((r) => r.origin).join(', ')}. Do not edit: the next apply replaces it.`,
  );
  for (const route of routes) out.add(`# phoenix-route ${JSON.stringify(routeSummary(route))}`, route.origin);
  const tcp = routes.find((r) => r.passthrough?.protocol === 'tcp');
  if (tcp) {
    out.add('server {', tcp.origin);
    out.add(`    listen ${port};`, tcp.origin);
    out.add(`    proxy_pass ${address}:${port};`, tcp.origin);
    out.add('    proxy_connect_timeout 10s;', tcp.origin);
    out.add('}', tcp.origin);
    return out.file();
  }
  // TLS pass-through: the client's SNI picks the route; the TLS session is not terminated here.
  const variable = `$phoenix_passthrough_${port}`;
  out.add(`map $ssl_preread_server_name ${variable} {`);
  for (const route of routes) out.add(`    ${route.host} ${address}:${port};`, route.origin);
  out.add('    default "";');
  out.add('}');
  out.add('server {');
  out.add(`    listen ${port};`);
  out.add('    ssl_preread on;');
  out.add(`    proxy_pass ${variable};`);
  out.add('    proxy_connect_timeout 10s;');
  out.add('}');
  return out.file();
}

/** What a route is, for the plan: compared between the deployed files and the config. */
export interface RouteSummary {
  route: string;
  upstream: string;
  certificate?: string;
  maxBodySize?: string;
  requestHeaders: string[];
  responseHeaders: string[];
  allow: string[];
  basicAuth: boolean;
  timeout: number;
  passthrough?: string;
}

export function routeSummary(route: TableRoute): RouteSummary {
  return {
    route: route.passthrough ? `${route.host}:${route.passthrough.port}` : `${route.host}${route.path}`,
    upstream: describeTarget(route),
    certificate: route.certificate,
    maxBodySize: route.maxBodySize,
    requestHeaders: route.requestHeaders.map(([n, v]) => `${n}: ${v}`),
    responseHeaders: route.responseHeaders.map(([n, v]) => `${n}: ${v}`),
    allow: route.allow,
    basicAuth: route.basicAuth !== undefined,
    timeout: route.timeout,
    passthrough: route.passthrough ? `${route.passthrough.protocol}:${route.passthrough.port}` : undefined,
  };
}

export function renderNginx(routes: TableRoute[], layout: NginxLayout, settings: GatewaySettings): NginxRender {
  const paths = layoutPaths(layout);
  const files: Record<string, RenderedFile> = {};
  const common = new Lines();
  common.add('# Generated by Phoenix. Do not edit: the next apply replaces it.');
  common.add(`map $http_upgrade ${WEBSOCKET_MAP_VARIABLE} {`);
  common.add('    default upgrade;');
  common.add("    '' close;");
  common.add('}');
  files['http/00-phoenix.conf'] = common.file();
  const byHost = new Map<string, TableRoute[]>();
  const byPort = new Map<number, TableRoute[]>();
  for (const route of routes) {
    if (route.passthrough) byPort.set(route.passthrough.port, [...(byPort.get(route.passthrough.port) ?? []), route]);
    else byHost.set(route.host, [...(byHost.get(route.host) ?? []), route]);
  }
  for (const [host, hostRoutes] of byHost) {
    // Longest path first keeps the file readable; nginx picks the longest prefix either way.
    const sorted = [...hostRoutes].sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
    files[hostFileName(host)] = hostFile(host, sorted, layout, settings);
  }
  for (const [port, portRoutes] of byPort) files[`stream/${port}.conf`] = streamFile(port, portRoutes, settings);
  const entries: Record<string, string> = {
    [paths.httpEntry]: `# Generated by Phoenix: the gateway routes.\ninclude ${paths.live}/http/*.conf;\n`,
  };
  if (byPort.size > 0)
    entries[paths.streamEntry] =
      `# Generated by Phoenix: TCP/TLS pass-through routes.\nstream {\n    include ${paths.live}/stream/*.conf;\n}\n`;
  const secrets: Record<string, string> = {};
  for (const route of routes) if (route.basicAuth) secrets[secretFile(route)] = route.basicAuth.htpasswd;
  return { files, entries, secrets };
}
