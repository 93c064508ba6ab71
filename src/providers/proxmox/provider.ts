/**
 * The proxmox provider module: guests (LXC containers, QEMU VMs, VM templates) and the storage
 * files they come from. Composes the existing derivation and handlers into the provider
 * contract and names the references a guest makes (bridge, storage, the NFS export it mounts)
 * explicitly — the graph's only source of implicit edges.
 */
import type { PhoenixConfig } from '../../config/schema.ts';
import type { PowerRequest, Resource, ResourceRef } from '../../engine/handler.ts';
import { nfsExportRef } from '../node/provider.ts';
import { defineProvider, type StatusDetails } from '../provider.ts';
import { asRetryable } from '../pve-retry.ts';
import { bridgeRef, storageRef } from '../pve-host/refs.ts';
import { deriveResources, FILE_KIND, GUEST_KIND } from './derive.ts';
import type { ObservedGuest } from './diff.ts';
import { createFileHandler } from './file-handler.ts';
import { createGuestHandler } from './guest-handler.ts';
import { createHaHandlers, deriveHa, HA_GROUP_KIND, HA_KIND } from './ha.ts';
import { ensureRunning, shutdownGuest } from './guest-ops.ts';
import { guestImporter, importGuest } from './import.ts';
import { guestAddress, type GuestSpec, type StorageFileSpec } from './spec.ts';

function unique(refs: (ResourceRef | undefined)[]): ResourceRef[] {
  const seen = new Map<string, ResourceRef>();
  for (const r of refs) if (r && !seen.has(r.address)) seen.set(r.address, r);
  return [...seen.values()];
}

/** The host objects and node resources a guest uses, field by field (no generic key walking). */
export function guestReferences(spec: GuestSpec, config: PhoenixConfig): ResourceRef[] {
  const guest = config.guests.find((g) => g.id === spec.vmid);
  return unique([
    ...spec.net.map((n) => bridgeRef(spec.node, n.bridge)),
    spec.disk ? storageRef(spec.disk.storage) : undefined,
    spec.source.kind === 'image' ? storageRef(spec.source.storage) : undefined,
    ...spec.mounts.map((m) => storageRef(m.storage)),
    ...(guest?.mounts ?? []).map((m) => (m.nfs === undefined ? undefined : nfsExportRef(config, m.nfs))),
  ]);
}

function withReferences(r: Resource, config: PhoenixConfig): Resource {
  const references =
    r.kind === GUEST_KIND
      ? guestReferences(r.desired as GuestSpec, config)
      : [storageRef((r.desired as StorageFileSpec).storage)];
  return references.length > 0 ? { ...r, references } : r;
}

function ipOf(spec: GuestSpec): string {
  const ips = spec.net.map((n) => (n.ip && n.ip !== 'dhcp' ? n.ip.split('/')[0] : n.ip)).filter(Boolean);
  return ips.length > 0 ? ips.join(', ') : '-';
}

export const proxmoxProvider = defineProvider({
  name: 'proxmox',
  sections: ['guests', 'templates', 'defaults'],
  kinds: [FILE_KIND, GUEST_KIND, HA_GROUP_KIND, HA_KIND],
  alwaysDiscover: [GUEST_KIND],
  keptOnDestroy: { [FILE_KIND]: 'downloaded OS templates and cloud images are left on the storage' },
  derive: ({ config }) => ({
    resources: [...deriveResources(config).all.map((r) => withReferences(r, config)), ...deriveHa(config)],
  }),
  handlers(rt) {
    const guests = createGuestHandler({
      client: rt.proxmox(),
      resolveSecret: rt.resolveSecret,
      taskTimeoutMs: rt.taskTimeoutMs,
      isAdopted: (vmid, observed) => rt.isAdopted(guestAddress(vmid), observed),
      environment: rt.identity,
    });
    return [
      ...createHaHandlers(rt.proxmox()),
      createFileHandler({ client: rt.proxmox(), taskTimeoutMs: rt.taskTimeoutMs }),
      {
        ...guests,
        import: (req) => importGuest(rt.proxmox(), req),
        powerable: (resource: Resource<GuestSpec>) => !resource.desired.isTemplate,
        async power({ ctx, resource, action, observed }: PowerRequest<GuestSpec, ObservedGuest>) {
          const spec = resource.desired;
          const ops = {
            client: rt.proxmox(),
            signal: ctx.signal,
            taskTimeoutMs: rt.taskTimeoutMs ?? 600_000,
            sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
          };
          // Where it is now (a migrated guest is powered where it runs).
          const g = { vmid: spec.vmid, node: observed?.node ?? spec.node, type: spec.type, address: resource.address };
          if (action === 'start') {
            // Retried like a create (transient faults): a start step of its own after a phased create.
            await ensureRunning(ops, g).catch((error: unknown) => Promise.reject(asRetryable(error, resource.address)));
          }
          // A clean shutdown with the guest's declared timeout and fallback, never a plain power-off.
          else await shutdownGuest(ops, g, spec.restart);
        },
      },
    ];
  },
  importer: guestImporter,
  statusDetails(resource, found): StatusDetails {
    if (resource?.kind !== GUEST_KIND && found?.kind !== GUEST_KIND) return {};
    const spec = resource?.desired as GuestSpec | undefined;
    const observed = found?.observed as ObservedGuest | undefined;
    return {
      id: String(spec?.vmid ?? observed?.vmid ?? ''),
      name: spec?.name ?? observed?.name ?? '',
      type: spec?.type ?? observed?.type ?? '',
      node: observed?.node ?? spec?.node ?? '',
      ip: spec ? ipOf(spec) : '-',
      status: observed ? (observed.template ? 'template' : observed.status) : '-',
    };
  },
  resolveName(text, resources) {
    const guests = resources.filter((r) => r.kind === GUEST_KIND);
    if (/^\d+$/.test(text)) return guests.find((g) => g.address === guestAddress(Number(text)))?.address;
    return guests.find((g) => (g.desired as GuestSpec).name === text)?.address;
  },
});
