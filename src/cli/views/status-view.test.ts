import { describe, expect, it } from 'vitest';
import type { StatusRow } from '../../engine/index.ts';
import { renderStatus } from './status-view.ts';

const row = (over: Partial<StatusRow>): StatusRow => ({
  kind: 'proxmox.guest',
  address: 'guest.101',
  sync: 'in sync',
  health: 'healthy',
  conditions: [],
  drift: [],
  details: {},
  ...over,
});

describe('status view', () => {
  it('groups rows by kind, aligns the provider columns, then HEALTH and SYNC', () => {
    const text = renderStatus({
      errors: [],
      notManaged: ['routes', 'stacks'],
      rows: [
        row({ details: { id: '101', name: 'gw', status: 'running' } }),
        row({
          address: 'guest.1002',
          health: 'progressing',
          sync: 'drifted',
          drift: ['status'],
          details: { id: '1002', name: 'worker', status: 'stopped' },
        }),
        row({
          kind: 'proxmox.guest',
          address: 'guest.1003',
          sync: 'conflict',
          health: 'unknown',
          details: { id: '1003', name: 'x', status: 'running' },
          conditions: [
            {
              type: 'Managed',
              status: 'False',
              reason: 'E_PVE_VMID_TAKEN',
              message: 'vmid 1003 exists (lxc on pve) but is not managed by Phoenix',
              lastTransitionTime: '2026-01-01T00:00:00.000Z',
            },
          ],
        }),
        row({ kind: 'node.dns', address: 'node.pve.dns', sync: 'unknown', health: 'unknown' }),
      ],
    });
    expect(text.split('\n')).toEqual([
      'proxmox.guest (3)',
      'ID    NAME    STATUS   HEALTH       SYNC',
      '101   gw      running  healthy      in sync',
      '1002  worker  stopped  progressing  drifted (status)',
      '1003  x       running  unknown      conflict',
      '  guest.1003: vmid 1003 exists (lxc on pve) but is not managed by Phoenix',
      '',
      'node.dns (1)',
      'ADDRESS       HEALTH   SYNC',
      'node.pve.dns  unknown  unknown',
      '',
      'Declared, not managed by this version: routes, stacks',
      '',
    ]);
  });
});
