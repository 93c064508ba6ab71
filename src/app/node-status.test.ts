import { describe, expect, it } from 'vitest';
import type { Plan, ResourceChange } from '../engine/index.ts';
import { nodeStatusRows, renderNodeStatus } from './node-status.ts';

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
});
