import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converge, startSimFixture, type SimFixture } from '../_sim-fixture.ts';
import { homelabSource } from '../dns/_fixture.ts';
import { nfsHandler, nfsResources } from './handler.ts';

let sim: SimFixture;
beforeAll(async () => {
  sim = await startSimFixture({});
});
afterAll(async () => {
  await sim?.close();
});

describe('node.nfs on the simulator', () => {
  it('writes the exports file, runs exportfs -ra once, and nothing on a second apply', async () => {
    const handler = nfsHandler(sim.shells);
    const { resources } = nfsResources(homelabSource());
    expect(resources.map((r) => r.address)).toEqual(['node.pve.nfs']);
    const resource = resources[0]!;
    expect(await converge(handler, resource)).toBe('create');
    expect(sim.server.nodeTree.readMeta().exportfsRuns).toBe(1);
    expect(await converge(handler, resource)).toBe('noop');
    expect(sim.server.nodeTree.readMeta().exportfsRuns).toBe(1);
  });

  it('a bad option is reported with exportfs’s own message', async () => {
    const handler = nfsHandler(sim.shells);
    const source = homelabSource();
    source.nfs.exports[0]!.options = ['rw', 'frobnicate'];
    const resource = nfsResources(source).resources[0]!;
    await expect(converge(handler, resource)).rejects.toMatchObject({
      detail: expect.stringContaining('unknown keyword "frobnicate"'),
    });
  });
});
