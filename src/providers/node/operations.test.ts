import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_KIND, fileHandler, type ManagedFile } from './file.ts';
import { PACKAGES_KIND, packagesHandler } from './packages.ts';
import { SERVICE_KIND, serviceHandler } from './service.ts';
import { PROBE_KIND, probeHandler } from './probe.ts';
import { applyContext, converge, resource, startSimFixture, type SimFixture } from './_sim-fixture.ts';
import type { TargetRef } from './shell.ts';

let sim: SimFixture;
beforeAll(async () => {
  sim = await startSimFixture({ 101: 'lxc', 102: 'lxc', 1001: 'qemu' });
  for (const vmid of [101, 102, 1001]) mkdirSync(sim.server.guestTree(vmid).resolve('/etc/app'), { recursive: true });
  mkdirSync(sim.server.nodeTree.resolve('/etc/app'), { recursive: true });
  mkdirSync(sim.server.nodeTree.resolve('/tmp'), { recursive: true });
});
afterAll(async () => {
  await sim?.close();
});

const targets: [string, TargetRef, () => string][] = [
  ['the node', { kind: 'node', node: 'pve' }, () => sim.server.nodeTree.resolve('/etc/app/app.conf')],
  [
    'an LXC guest (pct exec/push)',
    { kind: 'lxc', node: 'pve', vmid: 101 },
    () => sim.server.guestTree(101).resolve('/etc/app/app.conf'),
  ],
  [
    'a VM (guest agent)',
    { kind: 'vm', node: 'pve', vmid: 1001 },
    () => sim.server.guestTree(1001).resolve('/etc/app/app.conf'),
  ],
];

describe.each(targets)('node.file on %s', (_name, target, hostPath) => {
  const desired = (content: string): ManagedFile => ({
    target,
    path: '/etc/app/app.conf',
    content,
    mode: '0640',
    owner: 'www-data',
    group: 'www-data',
  });

  it('creates, then a second pass changes nothing', async () => {
    const handler = fileHandler(sim.shells);
    const res = resource('file.app', FILE_KIND, desired('port = 80\n'));
    expect(await converge(handler, res)).toBe('create');
    expect(readFileSync(hostPath(), 'utf8')).toBe('port = 80\n');
    expect(await converge(handler, res)).toBe('noop');
  });

  it('shows an out-of-band edit as a content change, and repairs it', async () => {
    const handler = fileHandler(sim.shells);
    const res = resource('file.app', FILE_KIND, desired('port = 80\n'));
    await converge(handler, res);
    writeFileSync(hostPath(), 'port = 8080\n');
    const { observed } = await handler.observe({ ctx: applyContext(), resource: res });
    const diff = await handler.diff({ resource: res, observed });
    expect(diff.action).toBe('update');
    expect(diff.changes.map((c) => c.path)).toEqual(['content']);
    expect(diff.reasons[0]).toContain('content differs');
    expect(await converge(handler, res)).toBe('update');
    expect(readFileSync(hostPath(), 'utf8')).toBe('port = 80\n');
  });

  it('detects a mode change and keeps secrets out of the diff', async () => {
    const handler = fileHandler(sim.shells);
    const res = resource('file.secret', FILE_KIND, {
      ...desired('token=s3cr3t\n'),
      path: '/etc/app/secret',
      sensitive: true,
      mode: '0600',
    });
    await converge(handler, res);
    const changed = { ...res, desired: { ...res.desired, content: 'token=other\n', mode: '0644' } };
    const { observed } = await handler.observe({ ctx: applyContext(), resource: changed });
    const diff = await handler.diff({ resource: changed, observed });
    expect(diff.changes).toEqual([
      { path: 'content', before: null, after: null, sensitive: true },
      { path: 'mode', before: '0600', after: '0644' },
    ]);
    expect(JSON.stringify(diff)).not.toContain('s3cr3t');
  });
});

describe('pct errors', () => {
  it('reports a stopped container with the pct error text', async () => {
    sim.running.delete(102);
    try {
      const handler = fileHandler(sim.shells);
      const res = resource('file.x', FILE_KIND, {
        target: { kind: 'lxc', node: 'pve', vmid: 102 } as const,
        path: '/etc/app/x',
        content: 'x',
        mode: '0644',
        owner: 'root',
        group: 'root',
      });
      await expect(converge(handler, res)).rejects.toMatchObject({
        detail: expect.stringContaining('CT 102 not running'),
      });
    } finally {
      sim.running.add(102);
    }
  });
});

describe('node.packages, node.service, node.probe', () => {
  const node = { kind: 'node', node: 'pve' } as const;

  it('installs only missing packages, then is a no-op', async () => {
    const handler = packagesHandler(sim.shells);
    const res = resource('pkgs', PACKAGES_KIND, { target: node, packages: ['dnsmasq', 'nfs-kernel-server'] });
    expect(await converge(handler, res)).toBe('update');
    expect(sim.server.nodeTree.readMeta().packages).toEqual(['dnsmasq', 'nfs-kernel-server']);
    expect(await converge(handler, res)).toBe('noop');
  });

  it('enables and starts a service, then is a no-op', async () => {
    const handler = serviceHandler(sim.shells);
    const res = resource('svc', SERVICE_KIND, { target: node, unit: 'dnsmasq', enabled: true, active: true });
    expect(await converge(handler, res)).toBe('update');
    expect(sim.server.nodeTree.service('dnsmasq')).toMatchObject({ enabled: true, active: true });
    expect(await converge(handler, res)).toBe('noop');
  });

  it('probes report health without planning changes', async () => {
    const handler = probeHandler(sim.shells);
    const ok = resource('probe.ok', PROBE_KIND, { target: node, argv: ['systemctl', 'is-active', 'dnsmasq'] });
    const bad = resource('probe.bad', PROBE_KIND, { target: node, argv: ['test', '-e', '/nonexistent'] });
    const ctx = applyContext();
    expect(await handler.health?.({ ctx, resource: ok })).toEqual({ status: 'healthy' });
    expect((await handler.health?.({ ctx, resource: bad }))?.status).toBe('pending');
    const { observed } = await handler.observe({ ctx, resource: bad });
    expect((await handler.diff({ resource: bad, observed })).action).toBe('noop');
  });

  it('the simulator answers unknown commands with exit 127', async () => {
    const result = await sim.ssh.exec(['frobnicate', '--now']);
    expect(result).toMatchObject({ code: 127, stderr: expect.stringContaining('frobnicate: not found') });
  });
});
