/**
 * Storage config CRUD, per-node status and content, aplinfo and download-url (spec A.6, §6.2).
 */
import { createHash } from 'node:crypto';
import { accessOf, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, requireNode, type SimContext } from '../state/context.ts';
import { GiB } from '../state/props.ts';
import { SUPPORTED_CONTENT, type StorageConfig, type StorageType } from '../state/storage.ts';
import { route, strParam } from './envelope.ts';
import { startTask } from './guest-ops.ts';

/** A small, realistic appliance index (system templates). */
export const APLINFO = [
  [
    'debian-12-standard_12.7-1_amd64.tar.zst',
    'debian-12-standard',
    '12.7-1',
    'debian-12',
    'Debian 12 Bookworm (standard)',
  ],
  [
    'debian-11-standard_11.7-1_amd64.tar.zst',
    'debian-11-standard',
    '11.7-1',
    'debian-11',
    'Debian 11 Bullseye (standard)',
  ],
  [
    'ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
    'ubuntu-24.04-standard',
    '24.04-2',
    'ubuntu-24.04',
    'Ubuntu 24.04 Noble (standard)',
  ],
  [
    'ubuntu-22.04-standard_22.04-1_amd64.tar.zst',
    'ubuntu-22.04-standard',
    '22.04-1',
    'ubuntu-22.04',
    'Ubuntu 22.04 Jammy (standard)',
  ],
  [
    'alpine-3.20-default_20240908_amd64.tar.xz',
    'alpine-3.20-default',
    '20240908',
    'alpine-3.20',
    'Alpine Linux 3.20 (default)',
  ],
].map(([template, pkg, version, os, headline]) => ({
  template,
  package: pkg,
  version,
  os,
  headline,
  section: 'system',
  type: 'lxc',
  architecture: 'amd64',
  maintainer: 'Proxmox Support Team <support@proxmox.com>',
  source: `http://download.proxmox.com/images/system/${template}`,
  location: `http://download.proxmox.com/images/system/${template}`,
  infopage: 'https://pve.proxmox.com/wiki/Linux_Container#pct_supported_distributions',
  description: headline,
  sha512sum: createHash('sha512').update(String(template)).digest('hex'),
}));

function formatOf(file: string): string {
  const m = /\.(tar\.zst|tar\.xz|tar\.gz|iso|img|qcow2|raw)$/.exec(file);
  return (
    { 'tar.zst': 'tzst', 'tar.xz': 'txz', 'tar.gz': 'tgz', iso: 'iso', img: 'raw', qcow2: 'qcow2', raw: 'raw' }[
      m?.[1] ?? ''
    ] ?? 'raw'
  );
}

/** Where each content type lives below a file storage's path (pvesm.adoc "Storage directory layout"). */
const FILE_DIR: Record<string, string> = {
  vztmpl: 'template/cache',
  iso: 'template/iso',
  import: 'import',
  backup: 'dump',
  snippets: 'snippets',
};

const CONTENT_DIR: Record<string, string> = {
  vztmpl: 'vztmpl',
  iso: 'iso',
  import: 'import',
  backup: 'backup',
  snippets: 'snippets',
};

function configRow(c: StorageConfig): Record<string, unknown> {
  const { capacity: _capacity, nodes, content, ...rest } = c;
  return {
    ...rest,
    content: [...content].sort().join(','),
    ...(nodes ? { nodes: nodes.join(',') } : {}),
    digest: createHash('sha1').update(JSON.stringify(c)).digest('hex'),
  };
}

