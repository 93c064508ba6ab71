/**
 * The `proxmox.file` resource handler: a file that must be present on a node's storage — an
 * LXC OS template (fetched through PVE's appliance index, `aplinfo`, or `download-url`) or a
 * VM cloud image (`download-url` into `import`/`iso` content). Observation is one content
 * listing per (node, storage, content type). Files are never deleted by Phoenix: guests and
 * templates may still be built from them.
 */
import { clusterResources, unreachableDiagnostic } from '../cluster-view.ts';
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type {
  ApplyResponse,
  CreateRequest,
  DiffResponse,
  ObserveAllRequest,
  ObserveAllResponse,
  ObserveRequest,
  ObserveResponse,
  ResourceHandler,
} from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import { FILE_KIND } from './derive.ts';
import { asRetryable } from '../pve-retry.ts';
import { volid, type StorageFileSpec } from './spec.ts';

export interface ObservedFile {
  volid: string;
  size?: number;
}

export interface FileHandlerOptions {
  client: ProxmoxClient;
  taskTimeoutMs?: number;
}

export function createFileHandler(options: FileHandlerOptions): ResourceHandler<StorageFileSpec, ObservedFile> {
  const { client } = options;
  const handler: ResourceHandler<StorageFileSpec, ObservedFile> = {
    kind: FILE_KIND,

    async observeAll(req: ObserveAllRequest<StorageFileSpec>): Promise<ObserveAllResponse<ObservedFile>> {
      // One listing per (node, storage): filtered by content type when only one is wanted there,
      // unfiltered (and filtered here) when several are (an OS template and a cloud image on `local`).
      // A storage `/cluster/resources` marks shared holds the same volumes from every node: one
      // listing (through any online node) answers for all of them.
      const rows = req.resources.length > 0 ? await clusterResources(client, req.ctx) : [];
      const offline = new Set(
        rows.filter((r) => r.type === 'node' && r.status !== 'online').map((r) => String(r.node)),
      );
      const shared = new Set(
        rows.filter((r) => r.type === 'storage' && Number(r.shared ?? 0) === 1).map((r) => String(r.storage)),
      );
      const groups = new Map<string, { nodes: Set<string>; storage: string; contents: Set<string> }>();
      for (const r of req.resources) {
        const d = r.desired;
        // A node that is down: its files are unknown (never downloaded again elsewhere or twice).
        if (offline.has(d.node)) continue;
        const key = shared.has(d.storage) ? `*|${d.storage}` : `${d.node}|${d.storage}`;
        const group = groups.get(key) ?? { nodes: new Set<string>(), storage: d.storage, contents: new Set<string>() };
        group.nodes.add(d.node);
        group.contents.add(d.content);
        groups.set(key, group);
      }
      const present = new Map<string, ObservedFile>();
      const unknown = req.resources
        .filter((r) => offline.has(r.desired.node))
        .map((r) => ({
          address: r.address,
          diagnostic: unreachableDiagnostic(r.desired.node, `file ${volid(r.desired)}`),
        }));
      await Promise.all(
        [...groups.values()].map(async (g) => {
          const only = g.contents.size === 1 ? [...g.contents][0] : undefined;
          const via = [...g.nodes].sort()[0] as string;
          const items = await client.storage.content(via, g.storage, only ? { content: only } : {});
          for (const item of items) {
            if (only === undefined && !g.contents.has(String(item.content))) continue;
            for (const node of g.nodes) present.set(`${node}|${item.volid}`, { volid: item.volid, size: item.size });
          }
        }),
      );
      const found = [];
      for (const r of req.resources) {
        const hit = present.get(`${r.desired.node}|${volid(r.desired)}`);
        if (hit) found.push({ address: r.address, kind: FILE_KIND, observed: hit, node: r.desired.node });
      }
      return { found, unknown };
    },

    async observe(req: ObserveRequest<StorageFileSpec>): Promise<ObserveResponse<ObservedFile>> {
      // A context of its own: the cluster read shared within one plan is never reused here.
      const all = await handler.observeAll!({ ctx: { ...req.ctx }, resources: [req.resource] });
      const hit = all.found[0];
      return hit ? { observed: hit.observed, node: hit.node } : { observed: null };
    },

    diff(req): DiffResponse {
      const base = { changes: [], requiresReplace: [], requiresRestart: false };
      if (req.observed) return { ...base, action: 'noop', reasons: [] };
      const d = req.resource.desired;
      const how = d.source === 'aplinfo' ? "from PVE's appliance index" : `from ${d.url ?? '(no url)'}`;
      return { ...base, action: 'create', reasons: [`${volid(d)} is missing on ${d.node}: download ${how}`] };
    },

    async create(req: CreateRequest<StorageFileSpec>): Promise<ApplyResponse<ObservedFile>> {
      const d = req.resource.desired;
      try {
        let upid: string;
        if (d.source === 'aplinfo') {
          upid = await client.storage.downloadTemplate(d.node, d.storage, d.filename);
        } else {
          if (!d.url) {
            throw new ProviderError(`${d.name}: no url to download ${d.filename} from`, {
              code: 'E_FILE_SOURCE',
              resource: req.resource.address,
              hint: 'set `url` on the template, or `source: aplinfo` for appliance templates',
            });
          }
          upid = await client.storage.downloadUrl(d.node, d.storage, {
            url: d.url,
            filename: d.filename,
            content: d.content,
            ...(d.checksum ? { checksum: d.checksum.value, 'checksum-algorithm': d.checksum.algorithm } : {}),
          });
        }
        await req.ctx.journal.note({ upid, node: d.node });
        await client.waitForTask(d.node, upid, {
          timeoutMs: options.taskTimeoutMs ?? 1_800_000,
          signal: req.ctx.signal,
          resource: req.resource.address,
        });
      } catch (error) {
        throw asRetryable(error, req.resource.address);
      }
      return { observed: { volid: volid(d) } };
    },

    async update(): Promise<ApplyResponse<ObservedFile>> {
      return {};
    },

    async delete(): Promise<ApplyResponse<ObservedFile>> {
      return {};
    },
  };
  return handler;
}
