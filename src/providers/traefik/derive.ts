/**
 * Config → Traefik's resources on the traefik guest: `traefik.config` (the static file and one
 * dynamic file per route, each carrying its route's summary for the plan), and with a declared
 * release the binary, its systemd unit and the running service. `validate` (the official
 * schemas; the provider always passes them) runs before anything is derived for writing: a file
 * it rejects is an error naming the route, and no config resource is derived at all.
 */
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Diagnostic, SourceLocation } from '../../errors.ts';
import type { Resource } from '../../engine/handler.ts';
import { PACKAGES_KIND, SERVICE_KIND, type TargetRef } from '../node/index.ts';
import { BINARY_KIND, traefikUnit, type BinaryDesired } from './binary.ts';
import { CONFIG_KIND, TRAEFIK_HEADER, type TraefikConfigDesired } from './config-handler.ts';
import { routeLabel } from '../gateway/derive.ts';
import { deriveRouteTable, type TableRoute } from '../gateway/routes.ts';
import { roleGuest } from '../gateway/settings.ts';
import { swarmServiceLabels } from './labels.ts';
import { routeMarker } from './plan-routes.ts';
import { renderDynamic, renderStatic, toYaml, traefikRouteSummary, type TraefikRouteSummary } from './render.ts';
import { UNIT_KIND, type UnitDesired } from './unit-handler.ts';
import { DEFAULT_TRAEFIK_PATHS, traefikSettings, type TraefikPaths } from './settings.ts';

export interface TraefikValidate {
  static(document: unknown): string[];
  dynamic(document: unknown): string[];
}

export const TRAEFIK_BINARY = '/usr/local/bin/traefik';

export interface TraefikDeriveOptions {
  paths?: TraefikPaths;
  validate?: TraefikValidate;
  /** Where a config value is declared (the loader's `locate`), for messages about a route. */
  locate?: (path: readonly (string | number)[]) => SourceLocation | undefined;
}

const HEADER = TRAEFIK_HEADER.slice(2);

export function deriveTraefikResources(
  config: PhoenixConfig,
  options: TraefikDeriveOptions = {},
): { resources: Resource[]; labels: Record<string, Record<string, string>>; diagnostics: Diagnostic[] } {
  const guest = roleGuest(config, 'traefik');
  const table = deriveRouteTable(config);
  if (!guest || table.routes.length === 0) return { resources: [], labels: {}, diagnostics: [] };
  const { settings, diagnostics } = traefikSettings(config, options.paths ?? DEFAULT_TRAEFIK_PATHS);
  if (!settings) return { resources: [], labels: {}, diagnostics };
  const { labels, conflicts } = swarmServiceLabels(table.routes, settings.swarmNetwork);
  for (const conflict of conflicts)
    diagnostics.push({
      severity: 'error',
      code: 'E_TRAEFIK_LABELS',
      message: conflict,
      hint: 'route one Swarm service to one port',
    });
  const target: TargetRef = { kind: guest.type === 'vm' ? 'vm' : 'lxc', node: guest.node, vmid: guest.id };
  const validate = options.validate;
  const staticDoc = renderStatic(table.routes, settings);
  const staticErrors = validate?.static(staticDoc) ?? [];
  if (staticErrors.length > 0)
    diagnostics.push({
      severity: 'error',
      code: 'E_TRAEFIK_SCHEMA',
      message: `Traefik's static config ${settings.paths.staticFile} does not validate against Traefik's schema: ${staticErrors[0]}`,
      hint: 'this is a bug in Phoenix: please report it with the config that caused it',
    });
  const byFile = new Map(table.routes.map((r) => [`${r.name}.yaml`, r]));
  const dynamic: Record<string, string> = {};
  const routes: Record<string, TraefikRouteSummary> = {};
  const routeLabels: Record<string, string> = {};
  for (const [file, doc] of Object.entries(renderDynamic(table.routes, settings.paths.trustedRoot))) {
    const route = byFile.get(file) as TableRoute;
    routeLabels[file] = routeLabel(route, options.locate);
    const errors = validate?.dynamic(doc) ?? [];
    if (errors.length > 0) {
      diagnostics.push({
        severity: 'error',
        code: 'E_TRAEFIK_SCHEMA',
        message: `route ${routeLabels[file]}: its Traefik file ${settings.paths.dynamicDir}/${file} does not validate against Traefik's schema: ${errors[0]}`,
        hint: 'nothing is written. This is a bug in Phoenix: please report it with the route that caused it',
      });
      continue;
    }
    routes[file] = traefikRouteSummary(route);
    dynamic[file] = toYaml(doc, HEADER, routeMarker(routes[file]));
  }
  // One resource for the static file and every route file: an invalid one is refused before
  // anything of it is written (the handler checks the schemas again right before writing).
  if (diagnostics.some((d) => d.code === 'E_TRAEFIK_SCHEMA')) return { resources: [], labels, diagnostics };
  const resources: Resource[] = [
    {
      address: `traefik.${guest.id}.config`,
      kind: CONFIG_KIND,
      node: guest.node,
      dependsOn: [`guest.${guest.id}`],
      desired: {
        target,
        staticFile: settings.paths.staticFile,
        staticContent: toYaml(staticDoc, HEADER),
        dynamicDir: settings.paths.dynamicDir,
        dynamic,
        routes,
        routeLabels,
        unit: 'traefik',
      } satisfies TraefikConfigDesired,
    },
  ];
  const release = config.platform.traefik?.release;
  if (!release) {
    diagnostics.push({
      severity: 'warning',
      code: 'W_TRAEFIK_NO_RELEASE',
      message: 'Traefik is not installed by Phoenix (no platform.traefik.release): only its files are managed',
      hint: 'declare platform.traefik.release { url, checksum } of a Traefik v3 release archive',
    });
    return { resources, labels, diagnostics };
  }
  const prefix = `traefik.${guest.id}`;
  const install: Resource[] = [
    {
      address: `${prefix}.packages`,
      kind: PACKAGES_KIND,
      node: guest.node,
      dependsOn: [`guest.${guest.id}`],
      desired: { target, packages: ['curl', 'ca-certificates'] },
    },
    {
      address: `${prefix}.binary`,
      kind: BINARY_KIND,
      node: guest.node,
      dependsOn: [`${prefix}.packages`],
      desired: {
        target,
        url: release.url,
        checksum: release.checksum.toLowerCase(),
        path: TRAEFIK_BINARY,
        stamp: '/usr/local/lib/phoenix/traefik.source',
        unit: 'traefik',
      } satisfies BinaryDesired,
    },
    {
      address: `${prefix}.unit`,
      kind: UNIT_KIND,
      node: guest.node,
      dependsOn: [`guest.${guest.id}`],
      desired: {
        target,
        path: '/etc/systemd/system/traefik.service',
        content: traefikUnit(TRAEFIK_BINARY, settings.paths.staticFile),
        unit: 'traefik',
      } satisfies UnitDesired,
    },
  ];
  const service: Resource = {
    address: `${prefix}.service.traefik`,
    kind: SERVICE_KIND,
    node: guest.node,
    dependsOn: [`${prefix}.binary`, `${prefix}.unit`, ...resources.map((r) => r.address)],
    desired: { target, unit: 'traefik', enabled: true, active: true },
  };
  return { resources: [...resources, ...install, service], labels, diagnostics };
}
