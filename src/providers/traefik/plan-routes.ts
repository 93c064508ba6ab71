/**
 * Traefik's part of the plan in terms of routes, not files: a route added or removed, its
 * upstream changed, a middleware added, ... Compared from the summaries Phoenix writes into each
 * dynamic file (`# phoenix-route {...}`), so the deployed side is read from the guest.
 */
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { TraefikRouteSummary } from './render.ts';

export const TRAEFIK_ROUTE_MARKER = '# phoenix-route ';

export function routeMarker(summary: TraefikRouteSummary): string {
  return `${TRAEFIK_ROUTE_MARKER}${JSON.stringify(summary)}`;
}

/** The summary of a marker line, or undefined for a line that is not one (or was hand-edited). */
export function parseRouteMarker(line: string): TraefikRouteSummary | undefined {
  const at = line.indexOf(TRAEFIK_ROUTE_MARKER);
  if (at < 0) return undefined;
  try {
    const value = JSON.parse(line.slice(at + TRAEFIK_ROUTE_MARKER.length)) as TraefikRouteSummary;
    return typeof value.route === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function changed(label: string, before: string | undefined, after: string | undefined): string[] {
  if (before === after) return [];
  if (before === undefined) return [`${label} set to ${after}`];
  if (after === undefined) return [`${label} removed (was ${before})`];
  return [`${label} changed (${before} -> ${after})`];
}

/**
 * Sentences per changed route and the attribute changes the plan carries per route and field
 * (`route whoami.home.arpa/ upstream`, `route ... middlewares`); a route added or removed is one
 * `route <name>` change whose value is its upstream.
 */
export function diffTraefikRoutes(
  before: TraefikRouteSummary[],
  after: TraefikRouteSummary[],
): { reasons: string[]; changes: AttributeChange[] } {
  const reasons: string[] = [];
  const changes: AttributeChange[] = [];
  const old = new Map(before.map((s) => [s.route, s]));
  const now = new Map(after.map((s) => [s.route, s]));
  for (const [route, s] of [...now].sort(([a], [b]) => a.localeCompare(b))) {
    const o = old.get(route);
    if (!o) {
      reasons.push(`traefik route ${route} added (-> ${s.upstream})`);
      changes.push({ path: `route ${route}`, before: undefined, after: s.upstream });
      continue;
    }
    const what = [
      ...changed('upstream', o.upstream, s.upstream),
      ...changed('verified as', o.verifiedAs, s.verifiedAs),
      ...changed('entry point', o.entryPoint, s.entryPoint),
      ...s.middlewares.filter((m) => !o.middlewares.includes(m)).map((m) => `middleware ${m} added`),
      ...o.middlewares.filter((m) => !s.middlewares.includes(m)).map((m) => `middleware ${m} removed`),
    ];
    if (what.length === 0) continue;
    reasons.push(`traefik route ${route}: ${what.join(', ')}`);
    for (const [label, b, a] of [
      ['upstream', o.upstream, s.upstream],
      ['verified as', o.verifiedAs, s.verifiedAs],
      ['entry point', o.entryPoint, s.entryPoint],
      ['middlewares', o.middlewares, s.middlewares],
    ] as const)
      if (JSON.stringify(b) !== JSON.stringify(a))
        changes.push({ path: `route ${route} ${label}`, before: b, after: a });
  }
  for (const [route, o] of [...old].sort(([a], [b]) => a.localeCompare(b))) {
    if (now.has(route)) continue;
    reasons.push(`traefik route ${route} removed`);
    changes.push({ path: `route ${route}`, before: o.upstream, after: undefined });
  }
  return { reasons, changes };
}
