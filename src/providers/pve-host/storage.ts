/**
 * `pve.storage`: a storage definition of the datacenter (`/storage`, address `storage.<id>`)
 * with its content types, node restriction and shared flag.
 *
 * Ownership: storage.cfg has no comment or tag field, so a storage is Phoenix's exactly while it
 * is declared, and Phoenix never removes one (not even with prune): dropping a definition
 * orphans every volume on it, which stays a person's decision. The identity fields (type and
 * path/pool/server/export/vgname/thinpool) cannot be changed in place; a change is a replace,
 * and storages are `protected`, so such a plan is refused with the reason.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { Storage } from '../../config/schema.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { foreignClaims } from './claims.ts';
import { listHandler } from './list-handler.ts';
import { marker, type Marker } from './marker.ts';

export const STORAGE_KIND = 'pve.storage';

export type StorageDesired = Storage;

export interface StorageObserved {
  id: string;
  type: string;
  content: string[];
  nodes?: string[];
  shared: boolean;
  identity: Record<string, string>;
}

const IDENTITY = ['path', 'pool', 'server', 'export', 'vgname', 'thinpool'] as const;

export function storageAddress(id: string): string {
  return `storage.${id}`;
}

function identityOf(s: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of IDENTITY) if (typeof s[key] === 'string') out[key] = s[key];
  return out;
}

function csv(value: unknown): string[] {
  return String(value ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
    .sort();
}

/** `shared` is a flag of dir storages only (NFS is shared by nature, ZFS/LVM-thin are local). */
function sharedOf(type: string, shared: boolean): boolean {
  return type === 'dir' ? shared : type === 'nfs';
}

export function createStorageHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<StorageDesired, StorageObserved> {
  const { client } = deps;
  const m = deps.marker ?? marker();
  return listHandler<StorageDesired, StorageObserved>({
    kind: STORAGE_KIND,
    async list(ctx) {
      const rows = await client.storage.definitions();
      const claimed = await foreignClaims(client, m, ctx);
      return rows.map((row) => {
        const id = String(row.storage);
        const type = String(row.type);
        return {
          address: storageAddress(id),
          observed: {
            id,
            type,
            content: csv(row.content),
            ...(row.nodes ? { nodes: csv(row.nodes) } : {}),
            shared: sharedOf(type, Number(row.shared ?? 0) === 1),
            identity: identityOf(row),
          },
          owned: false,
          ...(claimed.has(storageAddress(id)) ? { foreign: claimed.get(storageAddress(id)) } : {}),
          summary: `${type} storage ${id}`,
        };
      });
    },
    diff({ resource, observed }) {
      const d = resource.desired;
      if (!observed) return verdict(false, []);
      const identity = attributeChanges(
        { type: d.type, ...identityOf(d) },
        { type: observed.type, ...observed.identity },
      );
      const changes = [
        ...identity.map((c) => ({ ...c, forcesReplacement: true })),
        ...attributeChanges(
          {
            content: [...d.content].sort(),
            nodes: d.nodes ? [...d.nodes].sort() : null,
            shared: sharedOf(d.type, d.shared),
          },
          { content: observed.content, nodes: observed.nodes ?? null, shared: observed.shared },
        ),
      ];
      if (identity.length > 0)
        return {
          ...verdict(true, changes),
          action: 'replace',
          requiresReplace: identity.map((c) => c.path),
          reasons: identity.map((c) => `${c.path} cannot change in place (${String(c.before)} -> ${String(c.after)})`),
        };
      return verdict(true, changes);
    },
    async create(_ctx, r) {
      const d = r.desired;
      await client.request('POST', '/storage', {
        storage: d.id,
        type: d.type,
        content: d.content.join(','),
        ...identityOf(d),
        ...(d.nodes ? { nodes: d.nodes.join(',') } : {}),
        ...(d.type === 'dir' && d.shared ? { shared: 1 } : {}),
      });
    },
    async update(_ctx, r, observed) {
      const d = r.desired;
      const del = !d.nodes && observed.nodes ? ['nodes'] : [];
      await client.request('PUT', `/storage/${encodeURIComponent(d.id)}`, {
        content: d.content.join(','),
        ...(d.nodes ? { nodes: d.nodes.join(',') } : {}),
        ...(d.type === 'dir' && d.shared !== observed.shared ? { shared: d.shared ? 1 : 0 } : {}),
        ...(del.length > 0 ? { delete: del.join(',') } : {}),
      });
    },
    remove() {
      // Never reached (storages are never found as owned-but-undeclared); kept explicit.
      return Promise.reject(new Error('Phoenix never removes a storage definition'));
    },
  });
}
