/**
 * The route table: one normalised entry per declared route (and per stack environment `host`),
 * shared by the nginx renderer, the Traefik renderer and the Swarm labels, so each declaration
 * is read once. Pure: config in, table + diagnostics out (never thrown).
 */
import { createHash } from 'node:crypto';
import type { Guest, PhoenixConfig, Route } from '../../config/schema.ts';
import type { Diagnostic } from '../../errors.ts';

/**
 * `serverName` (https targets only): the name the upstream's certificate carries, which Traefik
 * verifies against the internal root (never skipped).
 */
export type RouteTargetRef =
  | { kind: 'guest'; guest: string; address: string; port: number; scheme: 'http' | 'https'; serverName?: string }
  | {
      kind: 'stack';
      stack: string;
      service: string;
      swarmService: string;
      port: number;
      scheme: 'http' | 'https';
      serverName?: string;
    };

export interface TableRoute {
  /** Stable id: the config path (`routes[2]` or `stacks[1].environments.testing`), for messages. */
  origin: string;
  /** The config path segments of the declaration, for locating it (`locate(originPath)`). */
  originPath: (string | number)[];
  /** Name safe for files, nginx and Traefik: `whoami-home-arpa`, `whoami-home-arpa-api`. */
  name: string;
  host: string;
  path: string;
  target: RouteTargetRef;
  /** Certificate the gateway serves for this host (a name from `certificates`). */
  certificate?: string;
  maxBodySize?: string;
  requestHeaders: [string, string][];
  responseHeaders: [string, string][];
  allow: string[];
  basicAuth?: { realm: string; htpasswd: string };
  timeout: number;
  passthrough?: { protocol: 'tls' | 'tcp'; port: number };
}

export interface RouteTable {
  domain: string;
  routes: TableRoute[];
  diagnostics: Diagnostic[];
}

/** The Swarm service name of a stack service: `<stack>_<service>`, the stack suffixed per non-production environment. */
export function swarmServiceName(stack: string, service: string, environment = 'production'): string {
  return `${environment === 'production' ? stack : `${stack}-${environment}`}_${service}`;
}

/**
 * `whoami.home.arpa` + `/` → `whoami-home-arpa`; other paths add a readable part and a short
 * hash (`/api/` → `whoami-home-arpa-api-1c2d3e4f`), so two paths that read alike never collide.
 */
export function routeName(host: string, path: string, passthroughPort?: number): string {
  const base = host.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  if (passthroughPort !== undefined) return `${base}-tcp${passthroughPort}`;
  if (path === '/') return base;
  const readable = path
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  return readable ? `${base}-${readable}-${hash}` : `${base}-${hash}`;
}

function firstAddress(guest: Guest): string | undefined {
  return guest.net.find((nic) => nic.ip !== 'dhcp')?.ip.split('/')[0];
}

function findGuest(config: PhoenixConfig, ref: number | string): Guest | undefined {
  return config.guests.find((g) => (typeof ref === 'number' ? g.id === ref : g.name === ref));
}

/**
 * The name an https upstream's certificate carries, from the certificates the config declares:
 * for a guest, the certificate installed on it (else its DNS name in the cluster domain); for a
 * stack service, the certificate named like the service or the stack. Undefined: none is known.
 */
function upstreamServerName(
  config: PhoenixConfig,
  target: { guest?: Guest; stack?: string; service?: string },
): string | undefined {
  if (target.guest) {
    const guest = target.guest;
    const installed = config.certificates.find((c) => c.guest === guest.id || c.guest === guest.name);
    return (installed?.commonName ?? `${guest.name}.${config.cluster.domain}`).toLowerCase();
  }
  const named =
    config.certificates.find((c) => c.name === target.service) ??
    config.certificates.find((c) => c.name === target.stack);
  return named?.commonName.toLowerCase();
}

/** The certificate to serve: the route's own, else one installed on the gateway that covers the host. */
function pickCertificate(config: PhoenixConfig, route: Route, gateway: Guest | undefined): string | undefined {
  if (route.tls) return route.tls.certificate;
  const covers = (name: string) =>
    name.toLowerCase() === route.host.toLowerCase() ||
    (name.startsWith('*.') && route.host.toLowerCase().split('.').slice(1).join('.') === name.slice(2).toLowerCase());
  const onGateway = config.certificates.filter(
    (c) => gateway !== undefined && (c.guest === gateway.id || c.guest === gateway.name),
  );
  return onGateway.find((c) => [c.commonName, ...c.sans].some(covers))?.name;
}

