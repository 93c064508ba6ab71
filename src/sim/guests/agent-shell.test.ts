/**
 * With the node side on, the QEMU agent routes run the node-shell interpreter on the VM's file
 * tree: Phoenix's own VM shell (file-write to a temp file, chmod, chown, mv) lands the file on
 * disk, `stat`/`sha256sum` observe it, and file-read returns it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { vmShell, type GuestAgent } from '../../providers/node/guest-agent.ts';
import { runTask, testModel } from '../state/test-harness.ts';
import type { SimModelHandle } from '../state/index.ts';
import { enableAgentShell } from './agent-shell.ts';

const VM = '/nodes/{node}/qemu/{vmid}';
const dirs: string[] = [];
const models: SimModelHandle[] = [];
afterEach(() => {
  for (const m of models.splice(0)) m.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runningVm(withShell: boolean): Promise<{ m: SimModelHandle; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-agent-'));
  dirs.push(dir);
  const m = testModel();
  models.push(m);
  if (withShell) enableAgentShell(m.context, dir);
  await runTask(m, 'POST', '/nodes/{node}/qemu', {
    node: 'pve',
    vmid: 1002,
    name: 'worker',
    agent: '1',
    net0: 'virtio,bridge=vmbr0',
    start: 1,
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { m, dir };
}

function agentOf(m: SimModelHandle): GuestAgent {
  return {
    exec: async (node, vmid, argv, input) =>
      (await m.call('POST', `${VM}/agent/exec`, { node, vmid, command: [...argv], 'input-data': input })) as {
        pid: number;
      },
    async execStatus(node, vmid, pid) {
      const s = (await m.call('GET', `${VM}/agent/exec-status`, { node, vmid, pid })) as Record<string, unknown>;
      return {
        exited: s.exited === 1,
        exitcode: s.exitcode as number,
        outData: s['out-data'] as string | undefined,
        errData: s['err-data'] as string | undefined,
      };
    },
    async fileWrite(node, vmid, file, content) {
      await m.call('POST', `${VM}/agent/file-write`, { node, vmid, file, content });
    },
  };
}

describe('QEMU agent on the node-shell interpreter', () => {
  it('writes through the VM shell (temp + chmod + chown + mv) onto the VM tree', async () => {
    const { m, dir } = await runningVm(true);
    const shell = vmShell('pve', 1002, agentOf(m), { pollMs: 1 });
    expect((await shell.exec(['mkdir', '-p', '/etc/app'])).code).toBe(0);
    await shell.writeFile('/etc/app/app.conf', 'port=80\n', { mode: '0640', owner: 'root', group: 'root' });

    const host = join(dir, 'guests', '1002', 'root', 'etc', 'app', 'app.conf');
    expect(readFileSync(host, 'utf8')).toBe('port=80\n');
    expect(statSync(host).mode & 0o777).toBe(0o640);
    const sum = await shell.exec(['sha256sum', '/etc/app/app.conf']);
    expect(sum.code).toBe(0);
    expect(sum.stdout).toMatch(/^[0-9a-f]{64} {2}\/etc\/app\/app\.conf\n$/);
    expect((await shell.exec(['stat', '-c', '%a', '/etc/app/app.conf'])).stdout.trim()).toBe('640');
    const read = await m.call('GET', `${VM}/agent/file-read`, { node: 'pve', vmid: 1002, file: '/etc/app/app.conf' });
    expect(read).toEqual({ content: 'port=80\n', 'bytes-read': 8 });
  });

  it('refuses a write into a missing directory like the real agent', async () => {
    const { m } = await runningVm(true);
    await expect(
      m.call('POST', `${VM}/agent/file-write`, { node: 'pve', vmid: 1002, file: '/nope/x', content: 'x' }),
    ).rejects.toThrow(/Failed to open file '\/nope\/x'/);
  });

  it('keeps the in-memory guest OS when the node side is off', async () => {
    const { m } = await runningVm(false);
    const { pid } = (await m.call('POST', `${VM}/agent/exec`, {
      node: 'pve',
      vmid: 1002,
      command: ['sha256sum', '/etc/hostname'],
    })) as { pid: number };
    const status = await m.call('GET', `${VM}/agent/exec-status`, { node: 'pve', vmid: 1002, pid });
    expect(status).toMatchObject({ exitcode: 127 });
  });
});
