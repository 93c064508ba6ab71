/**
 * Placement of `node: auto` guests and the route of cross-node clones (issue 16), through
 * `validateConfig`: what the loaded config says, and the located findings `validate` prints.
 */
import { describe, expect, it } from 'vitest';
import { writeConfig } from './__fixtures__/harness.ts';
import { validateConfig } from './index.ts';

function root(extra: {
  cluster?: string;
  storage?: string;
  templates?: string;
  guests: string;
  host?: string;
}): string {
  return `version: 1
cluster:
  nodes:
    - { name: pve1, cores: 8, memory: 16384 }
    - { name: pve2, cores: 8, memory: 16384 }
    - { name: pve3, cores: 8, memory: 16384 }
${extra.cluster ?? ''}
network: { bridges: [{ name: vmbr1, cidr: 10.10.0.1/24 }] }
storage:
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, import] }
  - { id: local-zfs, type: zfspool, pool: rpool/data, content: [images, rootdir] }
  - { id: nfs, type: nfs, server: 10.10.0.1, export: /srv, content: [images, rootdir] }
${extra.storage ?? ''}
templates:
  - { name: debian-12, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }
  - { name: noble, kind: vm, vmid: 9000, node: pve1, storage: local-zfs, image: { file: noble.img } }
${extra.templates ?? ''}
guests:
${extra.guests}
${extra.host ?? ''}`;
}

function ct(id: number, memory: number, node = 'auto'): string {
  return `  - { id: ${id}, name: ct-${id}, type: lxc, node: ${node}, template: debian-12, memory: ${memory}, disk: { storage: local-zfs, size: 4 } }\n`;
}

async function load(text: string) {
  const temp = writeConfig({ 'phoenix.yaml': text });
  try {
    return await validateConfig(temp.dir);
  } finally {
    temp.cleanup();
  }
}

function nodes(result: Awaited<ReturnType<typeof load>>): Record<number, string> {
  return Object.fromEntries((result.loaded?.config.guests ?? []).map((g) => [g.id, g.node]));
}

describe('node: auto', () => {
  it('spread: each guest on the least used node (declared memory), explicit nodes counted first', async () => {
    const r = await load(root({ guests: ct(101, 8192, 'pve1') + ct(102, 4096) + ct(103, 4096) + ct(104, 4096) }));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(nodes(r)).toEqual({ 101: 'pve1', 102: 'pve2', 103: 'pve3', 104: 'pve2' });
  });

  it('pack: the fullest node that still fits', async () => {
    const r = await load(
      root({ cluster: '  placement: { policy: pack }', guests: ct(101, 8192) + ct(102, 8192) + ct(103, 4096) }),
    );
    expect(nodes(r)).toEqual({ 101: 'pve1', 102: 'pve1', 103: 'pve2' });
  });

  it('anti-affinity keeps members apart; more members than nodes is a located error', async () => {
    const group = '  placement: { antiAffinity: [{ name: swarm, guests: [101, ct-102, 103] }] }';
    const ok = await load(root({ cluster: group, guests: ct(101, 512) + ct(102, 512) + ct(103, 512) }));
    expect(new Set(Object.values(nodes(ok)))).toEqual(new Set(['pve1', 'pve2', 'pve3']));
    const four = '  placement: { antiAffinity: [{ name: swarm, guests: [101, 102, 103, 104] }] }';
    const bad = await load(root({ cluster: four, guests: ct(101, 512) + ct(102, 512) + ct(103, 512) + ct(104, 512) }));
    const error = bad.diagnostics.find((d) => d.code === 'E_PLACEMENT');
    expect(error?.message).toBe(
      'guest 104 cannot be placed: every node already holds a member of anti-affinity group swarm',
    );
    expect(error?.location).toMatchObject({ file: 'phoenix.yaml', path: 'guests[3].node' });
    const unknown = await load(
      root({ cluster: '  placement: { antiAffinity: [{ name: x, guests: [101, nope] }] }', guests: ct(101, 512) }),
    );
    expect(unknown.diagnostics.map((d) => d.code)).toContain('E_UNKNOWN_GUEST');
  });

  it('a recorded decision holds (while its node is declared); a new guest does not move it', async () => {
    const temp = writeConfig({ 'phoenix.yaml': root({ guests: ct(110, 16000) + ct(111, 512) }) });
    try {
      const recorded = new Map([
        [111, 'pve3'],
        [110, 'gone'],
      ]);
      const r = await validateConfig(temp.dir, { placements: recorded });
      expect(nodes(r)).toEqual({ 110: 'pve1', 111: 'pve3' });
      expect([...(r.loaded?.placement?.decisions ?? [])].map(([id, d]) => [id, d.how]).sort()).toEqual([
        [110, 'placed'],
        [111, 'recorded'],
      ]);
    } finally {
      temp.cleanup();
    }
  });
});