function toTableRoute(
  config: PhoenixConfig,
  route: Route,
  originPath: (string | number)[],
  environment: string | undefined,
  gateway: Guest | undefined,
  diagnostics: Diagnostic[],
): TableRoute | undefined {
  const origin = originPath.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  let target: RouteTargetRef;
  if (route.target.guest !== undefined) {
    const guest = findGuest(config, route.target.guest);
    const address = guest && firstAddress(guest);
    if (!guest || address === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'E_ROUTE_TARGET',
        message: `${origin} (${route.host}): guest ${String(route.target.guest)} has no static address to route to`,
        hint: 'give the target guest a static ip',
      });
      return undefined;
    }
    target = { kind: 'guest', guest: guest.name, address, port: route.target.port, scheme: route.target.scheme };
    if (route.target.scheme === 'https') target.serverName = upstreamServerName(config, { guest });
  } else if (route.target.stack !== undefined && route.target.service !== undefined) {
    const { stack, service, port, scheme } = route.target;
    const swarmService = swarmServiceName(stack, service, environment);
    target = { kind: 'stack', stack, service, swarmService, port, scheme };
    if (scheme === 'https') {
      target.serverName = upstreamServerName(config, { stack, service });
      if (target.serverName === undefined && !route.passthrough) {
        diagnostics.push({
          severity: 'error',
          code: 'E_ROUTE_UPSTREAM_NAME',
          message: `${origin} (${route.host}): the https upstream ${stack}/${service} is verified against the internal root, but no certificate names it`,
          hint: `declare the certificate the service presents in certificates, named "${service}" (or "${stack}")`,
        });
        return undefined;
      }
    }
  } else return undefined; // the semantic checks already reported it
  const certificate = route.passthrough ? undefined : pickCertificate(config, route, gateway);
  if (!route.passthrough && certificate === undefined) {
    diagnostics.push({
      severity: 'error',
      code: 'E_ROUTE_CERTIFICATE',
      message: `${origin} (${route.host}): no certificate on the gateway covers ${route.host}`,
      hint: `add ${route.host} to the sans of a certificate installed on the gateway, or set tls.certificate`,
    });
    return undefined;
  }
  return {
    origin,
    originPath,
    name: routeName(route.host, route.path, route.passthrough?.port),
    host: route.host.toLowerCase(),
    path: route.path,
    target,
    certificate,
    maxBodySize: route.maxBodySize,
    requestHeaders: Object.entries(route.headers?.request ?? {}),
    responseHeaders: Object.entries(route.headers?.response ?? {}),
    allow: route.allow ?? [],
    basicAuth: route.basicAuth,
    timeout: route.timeout ?? 60,
    passthrough: route.passthrough,
  };
}

/**
 * Every route: the declared ones, then one per stack environment `host` that no route names
 * yet — it takes the target (service, port) and options of the first route to that stack.
 */
export function deriveRouteTable(config: PhoenixConfig): RouteTable {
  const diagnostics: Diagnostic[] = [];
  const gateway = config.guests.find((g) => [g.role ?? []].flat().includes('gateway'));
  const routes: TableRoute[] = [];
  config.routes.forEach((route, ri) => {
    const entry = toTableRoute(config, route, ['routes', ri], undefined, gateway, diagnostics);
    if (entry) routes.push(entry);
  });
  const declared = new Set(config.routes.map((r) => r.host.toLowerCase()));
  config.stacks.forEach((stack, si) => {
    for (const [environment, env] of Object.entries(stack.environments)) {
      if (!env?.host || declared.has(env.host.toLowerCase())) continue;
      const template = config.routes.find((r) => r.target.stack === stack.name);
      const originPath = ['stacks', si, 'environments', environment, 'host'];
      if (!template) {
        diagnostics.push({
          severity: 'warning',
          code: 'W_ROUTE_ENV_HOST',
          message: `stack "${stack.name}" environment ${environment}: host ${env.host} is not routed (no route names the stack's service and port)`,
          hint: `add a route with target: { stack: ${stack.name}, service, port }`,
        });
        continue;
      }
      const entry = toTableRoute(
        config,
        { ...template, host: env.host },
        originPath,
        environment,
        gateway,
        diagnostics,
      );
      if (entry) {
        declared.add(entry.host);
        routes.push(entry);
      }
    }
  });
  routes.sort((a, b) => a.host.localeCompare(b.host) || a.path.localeCompare(b.path) || a.name.localeCompare(b.name));
  // One TLS server per host: its routes must agree on the certificate it serves.
  const certificateOf = new Map<string, TableRoute>();
  for (const route of routes) {
    if (route.passthrough) continue;
    const first = certificateOf.get(route.host);
    if (!first) certificateOf.set(route.host, route);
    else if (first.certificate !== route.certificate)
      diagnostics.push({
        severity: 'error',
        code: 'E_ROUTE_CERTIFICATE',
        message: `${route.origin} (${route.host}${route.path}) serves certificate "${route.certificate}", but ${first.origin} serves "${first.certificate}" for the same host`,
        hint: 'give every route of one host the same tls.certificate',
      });
  }
  return { domain: config.cluster.domain, routes, diagnostics };
}
