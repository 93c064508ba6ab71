/**
 * `phoenix status` for the node shell's resources (dnsmasq records, NFS exports, their packages
 * and services) and the host objects: in sync, drifted (which files or attributes) or missing,
 * read from the same plan the guest rows come from. Pure: no I/O.
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
  return statusRows(plan, 'node.');
}

/**
 * The declared host objects (`pve.*`: bridges, ZFS pools, storages, pools, users, tokens, ACLs,
 * firewall), in the same shape: a refused replace (e.g. a ZFS layout change) is `drifted`.
 */
export function hostStatusRows(plan: Plan): NodeStatusRow[] {
  return statusRows(plan, 'pve.');
}

function statusRows(plan: Plan, kindPrefix: string): NodeStatusRow[] {
  const drift = new Map(plan.drift.map((d) => [d.address, d.paths]));
  return plan.changes
    .filter((c) => c.kind.startsWith(kindPrefix))
    .map((c): NodeStatusRow => {
      const paths = drift.get(c.address) ?? c.attributes.map((a) => a.path);
      const sync = c.action === 'noop' ? 'in sync' : c.before === null || c.action === 'create' ? 'missing' : 'drifted';
      return { address: c.address, kind: c.kind, sync, drift: sync === 'in sync' ? [] : paths };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** `phoenix status --json`: guests, node-shell resources and host objects, each with its sync state. */
export interface StatusDocument<GuestRow> {
  guests: GuestRow[];
  node: NodeStatusRow[];
  host: NodeStatusRow[];
}

export function statusDocument<GuestRow>(guests: GuestRow[], plan: Plan): StatusDocument<GuestRow> {
  return { guests, node: nodeStatusRows(plan), host: hostStatusRows(plan) };
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
