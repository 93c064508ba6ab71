/**
 * Traefik's files: the static config (entry points, file + Swarm providers, the step-ca
 * certificate resolver, a servers transport that trusts the internal root) and one dynamic file
 * per route (router, service for guest targets, middlewares). Nothing here ever sets
 * insecureSkipVerify. Pure: plain objects, serialised to YAML by `toYaml`.
 */
import { stringify } from 'yaml';
import type { TableRoute } from '../gateway/routes.ts';
import { CERT_RESOLVER, WEB, WEBSECURE, type TraefikSettings } from './settings.ts';

type Json = Record<string, unknown>;

export function passthroughEntryPoint(port: number): string {
  return `tcp-${port}`;
}

/** Traefik's name for the Swarm service of a stack target (`whoami_whoami` → `whoami-whoami`). */
export function swarmTraefikService(route: TableRoute): string | undefined {
  return route.target.kind === 'stack' ? route.target.swarmService.replace(/_/g, '-') : undefined;
}

export function renderStatic(routes: TableRoute[], settings: TraefikSettings): Json {
  const { paths } = settings;
  const entryPoints: Json = {
    // Plain HTTP only answers ACME http-01 challenges (the gateway forwards them here).
    [WEB]: { address: `:${settings.httpPort}` },
    [WEBSECURE]: {
      address: `:${settings.tlsPort}`,
      forwardedHeaders: { trustedIPs: settings.trustedForwarders },
      http: { tls: { certResolver: CERT_RESOLVER } },
    },
  };
  for (const port of [...new Set(routes.flatMap((r) => (r.passthrough ? [r.passthrough.port] : [])))].sort(
    (a, b) => a - b,
  ))
    entryPoints[passthroughEntryPoint(port)] = { address: `:${port}` };
  const providers: Json = { file: { directory: paths.dynamicDir, watch: true } };
  if (settings.dockerEndpoint) {
    providers['swarm'] = {
      endpoint: settings.dockerEndpoint,
      exposedByDefault: false,
      // Routers come from Phoenix's files; a service's automatic router must never match a real name.
      defaultRule: 'Host(`{{ normalize .Name }}.invalid`)',
      watch: true,
      tls: { ca: paths.dockerClient.ca, cert: paths.dockerClient.cert, key: paths.dockerClient.key },
      ...(settings.swarmNetwork ? { network: settings.swarmNetwork } : {}),
    };
  }
  const acme: Json = {
    caServer: settings.acme.caServer,
    caCertificates: [paths.trustedRoot],
    storage: paths.acmeStorage,
    httpChallenge: { entryPoint: WEB },
    keyType: 'EC256',
  };
  if (settings.acme.email) acme['email'] = settings.acme.email;
  return {
    entryPoints,
    providers,
    certificatesResolvers: { [CERT_RESOLVER]: { acme } },
    serversTransport: { rootCAs: [paths.trustedRoot] },
    api: { dashboard: settings.dashboard },
    log: { level: 'INFO' },
  };
}

function hostRule(route: TableRoute): string {
  const host = `Host(\`${route.host}\`)`;
  return route.path === '/' ? host : `${host} && PathPrefix(\`${route.path}\`)`;
}

/**
 * The servers transport an https upstream is reached with: the name its certificate carries,
 * verified against the internal root. Stack services share one per Swarm service (their labels
 * name it), defined in the file of the service's first route.
 */
export function upstreamTransport(route: TableRoute): string | undefined {
  if (route.target.scheme !== 'https' || route.passthrough) return undefined;
  return `${swarmTraefikService(route) ?? route.name}-upstream`;
}