/** Storage lists show entries with Datastore.Audit or Datastore.AllocateSpace (spec A.6). */
function canSeeStorage(req: SimRequest, storage: string): boolean {
  return accessOf(req).has(`/storage/${storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true);
}

export function storageRoutes(ctx: SimContext): SimRoute[] {
  const download = (
    node: string,
    storage: string,
    content: string,
    filename: string,
    size: number,
    user: Parameters<typeof startTask>[1],
  ): string => {
    const c = ctx.storage.get(storage);
    if (!c.content.includes(content))
      throw new SimApiError(500, `storage '${storage}' is not configured for content-type '${content}'`);
    return startTask(ctx, user, { node }, 'download', filename, async (task) => {
      task.log(`downloading ${filename} to ${c.path ?? '/var/lib/vz'}/${FILE_DIR[content] ?? content}/${filename}`);
      await task.sleep(duration(ctx, 'download'));
      task.log(`download of '${filename}' finished`);
      ctx.storage.add(node, {
        volid: `${storage}:${CONTENT_DIR[content] ?? content}/${filename}`,
        content,
        format: formatOf(filename),
        size,
        ctime: Math.floor(ctx.clock.now() / 1000),
      });
    });
  };
  return [
    route('GET', '/storage', (req) => {
      const type = strParam(req.params, 'type');
      return [...ctx.storage.configs.values()]
        .filter((c) => (!type || c.type === type) && canSeeStorage(req, c.storage))
        .map(configRow);
    }),
    route('GET', '/storage/{storage}', (req) => configRow(ctx.storage.get(String(req.params.storage)))),
    route('POST', '/storage', (req) => {
      const p = req.params;
      const id = String(p.storage);
      if (ctx.storage.configs.has(id))
        throw new SimApiError(500, `create storage failed: storage ID '${id}' already defined`);
      const type = String(p.type) as StorageType;
      if (!(type in SUPPORTED_CONTENT))
        throw new SimApiError(400, 'Parameter verification failed.', {
          type: `storage type '${type}' is not supported by the simulator`,
        });
      // Plugin defaults (pve-storage `plugindata`): nfs `images`, the others `images,rootdir`.
      const requested =
        typeof p.content === 'string' ? p.content.split(',') : type === 'nfs' ? ['images'] : ['images', 'rootdir'];
      // `decode_value` warns about and drops unsupported types; nothing left is an error.
      const content = requested.filter((ct) => SUPPORTED_CONTENT[type].includes(ct));
      if (content.length === 0) {
        throw new SimApiError(400, 'Parameter verification failed.', {
          content: "storage does not support content type 'none'",
        });
      }
      const required: Record<StorageType, string[]> = {
        dir: ['path'],
        nfs: ['server', 'export'],
        zfspool: ['pool'],
        lvmthin: ['vgname', 'thinpool'],
      };
      const errors: Record<string, string> = {};
      for (const key of required[type])
        if (p[key] === undefined) errors[key] = 'property is missing and it is not optional';
      if (Object.keys(errors).length > 0) throw new SimApiError(400, 'Parameter verification failed.', errors);
      const cfg: StorageConfig = { storage: id, type, content, capacity: 1000 * GiB };
      for (const key of ['path', 'pool', 'vgname', 'thinpool', 'server', 'export', 'format'] as const)
        if (typeof p[key] === 'string') cfg[key] = p[key];
      if (type === 'nfs') cfg.path ??= `/mnt/pve/${id}`;
      if (typeof p.nodes === 'string') cfg.nodes = p.nodes.split(',');
      if (p.shared !== undefined) cfg.shared = Number(p.shared);
      if (p.disable !== undefined) cfg.disable = Number(p.disable);
      ctx.storage.configs.set(id, cfg);
      return { storage: id, type };
    }),
    route('PUT', '/storage/{storage}', (req) => {
      const c = ctx.storage.get(String(req.params.storage));
      const p = req.params;
      if (typeof p.content === 'string') c.content = p.content.split(',');
      if (typeof p.nodes === 'string') c.nodes = p.nodes.split(',');
      if (p.disable !== undefined) c.disable = Number(p.disable);
      if (p.shared !== undefined) c.shared = Number(p.shared);
      return { storage: c.storage, type: c.type };
    }),
    route('DELETE', '/storage/{storage}', (req) => {
      ctx.storage.get(String(req.params.storage));
      ctx.storage.configs.delete(String(req.params.storage));
      return null;
    }),
    route('GET', '/nodes/{node}/storage', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const content = strParam(req.params, 'content');
      return [...ctx.storage.configs.values()]
        .filter(
          (c) =>
            ctx.storage.availableOn(c, node) &&
            (!content || c.content.includes(content)) &&
            canSeeStorage(req, c.storage),
        )
        .map((c) => {
          const used = ctx.storage.used(node, c.storage);
          return {
            storage: c.storage,
            type: c.type,
            content: [...c.content].sort().join(','),
            active: 1,
            enabled: c.disable ? 0 : 1,
            shared: ctx.storage.isShared(c) ? 1 : 0,
            total: c.capacity,
            used,
            avail: c.capacity - used,
            used_fraction: used / c.capacity,
          };
        });
    }),
    route('GET', '/nodes/{node}/storage/{storage}', (req) => {
      requireNode(ctx, req.params.node);
      ctx.storage.get(String(req.params.storage));
      return ['content', 'download-url', 'status'].map((subdir) => ({ subdir }));
    }),
    route('GET', '/nodes/{node}/storage/{storage}/status', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const c = ctx.storage.get(String(req.params.storage));
      if (!ctx.storage.availableOn(c, node))
        throw new SimApiError(500, `storage '${c.storage}' is not available on node '${node}'`);
      const used = ctx.storage.used(node, c.storage);
      return {
        type: c.type,
        content: [...c.content].sort().join(','),
        active: 1,
        enabled: c.disable ? 0 : 1,
        shared: ctx.storage.isShared(c) ? 1 : 0,
        total: c.capacity,
        used,
        avail: c.capacity - used,
      };
    }),
    route('GET', '/nodes/{node}/storage/{storage}/content', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const content = strParam(req.params, 'content');
      const vmid = req.params.vmid;
      return ctx.storage
        .list(node, String(req.params.storage))
        .filter((v) => (!content || v.content === content) && (vmid === undefined || v.vmid === vmid))
        .map((v) => ({ ...v, ...(v.content === 'images' || v.content === 'rootdir' ? { used: 0 } : {}) }));
    }),
    route('DELETE', '/nodes/{node}/storage/{storage}/content/{volume}', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const storage = String(req.params.storage);
      const volume = String(req.params.volume);
      const volid = volume.includes(':') ? volume : `${storage}:${volume}`;
      const vol = ctx.storage.find(node, volid);
      // pve-storage: Datastore.Allocate on the storage (backups: AllocateSpace + VM.Backup).
      const backupOwner = /vzdump-(?:qemu|lxc)-(\d+)-/.exec(volid)?.[1];
      const access = accessOf(req);
      if (backupOwner !== undefined && access.has(`/vms/${backupOwner}`, ['VM.Backup']))
        access.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
      else access.check(`/storage/${storage}`, ['Datastore.Allocate']);
      if (!vol) throw new SimApiError(500, `volume '${volid}' does not exist`);
      return startTask(ctx, req, { node }, 'imgdel', `${vol.vmid ?? ''}@${storage}`, async (task) => {
        await task.sleep(duration(ctx, 'imgdel'));
        ctx.storage.free(node, volid);
        task.log(`Removed volume '${volid}'`);
      });
    }),
    route('GET', '/nodes/{node}/aplinfo', (req) => {
      requireNode(ctx, req.params.node);
      return APLINFO;
    }),
    route('POST', '/nodes/{node}/aplinfo', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const storage = String(req.params.storage);
      const entry = APLINFO.find((a) => a.template === req.params.template);
      if (!entry) throw new SimApiError(400, 'Parameter verification failed.', { template: 'no such template' });
      if (!ctx.storage.get(storage).content.includes('vztmpl'))
        throw new SimApiError(500, `storage '${storage}' does not support templates`);
      return download(node, storage, 'vztmpl', String(entry.template), 130 * 1024 * 1024, req);
    }),
    route('POST', '/nodes/{node}/storage/{storage}/download-url', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const filename = String(req.params.filename);
      const c = ctx.storage.get(String(req.params.storage));
      // pve-storage Status.pm download_url: only file-based storages (with a path) qualify.
      if (c.type !== 'dir' && c.type !== 'nfs') {
        throw new SimApiError(500, `can't upload to storage type '${c.type}', not a file based storage!`);
      }
      const size = ctx.downloadSizes[filename] ?? 512 * 1024 * 1024;
      return download(node, String(req.params.storage), String(req.params.content), filename, size, req);
    }),
  ];
}
