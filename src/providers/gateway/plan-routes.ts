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

type Field = { label: string; before: unknown; after: unknown };

/** Header lists as `name: value` entries → one field per header name that differs. */
function headerFields(what: string, before: string[], after: string[]): Field[] {
  const split = (entry: string): [string, string] => {
    const at = entry.indexOf(':');
    return [entry.slice(0, at), entry.slice(at + 1).trim()];
  };
  const b = new Map(before.map(split));
  const a = new Map(after.map(split));
  const out: Field[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort())
    if (b.get(name) !== a.get(name)) out.push({ label: `${what} ${name}`, before: b.get(name), after: a.get(name) });
  return out;
}

function sentence(f: Field): string {
  if (f.label.startsWith('request header') || f.label.startsWith('response header')) {
    if (f.before === undefined) return `${f.label} added`;
    if (f.after === undefined) return `${f.label} removed`;
    return `${f.label} changed`;
  }
  if (f.label === 'basic auth') return f.after ? 'basic auth added' : 'basic auth removed';
  if (f.label === 'allowed') {
    const b = f.before as string[];
    const a = f.after as string[];
    return [
      ...a.filter((x) => !b.includes(x)).map((x) => `allowed ${x} added`),
      ...b.filter((x) => !a.includes(x)).map((x) => `allowed ${x} removed`),
    ].join(', ');
  }
  if (f.before === undefined) return `${f.label} set to ${String(f.after)}`;
  if (f.after === undefined) return `${f.label} removed (was ${String(f.before)})`;
  return `${f.label} changed (${String(f.before)} -> ${String(f.after)})`;
}

/**
 * Sentences per changed route, and the attribute changes the plan carries per route and field
 * (`route whoami.home.arpa/ upstream`, `route ... response header X-Frame-Options`), so the plan
 * reads as routes, not files; a route added or removed is one `route <name>` change.
 */
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
      changes.push({ path: `route ${route}`, before: undefined, after: s.upstream });
      continue;
    }
    const fields: Field[] = [
      { label: 'upstream', before: o.upstream, after: s.upstream },
      { label: 'certificate', before: o.certificate, after: s.certificate },
      { label: 'body size limit', before: o.maxBodySize, after: s.maxBodySize },
      { label: 'timeout', before: o.timeout, after: s.timeout },
      { label: 'pass-through', before: o.passthrough, after: s.passthrough },
      ...headerFields('request header', o.requestHeaders, s.requestHeaders),
      ...headerFields('response header', o.responseHeaders, s.responseHeaders),
      { label: 'allowed', before: o.allow, after: s.allow },
      { label: 'basic auth', before: o.basicAuth, after: s.basicAuth },
    ].filter((f) => JSON.stringify(f.before) !== JSON.stringify(f.after));
    if (fields.length === 0) continue;
    reasons.push(`route ${route}: ${fields.map(sentence).join(', ')}`);
    for (const f of fields) changes.push({ path: `route ${route} ${f.label}`, before: f.before, after: f.after });
  }
  for (const [route, o] of old) {
    if (now.has(route)) continue;
    reasons.push(`route ${route} removed`);
    changes.push({ path: `route ${route}`, before: o.upstream, after: undefined });
  }
  return { reasons, changes };
}
