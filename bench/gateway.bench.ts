/**
 * Gateway generation at scale (issue 12): 500 routes → route table → nginx files + Traefik
 * static and per-route dynamic files + Swarm labels, and every Traefik file checked against the
 * official schema (nginx -t is not part of it). Target: under 1 s. Compiling the two schemas is
 * a once-per-process cost and reported as its own figure; cold is the first run after it (JIT
 * still cold), warm the median of the following runs.
 */
import { PhoenixConfig } from '../src/config/schema.ts';
import { deriveGatewayResources } from '../src/providers/gateway/derive.ts';
import { swarmServiceLabels } from '../src/providers/traefik/labels.ts';
import { CONFIG_KIND, type TraefikConfigDesired } from '../src/providers/traefik/config-handler.ts';
import { deriveTraefikResources } from '../src/providers/traefik/derive.ts';
import { traefikValidators } from '../src/providers/traefik/_traefik-schema.ts';
import type { Benchmark } from './types.ts';

function config(routes: number): PhoenixConfig {
  const guest = (id: number, name: string, role: string | undefined, ip: string) => ({
    id,
    name,
    node: 'pve',
    type: 'lxc',
    template: 't',
    role,
    net: [{ name: 'eth0', bridge: 'vmbr1', ip }],
  });
  return PhoenixConfig.parse({
    version: 1,
    guests: [
      guest(101, 'gateway', 'gateway', '10.0.0.101/24'),
      guest(102, 'traefik', 'traefik', '10.0.0.102/24'),
      guest(103, 'step-ca', 'step-ca', '10.0.0.103/24'),
      guest(110, 'app', undefined, '10.0.0.110/24'),
    ],
    certificates: [{ name: 'edge', commonName: '*.example.com', guest: 'gateway' }],
    routes: Array.from({ length: routes }, (_, i) => {
      const host = `r${Math.floor(i / 2)}.example.com`;
      if (i % 25 === 24)
        return { host, target: { guest: 'app', port: 5000 + i }, passthrough: { protocol: 'tls', port: 8443 } };
      return {
        host,
        path: i % 2 === 0 ? '/' : `/api/v${i}/`,
        target:
          i % 3 === 0
            ? { guest: 'app', port: 8080, scheme: i % 9 === 0 ? 'https' : 'http' }
            : { stack: `s${i % 7}`, service: 'web', port: 80 },
        ...(i % 4 === 0 ? { maxBodySize: '10m', allow: ['192.168.1.0/24'] } : {}),
        ...(i % 5 === 0 ? { headers: { response: { 'X-Frame-Options': 'DENY' }, request: { 'X-Env': 'prod' } } } : {}),
        ...(i % 6 === 0 ? { basicAuth: { htpasswd: 'env:HTPASSWD' } } : {}),
      };
    }),
  });
}

export const benchmark: Benchmark = {
  name: 'gateway',
  async run() {
    const routes = 500;
    const input = config(routes);
    const times: number[] = [];
    let files = 0;
    const compileStarted = performance.now();
    const validators = traefikValidators();
    const compileMs = Math.round(performance.now() - compileStarted);
    for (let i = 0; i < 7; i += 1) {
      const started = performance.now();
      const { resources, routes: table, diagnostics } = deriveGatewayResources(input);
      if (diagnostics.some((d) => d.severity === 'error')) throw new Error(diagnostics[0]?.message);
      // Traefik's resources as the provider derives them for a plan: rendered and schema-checked.
      const traefik = deriveTraefikResources(input, { validate: validators });
      swarmServiceLabels(table);
      times.push(performance.now() - started);
      const errors = traefik.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`schema errors: ${errors[0]?.message}`);
      const config = traefik.resources.find((r) => r.kind === CONFIG_KIND)?.desired as TraefikConfigDesired;
      const texts = [config.staticContent, ...Object.values(config.dynamic)];
      const nginxFiles = Object.keys((resources.at(-1)?.desired as { files: object }).files).length;
      files = nginxFiles + texts.length;
    }
    const cold = times[0] ?? 0;
    const warm = times.slice(1).sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)] ?? 0;
    const details = { routes, files };
    return [
      { name: 'gateway: compile the two Traefik schemas (once per process)', value: compileMs, unit: 'ms' },
      {
        name: `gateway ${routes} routes: derive + render + schema-check (cold)`,
        value: Math.round(cold),
        unit: 'ms',
        target: { op: '<=', value: 1000 },
        details,
      },
      {
        name: `gateway ${routes} routes: derive + render + schema-check (warm median)`,
        value: Math.round(median),
        unit: 'ms',
        target: { op: '<=', value: 1000 },
        details,
      },
    ];
  },
};
