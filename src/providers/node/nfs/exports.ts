/**
 * NFS exports for guest persistent data: each `nfs.exports` entry is exported only to the guests
 * that mount it (their static IPs, `ro` for read-only mounts) or to its explicit `clients`.
 * An export nobody uses is not exported at all: Phoenix never exports to "everyone".
 * Rendered as a file for /etc/exports.d (Debian's exportfs reads `*.exports` there), so
 * entries the admin keeps in /etc/exports are never touched.
 */
import { managedHeader } from '../managed-files.ts';
import type { Diagnostic } from '../../../errors.ts';
import { guestAddress, type NodeSource } from '../source.ts';

export interface ExportClient {
  host: string;
  options: string[];
}

export interface ExportLine {
  name: string;
  node: string;
  path: string;
  clients: ExportClient[];
}

export interface DerivedExports {
  exports: ExportLine[];
  diagnostics: Diagnostic[];
}

function withAccess(options: string[], readOnly: boolean): string[] {
  const rest = options.filter((option) => option !== 'rw' && option !== 'ro');
  const declared = options.includes('ro') ? 'ro' : 'rw';
  return [readOnly ? 'ro' : declared, ...rest];
}

export function deriveExports(source: NodeSource): DerivedExports {
  const diagnostics: Diagnostic[] = [];
  const firstNode = source.cluster.nodes[0]?.name ?? source.guests[0]?.node ?? 'pve';
  const exports: ExportLine[] = [];
  for (const entry of source.nfs.exports) {
    const clients = new Map<string, ExportClient>();
    if (entry.clients.length > 0) {
      for (const host of entry.clients) clients.set(host, { host, options: withAccess(entry.options, false) });
    } else {
      for (const guest of source.guests) {
        const mounts = guest.mounts.filter((mount) => mount.nfs === entry.name);
        if (mounts.length === 0) continue;
        const ip = guestAddress(guest);
        if (ip === undefined) {
          diagnostics.push({
            severity: 'error',
            code: 'E_NFS_DHCP_CLIENT',
            message: `guest ${guest.id} (${guest.name}) mounts NFS export ${entry.name} but has no static address to export to`,
            hint: 'give the guest a static ip, or list the allowed clients in nfs.exports[].clients',
          });
          continue;
        }
        const readOnly = mounts.every((mount) => mount.readOnly);
        clients.set(ip, { host: ip, options: withAccess(entry.options, readOnly) });
      }
    }
    if (clients.size === 0) {
      diagnostics.push({
        severity: 'warning',
        code: 'W_NFS_UNUSED',
        message: `NFS export ${entry.name} (${entry.path}) is used by no guest: it is not exported`,
      });
      continue;
    }
    const sorted = [...clients.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    exports.push({ name: entry.name, node: entry.node ?? firstNode, path: entry.path, clients: sorted });
  }
  exports.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { exports, diagnostics };
}

/** exports(5) syntax: the path, then `host(opt,opt)` per client. Paths with spaces are quoted. */
export function renderExports(exports: ExportLine[], environment?: string): string {
  const header = managedHeader(environment);
  const lines = exports.map((line) => {
    const path = /\s/.test(line.path) ? `"${line.path}"` : line.path;
    return `${path} ${line.clients.map((client) => `${client.host}(${client.options.join(',')})`).join(' ')}\n`;
  });
  return header + lines.join('');
}

/** Parse exports(5) text back into lines: used by tests and to explain drift precisely. */
export function parseExports(text: string): { path: string; clients: ExportClient[] }[] {
  const result: { path: string; clients: ExportClient[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const match = /^("[^"]+"|\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`bad exports line: ${line}`);
    const path = (match[1] as string).replace(/^"|"$/g, '');
    const clients = (match[2] as string).split(/\s+/).map((word) => {
      const client = /^([^()]+)\(([^()]*)\)$/.exec(word);
      if (!client) throw new Error(`bad exports client: ${word}`);
      return { host: client[1] as string, options: (client[2] as string).split(',') };
    });
    result.push({ path, clients });
  }
  return result;
}
