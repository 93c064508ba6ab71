/**
 * `phoenix status` for the node shell's resources (dnsmasq records, NFS exports, their packages
 * and services): in sync, drifted (which files or attributes) or missing, read from the same plan
 * the guest rows come from. Pure: no I/O.
 */
import type { Plan } from '../engine/index.ts';

export interface NodeStatusRow {
  address: string;
  kind: string;
  sync: 'in sync' | 'drifted' | 'missing';
  /** Files or attributes that differ from the config. */
  drift: string[];
}

export function nodeStatusRows(plan: Plan): NodeStatusRow[] {
  const drift = new Map(plan.drift.map((d) => [d.address, d.paths]));
  return plan.changes
    .filter((c) => c.kind.startsWith('node.'))
    .map((c): NodeStatusRow => {
      const paths = drift.get(c.address) ?? c.attributes.map((a) => a.path);
      const sync = c.action === 'noop' ? 'in sync' : c.before === null || c.action === 'create' ? 'missing' : 'drifted';
      return { address: c.address, kind: c.kind, sync, drift: sync === 'in sync' ? [] : paths };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** Aligned like the guest table; empty when there are no node resources. */
export function renderNodeStatus(rows: NodeStatusRow[]): string {
  if (rows.length === 0) return '';
  const width = Math.max('NODE RESOURCE'.length, ...rows.map((r) => r.address.length));
  const lines = rows.map((r) =>
    `${r.address.padEnd(width)}  ${r.sync}${r.drift.length > 0 ? ` (${r.drift.join(', ')})` : ''}`.trimEnd(),
  );
  return [`${'NODE RESOURCE'.padEnd(width)}  SYNC`, ...lines].join('\n') + '\n';
}
