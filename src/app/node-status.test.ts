import { describe, expect, it } from 'vitest';
import type { Plan, ResourceChange } from '../engine/index.ts';
import { hostStatusRows, nodeStatusRows, renderNodeStatus, statusDocument } from './node-status.ts';

function change(address: string, action: ResourceChange['action'], before: unknown = {}): ResourceChange {
  return {
    address,
    kind: address.startsWith('guest.') ? 'proxmox.guest' : `node.${address.split('.')[2] ?? ''}`,
    action,
    before,
    after: {},
    attributes: action === 'update' ? [{ path: 'packages', before: [], after: ['dnsmasq'] }] : [],
    reasons: [],
    dependsOn: [],
    observedDigest: '',
    desiredDigest: '',
  } as ResourceChange;
}

describe('node status rows', () => {
  it('reports in sync, drifted files and missing resources; guests are not node rows', () => {
    const plan = {
      changes: [
        change('guest.101', 'update'),
        change('node.pve.nfs', 'noop'),
        change('node.pve.dns', 'update'),
        change('node.pve.packages.dnsmasq', 'update'),
        change('node.pve2.dns', 'create', null),
      ],
      drift: [{ address: 'node.pve.dns', kind: 'node.dns', paths: ['/etc/phoenix/dnsmasq.hosts'] }],
    } as unknown as Plan;
    const rows = nodeStatusRows(plan);
    expect(rows.map((r) => [r.address, r.sync, r.drift])).toEqual([
      ['node.pve.dns', 'drifted', ['/etc/phoenix/dnsmasq.hosts']],
      ['node.pve.nfs', 'in sync', []],
      ['node.pve.packages.dnsmasq', 'drifted', ['packages']],
      ['node.pve2.dns', 'missing', []],
    ]);
    expect(renderNodeStatus(rows).split('\n')[1]).toBe(
      'node.pve.dns               drifted (/etc/phoenix/dnsmasq.hosts)',
    );
    expect(renderNodeStatus([])).toBe('');
  });

  it('host objects (pve.*) get their own rows; a refused replace is drifted; the JSON document has all three', () => {
    const host = (address: string, kind: string, action: ResourceChange['action'], before: unknown = {}) =>
      ({
        ...change(address, action, before),
        kind,
        attributes: action === 'replace' ? [{ path: 'raidlevel', before: 'mirror', after: 'raidz' }] : [],
      }) as ResourceChange;
    const plan = {
      changes: [
        change('guest.101', 'noop'),
        change('node.pve.dns', 'noop'),
        host('zfs.pve.tank', 'pve.zfs', 'replace'),
        host('pool.platform', 'pve.pool', 'noop'),
        host('user.phoenix@pve', 'pve.user', 'create', null),
      ],
      drift: [],
    } as unknown as Plan;
    expect(hostStatusRows(plan).map((r) => [r.address, r.sync, r.drift])).toEqual([
      ['pool.platform', 'in sync', []],
      ['user.phoenix@pve', 'missing', []],
      ['zfs.pve.tank', 'drifted', ['raidlevel']],
    ]);
    const doc = statusDocument([{ id: 101 }], plan);
    expect(doc.guests).toEqual([{ id: 101 }]);
    expect(doc.node.map((r) => r.address)).toEqual(['node.pve.dns']);
    expect(doc.host).toHaveLength(3);
  });
});