describe('clones across nodes', () => {
  const vm = (id: number, node: string, from: string | number, storage = 'local-zfs') =>
    `  - { id: ${id}, name: vm-${id}, type: vm, node: ${node}, clone: { from: ${from} }, disk: { storage: ${storage}, size: 16 } }\n`;

  it('a template on local storage: one derived copy per node, said once per node at the first guest', async () => {
    const r = await load(root({ guests: vm(1001, 'pve2', 9000) + vm(1002, 'pve2', 'noble') + vm(1003, 'pve1', 9000) }));
    const copy = r.diagnostics.filter((d) => d.code === 'W_CLONE_COPY');
    expect(copy).toHaveLength(1);
    expect(copy[0]?.message).toMatch(
      /^guests 1001, 1002 on pve2 will be cloned from template copy 9001 on pve2, not from 9000 on pve1: storage "local-zfs" of source 9000 is not shared/,
    );
    expect(copy[0]?.location).toMatchObject({ path: 'guests[0].node' });
  });

  it('a declared copy is used; a copy id already taken is an error', async () => {
    const ok = await load(
      root({ templates: '', guests: vm(1001, 'pve3', 9000) }).replace(
        'image: { file: noble.img } }',
        'image: { file: noble.img }, copies: [{ node: pve3, vmid: 9100 }] }',
      ),
    );
    expect(ok.diagnostics.find((d) => d.code === 'W_CLONE_COPY')?.message).toMatch(/template copy 9100 on pve3/);
    const taken = await load(
      root({ guests: vm(1001, 'pve3', 9000) }).replace(
        'image: { file: noble.img } }',
        'image: { file: noble.img }, copies: [{ node: pve3, vmid: 1001 }] }',
      ),
    );
    expect(taken.diagnostics.map((d) => d.code)).toContain('E_DUPLICATE_ID');
  });

  it('shared storage: a clone straight to the node; a guest source on local storage elsewhere: an error', async () => {
    const target = await load(
      root({ guests: vm(1001, 'pve2', 9000, 'nfs') }).replace('storage: local-zfs, image', 'storage: nfs, image'),
    );
    expect(target.diagnostics.find((d) => d.code === 'W_CLONE_TARGET')?.message).toBe(
      'guest 1001 is cloned from 9000 on pve1 straight to pve2: its source 9000 on pve1 is on shared storage (nfs): PVE clones straight to pve2',
    );
    const fromGuest = await load(
      root({
        guests:
          `  - { id: 500, name: base, type: vm, node: pve1, clone: { from: 9000 }, isTemplate: true, disk: { storage: local-zfs, size: 16 } }\n` +
          vm(1001, 'pve2', 'base'),
      }),
    );
    const error = fromGuest.diagnostics.find((d) => d.code === 'E_CROSS_NODE_CLONE');
    expect(error?.message).toMatch(
      /^guest 1001 on pve2 cannot be cloned from 500 on pve1: storage "local-zfs" of source 500 is not shared/,
    );
    expect(error?.location).toMatchObject({ path: 'guests[1].node' });
  });
});

describe('HA', () => {
  it('an unknown HA group is an error; HA on local storage a warning', async () => {
    const r = await load(
      root({
        guests: `  - { id: 101, name: a, type: lxc, node: pve1, template: debian-12, disk: { storage: local-zfs, size: 4 }, ha: { group: nope } }\n`,
        host: 'host: { ha: { groups: [{ name: prefer1, nodes: [pve1, { node: pve9, priority: 1 }] }] } }',
      }),
    );
    expect(r.diagnostics.map((d) => `${d.code} ${d.location?.path ?? ''}`).sort()).toEqual([
      'E_UNKNOWN_HA_GROUP guests[0].ha.group',
      'E_UNKNOWN_NODE host.ha.groups[0].nodes[1]',
      'W_HA_LOCAL_STORAGE guests[0].ha',
    ]);
  });
});

describe('node: auto with nodes offline', () => {
  async function loadWith(text: string, placements: Map<number, string>, offline: string[]) {
    const temp = writeConfig({ 'phoenix.yaml': text });
    try {
      return await validateConfig(temp.dir, { placements, offlineNodes: new Set(offline) });
    } finally {
      temp.cleanup();
    }
  }

  it('places a new guest on an online node; an already placed guest stays on its (offline) node', async () => {
    const result = await loadWith(root({ guests: ct(101, 1024) + ct(102, 1024) }), new Map([[101, 'pve1']]), [
      'pve1',
      'pve2',
    ]);
    const decisions = result.loaded?.placement?.decisions;
    expect(decisions?.get(101)).toEqual({ node: 'pve1', how: 'recorded' });
    expect(decisions?.get(102)).toEqual({ node: 'pve3', how: 'placed' });
  });

  it('every node offline: a located error naming the guest and why', async () => {
    const result = await loadWith(root({ guests: ct(101, 1024) }), new Map(), ['pve1', 'pve2', 'pve3']);
    expect(result.loaded).toBeUndefined();
    const error = result.diagnostics.find((d) => d.code === 'E_PLACEMENT');
    expect(error?.message).toBe('guest 101 cannot be placed: every node is offline (pve1, pve2, pve3)');
    expect(error?.location?.line).toBeGreaterThan(0);
  });

  it('the only online nodes already hold the anti-affinity group: the error says which are offline', async () => {
    const result = await loadWith(
      root({
        cluster: '  placement: { antiAffinity: [{ name: pair, guests: [101, 102] }] }',
        guests: ct(101, 1024) + ct(102, 1024),
      }),
      new Map([[101, 'pve3']]),
      ['pve1', 'pve2'],
    );
    expect(result.diagnostics.find((d) => d.code === 'E_PLACEMENT')?.message).toBe(
      'guest 102 cannot be placed: every online node already holds a member of anti-affinity group pair (offline: pve1, pve2)',
    );
  });
});
