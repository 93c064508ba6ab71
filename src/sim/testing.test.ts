import { describe, expect, it } from 'vitest';
import { startTestSimulator } from './testing.ts';

describe('startTestSimulator', () => {
  it('fails at stop when a request was rejected by the schema and not declared', async () => {
    const sim = await startTestSimulator();
    const res = await sim.api('PUT', '/nodes/pve/qemu/100/config', { onboot: 'yes' });
    expect(res.status).toBe(400);
    expect(sim.invalidRequests()).toHaveLength(1);
    await expect(sim.stop()).rejects.toThrow(/rejected by the PVE 8.4 schema[\s\S]*onboot/);
  });

  it('accepts declared rejections and ignores non-schema errors', async () => {
    const sim = await startTestSimulator();
    sim.allowInvalid({ method: 'PUT', path: /\/config$/, param: 'onboot' });
    await sim.api('PUT', '/nodes/pve/qemu/100/config', { onboot: 'yes' });
    expect((await sim.api('GET', '/nodes/pve/qemu/100/config')).status).toBe(500);
    expect(() => sim.assertAllRequestsValid()).not.toThrow();
    expect(sim.requests.map((r) => r.status)).toEqual([400, 500]);
    await sim.stop();
  });

  it("does not count a handler's own 400 answers (no such task) as schema rejections", async () => {
    const sim = await startTestSimulator();
    const upid = 'UPID:pve:00000001:00000002:00000003:qmstart:100:root@pam:';
    const res = await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect(res.status).toBe(400);
    expect(sim.invalidRequests()).toEqual([]);
    await sim.stop();
  });
});
