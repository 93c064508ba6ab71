/**
 * Per-guest figures shared by list endpoints, status/current and /cluster/resources:
 * name, memory, disk, cpus, uptime — derived from the config the way `vmstatus` does.
 */
import type { SimContext } from '../state/context.ts';
import { DISK_KEY_RE, type Guest } from '../state/guests.ts';
import { parseProps, parseSize, FORMATS } from '../state/props.ts';

export interface GuestSummary {
  name: string;
  maxmem: number;
  mem: number;
  maxdisk: number;
  cpus: number;
  uptime: number;
  template: number;
}

const MiB = 1024 * 1024;

export function memoryMiB(guest: Guest): number {
  const m = guest.config.memory;
  if (m === undefined) return guest.type === 'qemu' ? 2048 : 512;
  if (typeof m === 'number') return m;
  // QEMU 8.x `memory` is a property string `[current=]<MiB>`.
  const match = /(?:^|current=)(\d+)/.exec(m);
  return match ? Number(match[1]) : 512;
}

/** Disk value → size; /cluster/resources over 1,000 guests must not re-parse every call. */
const sizeCache = new Map<string, number>();

function cachedSize(value: string, lxc: boolean): number {
  let size = sizeCache.get(value);
  if (size === undefined) {
    size = parseSize(parseProps(value, lxc ? FORMATS.lxcRootfs : FORMATS.qemuDisk).size ?? '0') ?? 0;
    if (sizeCache.size > 50_000) sizeCache.clear();
    sizeCache.set(value, size);
  }
  return size;
}

function rootDiskSize(guest: Guest): number {
  const c = guest.config;
  if (guest.type === 'lxc') {
    if (typeof c.rootfs !== 'string') return 0;
    return cachedSize(c.rootfs, true);
  }
  const boot = typeof c.bootdisk === 'string' ? c.bootdisk : undefined;
  let key = boot;
  if (!key) {
    // Object.keys over for…in: ~30% cheaper on these many-shaped config objects.
    for (const k of Object.keys(c)) {
      // Cheap first-letter filter before the regex: most keys (name, cores, net0…) are no disk.
      const first = k.charCodeAt(0);
      if (first !== 115 && first !== 105 && first !== 118 && first !== 101 && first !== 116) continue; // s i v e t
      if (DISK_KEY_RE.test(k) && !String(c[k]).includes('media=cdrom')) {
        key = k;
        break;
      }
    }
  }
  const value = key ? c[key] : undefined;
  return typeof value === 'string' ? cachedSize(value, false) : 0;
}

export function guestSummary(ctx: SimContext, guest: Guest): GuestSummary {
  const c = guest.config;
  const maxmem = memoryMiB(guest) * MiB;
  const running = guest.status === 'running';
  const cores =
    typeof c.cores === 'number' ? c.cores : guest.type === 'qemu' ? 1 : (ctx.nodes.get(guest.node)?.cores ?? 1);
  const sockets = typeof c.sockets === 'number' ? c.sockets : 1;
  const name =
    guest.type === 'qemu'
      ? typeof c.name === 'string'
        ? c.name
        : `VM ${guest.vmid}`
      : typeof c.hostname === 'string'
        ? c.hostname
        : `CT${guest.vmid}`;
  return {
    name,
    maxmem,
    mem: running ? Math.floor(maxmem * 0.25) : 0,
    maxdisk: rootDiskSize(guest),
    cpus: guest.type === 'qemu' ? cores * sockets : cores,
    uptime: running && guest.startedAt !== undefined ? Math.floor((ctx.clock.now() - guest.startedAt) / 1000) : 0,
    template: c.template === 1 ? 1 : 0,
  };
}
