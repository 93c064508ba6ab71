/**
 * The plan of the gateway in terms of routes, not files: a route added or removed, its upstream
 * changed, a header added, ... Compared from the route summaries Phoenix embeds in the files it
 * writes (`# phoenix-route {...}`), so the deployed side is read from the guest, not remembered.
 */
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { RouteSummary } from './render-nginx.ts';

export const ROUTE_MARKER = '# phoenix-route ';

/** Summaries from the marker lines of deployed files (unreadable lines are skipped). */
export function parseRouteMarkers(text: string): RouteSummary[] {
  const out: RouteSummary[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(ROUTE_MARKER);
    if (at < 0) continue;
    try {
      out.push(JSON.parse(line.slice(at + ROUTE_MARKER.length)) as RouteSummary);
    } catch {
      // a hand-edited marker: the file hash still shows the drift
    }
  }
  return out.sort((a, b) => a.route.localeCompare(b.route));
}

function listDelta(what: string, before: string[], after: string[]): string[] {
  const name = (entry: string) => entry.split(':')[0] as string;
  const b = new Map(before.map((e) => [name(e), e]));
  const a = new Map(after.map((e) => [name(e), e]));
  const out: string[] = [];
  for (const [key, value] of a) {
    if (!b.has(key)) out.push(`${what} ${key} added`);
    else if (b.get(key) !== value) out.push(`${what} ${key} changed`);
  }
  for (const key of b.keys()) if (!a.has(key)) out.push(`${what} ${key} removed`);
  return out;
}

function scalar(label: string, before: unknown, after: unknown): string[] {
  if (before === after) return [];
  if (before === undefined) return [`${label} set to ${String(after)}`];
  if (after === undefined) return [`${label} removed (was ${String(before)})`];
  return [`${label} changed (${String(before)} -> ${String(after)})`];
}

/** Sentences per changed route, and the attribute changes (`route <name>`) the plan JSON carries. */
export function diffRoutes(
  before: RouteSummary[],
  after: RouteSummary[],
): { reasons: string[]; changes: AttributeChange[] } {
  const reasons: string[] = [];
  const changes: AttributeChange[] = [];
  const old = new Map(before.map((s) => [s.route, s]));
  const now = new Map(after.map((s) => [s.route, s]));
  for (const [route, s] of now) {
    const o = old.get(route);
    if (!o) {
      reasons.push(`route ${route} added (-> ${s.upstream})`);
      changes.push({ path: `route ${route}`, before: undefined, after: s });
      continue;
    }
    const what = [
      ...scalar('upstream', o.upstream, s.upstream),
      ...scalar('certificate', o.certificate, s.certificate),
      ...scalar('body size limit', o.maxBodySize, s.maxBodySize),
      ...scalar('timeout', o.timeout, s.timeout),
      ...scalar('pass-through', o.passthrough, s.passthrough),
      ...listDelta('request header', o.requestHeaders, s.requestHeaders),
      ...listDelta('response header', o.responseHeaders, s.responseHeaders),
      ...listDelta('allowed', o.allow, s.allow),
      ...(o.basicAuth === s.basicAuth ? [] : [s.basicAuth ? 'basic auth added' : 'basic auth removed']),
    ];
    if (what.length === 0) continue;
    reasons.push(`route ${route}: ${what.join(', ')}`);
    changes.push({ path: `route ${route}`, before: o, after: s });
  }
  for (const [route, o] of old) {
    if (now.has(route)) continue;
    reasons.push(`route ${route} removed`);
    changes.push({ path: `route ${route}`, before: o, after: undefined });
  }
  return { reasons, changes };
}
