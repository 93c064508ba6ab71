import { describe, expect, it } from 'vitest';
import type { Resource } from '../../engine/handler.ts';
import { linkToHost } from './link.ts';

const host: Resource[] = [
  { address: 'bridge.pve.vmbr1', kind: 'pve.bridge', desired: {}, dependsOn: [] },
  { address: 'storage.tank', kind: 'pve.storage', desired: {}, dependsOn: [] },
];

describe('linkToHost', () => {
  it('adds edges to the bridges (on the same node) and storages a resource uses', () => {
    const guest: Resource = {
      address: 'guest.101',
      kind: 'proxmox.guest',
      node: 'pve',
      dependsOn: ['guest.103'],
      desired: {
        nets: [{ bridge: 'vmbr1' }, { bridge: 'vmbr7' }],
        disk: { storage: 'tank' },
        mounts: [{ storage: 'other' }],
      },
    };
    const [linked] = linkToHost([guest], host);
    expect(linked?.dependsOn).toEqual(['guest.103', 'bridge.pve.vmbr1', 'storage.tank']);
  });

  it('leaves resources on other nodes or without host objects unchanged (same object)', () => {
    const other: Resource = {
      address: 'guest.9',
      kind: 'k',
      node: 'pve2',
      dependsOn: [],
      desired: { bridge: 'vmbr1' },
    };
    expect(linkToHost([other], host)[0]).toBe(other);
  });
});
