import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyContext, converge, startSimFixture, type SimFixture } from '../_sim-fixture.ts';
import { DEFAULT_DNS_PATHS, dnsHandler, dnsResource } from './handler.ts';
import { homelabSource } from './_fixture.ts';

let sim: SimFixture;
beforeAll(async () => {
  sim = await startSimFixture({});
  await sim.ssh.run(['systemctl', 'enable', '--now', 'dnsmasq']);
});
afterAll(async () => {
  await sim?.close();
});

const reloads = () => sim.server.nodeTree.service('dnsmasq').reloads;

describe('node.dns on the simulator', () => {
  it('writes the files and reloads dnsmasq once; a second apply changes nothing', async () => {
    const handler = dnsHandler(sim.shells);
    const { resource } = dnsResource(homelabSource(), 'pve');
    expect(await converge(handler, resource)).toBe('create');
    expect(reloads()).toBe(1);
    expect(await converge(handler, resource)).toBe('noop');
    expect(reloads()).toBe(1);
    expect(sim.server.nodeTree.resolve(DEFAULT_DNS_PATHS.hostsPath)).toBeTruthy();
  });

  it('a new record rewrites only the hosts file and reloads again', async () => {
    const handler = dnsHandler(sim.shells);
    const source = homelabSource();
    source.dns.records.push({ name: 'nas', type: 'A', value: '10.0.0.60' });
    const { resource } = dnsResource(source, 'pve');
    const { observed } = await handler.observe({ ctx: applyContext(), resource });
    const diff = await handler.diff({ resource, observed });
    expect(diff.action).toBe('update');
    expect(diff.changes.map((c) => c.path)).toEqual([DEFAULT_DNS_PATHS.hostsPath]);
    await converge(handler, resource);
    expect(reloads()).toBe(2);
  });

  it('an out-of-band edit on the node is drift, and apply restores it', async () => {
    const handler = dnsHandler(sim.shells);
    const source = homelabSource();
    source.dns.records.push({ name: 'nas', type: 'A', value: '10.0.0.60' });
    const { resource } = dnsResource(source, 'pve');
    writeFileSync(sim.server.nodeTree.resolve(DEFAULT_DNS_PATHS.confPath), 'server=8.8.8.8\n');
    const { observed } = await handler.observe({ ctx: applyContext(), resource });
    const diff = await handler.diff({ resource, observed });
    expect(diff).toMatchObject({
      action: 'update',
      reasons: [`${DEFAULT_DNS_PATHS.confPath} differs from the declared content`],
    });
    await converge(handler, resource);
    expect(reloads()).toBe(3);
    expect(await converge(handler, resource)).toBe('noop');
  });

  it('files another environment wrote are a conflict, not rewritten; the old header (no environment) is adopted', async () => {
    const handler = dnsHandler(sim.shells);
    const alpha = dnsResource({ ...homelabSource(), environment: 'alpha' }, 'pve').resource;
    expect(await converge(handler, alpha)).toBe('update'); // the header (old, no environment) gains alpha
    expect(readFileSync(sim.server.nodeTree.resolve(DEFAULT_DNS_PATHS.hostsPath), 'utf8')).toMatch(
      /^# Managed by Phoenix \(environment alpha\):/,
    );
    const source = { ...homelabSource(), environment: 'beta' };
    source.dns.records.push({ name: 'beta-nas', type: 'A', value: '10.0.0.61' });
    const beta = dnsResource(source, 'pve').resource;
    const before = readFileSync(sim.server.nodeTree.resolve(DEFAULT_DNS_PATHS.hostsPath), 'utf8');
    const { observed } = await handler.observe({ ctx: applyContext(), resource: beta });
    const diff = await handler.diff({ resource: beta, observed });
    expect(diff.action).toBe('noop');
    expect(diff.diagnostics).toEqual([expect.objectContaining({ code: 'E_OWNERSHIP_CONFLICT' })]);
    expect(readFileSync(sim.server.nodeTree.resolve(DEFAULT_DNS_PATHS.hostsPath), 'utf8')).toBe(before);
  });
});