function httpDynamic(route: TableRoute, trustedRoot: string, definesTransport: boolean): Json {
  const middlewares: Json = {};
  // Defence in depth behind the gateway: the same allow-list (client address from the
  // gateway's X-Forwarded-For) and body limit hold for traffic that reaches Traefik directly.
  if (route.allow.length > 0)
    middlewares[`${route.name}-allow`] = { ipAllowList: { sourceRange: route.allow, ipStrategy: { depth: 1 } } };
  if (route.maxBodySize !== undefined)
    middlewares[`${route.name}-body`] = { buffering: { maxRequestBodyBytes: sizeBytes(route.maxBodySize) } };
  const swarm = swarmTraefikService(route);
  const router: Json = {
    rule: hostRule(route),
    entryPoints: [WEBSECURE],
    service: swarm ? `${swarm}@swarm` : route.name,
    tls: { certResolver: CERT_RESOLVER },
  };
  if (Object.keys(middlewares).length > 0) router['middlewares'] = Object.keys(middlewares);
  const http: Json = { routers: { [route.name]: router } };
  const transport = upstreamTransport(route);
  if (route.target.kind === 'guest') {
    const { scheme, address, port } = route.target;
    const loadBalancer: Json = { servers: [{ url: `${scheme}://${address}:${port}` }] };
    if (transport) loadBalancer['serversTransport'] = transport;
    http['services'] = { [route.name]: { loadBalancer } };
  }
  if (Object.keys(middlewares).length > 0) http['middlewares'] = middlewares;
  if (transport && definesTransport && route.target.serverName)
    http['serversTransports'] = { [transport]: { serverName: route.target.serverName, rootCAs: [trustedRoot] } };
  return { http };
}

function tcpDynamic(route: TableRoute): Json {
  const pass = route.passthrough as { protocol: 'tls' | 'tcp'; port: number };
  const swarm = swarmTraefikService(route);
  const router: Json = {
    entryPoints: [passthroughEntryPoint(pass.port)],
    rule: pass.protocol === 'tls' ? `HostSNI(\`${route.host}\`)` : 'HostSNI(`*`)',
    service: swarm ? `${swarm}@swarm` : route.name,
  };
  if (pass.protocol === 'tls') router['tls'] = { passthrough: true };
  const tcp: Json = { routers: { [route.name]: router } };
  if (route.target.kind === 'guest')
    tcp['services'] = {
      [route.name]: { loadBalancer: { servers: [{ address: `${route.target.address}:${route.target.port}` }] } },
    };
  return { tcp };
}

/** One dynamic file per route, keyed by file name in the file provider's directory. */
export function renderDynamic(routes: TableRoute[], trustedRoot: string): Record<string, Json> {
  const defined = new Set<string>();
  return Object.fromEntries(
    routes.map((route) => {
      const transport = upstreamTransport(route);
      const first = transport !== undefined && !defined.has(transport);
      if (transport) defined.add(transport);
      return [`${route.name}.yaml`, route.passthrough ? tcpDynamic(route) : httpDynamic(route, trustedRoot, first)];
    }),
  );
}

/** `10m` → bytes (nginx size syntax, the schema's). */
export function sizeBytes(size: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(size);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match?.[1] ?? 0) * unit;
}

export function toYaml(document: Json, header: string, marker?: string): string {
  return `# ${header}\n${marker === undefined ? '' : `${marker}\n`}${stringify(document, { lineWidth: 0 })}`;
}

/** What a route is in Traefik, for the plan: compared between the deployed files' markers and the config. */
export interface TraefikRouteSummary {
  route: string;
  /** `swarm whoami_whoami:80 (http)` or `https://10.0.0.5:8443`. */
  upstream: string;
  /** The name an https upstream's certificate is verified for. */
  verifiedAs?: string;
  middlewares: string[];
  entryPoint: string;
}

export function traefikRouteSummary(route: TableRoute): TraefikRouteSummary {
  const t = route.target;
  const upstream =
    t.kind === 'stack'
      ? `swarm ${t.swarmService}:${t.port} (${route.passthrough ? 'tcp' : t.scheme})`
      : route.passthrough
        ? `${t.address}:${t.port}`
        : `${t.scheme}://${t.address}:${t.port}`;
  const middlewares: string[] = [];
  if (!route.passthrough && route.allow.length > 0) middlewares.push(`allow ${route.allow.join(' ')}`);
  if (!route.passthrough && route.maxBodySize !== undefined) middlewares.push(`body limit ${route.maxBodySize}`);
  return {
    route: route.passthrough ? `${route.host}:${route.passthrough.port}` : `${route.host}${route.path}`,
    upstream,
    ...(upstreamTransport(route) && t.serverName ? { verifiedAs: t.serverName } : {}),
    middlewares,
    entryPoint: route.passthrough ? passthroughEntryPoint(route.passthrough.port) : WEBSECURE,
  };
}
