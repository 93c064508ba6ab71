/**
 * Seeded randomness (mulberry32) so a simulator run is replayable: MAC addresses, pids,
 * UUIDs and DHCP leases come from here, never from Math.random.
 */

export interface SimRandom {
  /** A float in [0, 1). */
  next(): number;
  int(minInclusive: number, maxExclusive: number): number;
  hex(bytes: number): string;
  /** A MAC with the Proxmox OUI `BC:24:11` (spec §6.1, datacenter `mac_prefix` default). */
  mac(): string;
  uuid(): string;
  /** Current generator state, for persistence. */
  state(): number;
  /** Continues from a persisted state (so MACs after a restart do not repeat). */
  restore(state: number): void;
}

export function createRandom(seed: number): SimRandom {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const byte = (): string =>
    Math.floor(next() * 256)
      .toString(16)
      .padStart(2, '0')
      .toUpperCase();
  const hex = (bytes: number): string => Array.from({ length: bytes }, byte).join('').toLowerCase();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
    hex,
    mac: () => `BC:24:11:${byte()}:${byte()}:${byte()}`,
    uuid() {
      const h = hex(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    state: () => s,
    restore: (state) => {
      s = state >>> 0;
    },
  };
}
