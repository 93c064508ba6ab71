/**
 * The lower bound of a converge on the simulator: the critical path of the phase graph (a
 * guest's creation waits only for what it consumes; its start waits for the start, and health
 * where one is needed, of what it depends on), each node weighted by the realistic durations of
 * the PVE tasks it really ran (read from the simulator's request log) and nothing else: no
 * request latency, no polling. Any schedule of the same tasks takes at least this long.
 */
import type { RequestLogEntry } from '../../src/sim/server/request-log.ts';
import { DEFAULT_DURATIONS } from '../../src/sim/state/context.ts';
import { DependencyGraph } from '../../src/engine/graph/graph.ts';
import { criticalPath, type CriticalPath } from '../../src/engine/graph/critical-path.ts';
import type { Resource } from '../../src/engine/handler.ts';
import type { GuestSpec } from '../../src/providers/proxmox/spec.ts';

/** The task a successful mutating request started, and the guest (vmid) it worked for. */
export function taskOf(e: RequestLogEntry): { type: string; vmid?: number; storage?: string } | undefined {
  if (e.method === 'GET' || e.status >= 300) return undefined;
  const p = e.params;
  const path = e.path.replace(/^\/api2\/json/, '');
  const m = /^\/nodes\/[^/]+\/(qemu|lxc)(?:\/(\d+)(\/.*)?)?$/.exec(path);
  if (m) {
    const qemu = m[1] === 'qemu';
    const vmid = m[2] === undefined ? Number(p.vmid) : Number(m[2]);
    const rest = m[3] ?? '';
    if (m[2] === undefined && e.method === 'POST') return { type: qemu ? 'qmcreate' : 'vzcreate', vmid };
    if (rest === '/clone')
      return {
        type: `${qemu ? 'qmclone' : 'vzclone'}:${Number(p.full) === 1 ? 'full' : 'linked'}`,
        vmid: Number(p.newid),
      };
    if (rest === '/status/start') return { type: qemu ? 'qmstart' : 'vzstart', vmid };
    if (rest === '/status/stop') return { type: qemu ? 'qmstop' : 'vzstop', vmid };
    if (rest === '/snapshot' && e.method === 'POST') return { type: qemu ? 'qmsnapshot' : 'vzsnapshot', vmid };
    if (rest === '/resize') return { type: 'resize', vmid };
    if (rest === '/template') return { type: qemu ? 'qmtemplate' : 'vztemplate', vmid };
    if (rest === '/config' && qemu && e.method === 'POST') return { type: 'qmconfig', vmid };
    return undefined;
  }
  if (/^\/nodes\/[^/]+\/storage\/([^/]+)\/download-url$/.test(path))
    return { type: 'download', storage: String(p.filename) };
  if (/^\/nodes\/[^/]+\/network$/.test(path) && e.method === 'PUT') return { type: 'srvreload' };
  return undefined;
}

export interface BoundInput {
  resources: readonly Resource[];
  /** The changes that were applied (address → action); nodes of unchanged resources weigh 0. */
  requests: readonly RequestLogEntry[];
  durations?: Record<string, number>;
}

/**
 * Builds the phase graph (`<address>` = create and configure, `<address>#start` = start and,
 * when a dependent waits for it, health) and weighs it with the tasks of the request log.
 */
export function convergeBound(input: BoundInput): CriticalPath & { weights: Record<string, number> } {
  const dur = (type: string): number => input.durations?.[type] ?? DEFAULT_DURATIONS[type] ?? 1000;
  const weight = new Map<string, number>();
  const add = (node: string, ms: number): void => void weight.set(node, (weight.get(node) ?? 0) + ms);
  const byVmid = new Map<number, Resource<GuestSpec>>();
  const byFile = new Map<string, Resource>();
  for (const r of input.resources) {
    if (r.kind === 'proxmox.guest') byVmid.set((r.desired as GuestSpec).vmid, r as Resource<GuestSpec>);
    if (r.kind === 'proxmox.file') byFile.set(String((r.desired as { filename: string }).filename), r);
  }
  const graph = new DependencyGraph();
  for (const r of input.resources) graph.add(r.address);
  const starts = new Set<string>();
  for (const r of byVmid.values()) if (r.desired.running && !r.desired.isTemplate) starts.add(r.address);
  for (const r of starts) graph.add(`${r}#start`);
  const has = (a: string): boolean => graph.has(a);
  const final = (a: string): string => (starts.has(a) ? `${a}#start` : a);
  const dependents = new Map<string, number>();
  for (const r of input.resources) {
    const spec = r.kind === 'proxmox.guest' ? (r.desired as GuestSpec) : undefined;
    const consumed = new Set<string>(
      spec
        ? [spec.source.kind === 'clone' ? spec.source.fromAddress : spec.source.fileAddress].filter(
            (a): a is string => !!a,
          )
        : r.dependsOn,
    );
    for (const ref of r.references ?? []) if (has(ref.address)) graph.addEdge(r.address, final(ref.address));
    for (const d of r.dependsOn) {
      if (!has(d)) continue;
      if (consumed.has(d) || !starts.has(r.address)) graph.addEdge(r.address, final(d));
      else {
        graph.addEdge(`${r.address}#start`, final(d));
        dependents.set(d, (dependents.get(d) ?? 0) + 1);
      }
    }
    if (starts.has(r.address)) graph.addEdge(`${r.address}#start`, r.address);
  }
  for (const e of input.requests) {
    const t = taskOf(e);
    if (!t) continue;
    if (t.type === 'download') {
      const file = byFile.get(t.storage ?? '');
      if (file) add(file.address, dur('download'));
    } else if (t.type === 'srvreload') {
      for (const r of input.resources) if (r.kind === 'pve.bridge') add(r.address, dur('srvreload'));
    } else if (t.vmid !== undefined) {
      const g = byVmid.get(t.vmid);
      if (!g) continue;
      const start = /start$/.test(t.type) && starts.has(g.address);
      add(start ? `${g.address}#start` : g.address, dur(t.type));
    }
  }
  // A VM's agent answers `agentBoot` after its start: only a start something waits for pays it.
  for (const [address, n] of dependents) {
    const g = input.resources.find((r) => r.address === address) as Resource<GuestSpec> | undefined;
    if (n > 0 && g?.desired.type === 'vm' && g.desired.agent) add(`${address}#start`, dur('agentBoot'));
  }
  const cp = criticalPath(graph, (a) => weight.get(a) ?? 0);
  return { ...cp, weights: Object.fromEntries(weight) };
}
