/**
 * Conformance: multipart uploads (spec A.6; pve-storage `upload`: an `imgcopy` task, content and
 * extension checks, checksum), a container created from the uploaded template, deleting the
 * uploaded volumes, QEMU `move-disk` / `move_disk` and `unlink` (spec A.5). Every answer is
 * checked against the schema's `returns`.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { returnsErrors } from './__fixtures__/returns.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(async () => {
  await sim.stop();
});

async function uploadFile(
  name: string,
  content: string,
  data: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; statusText: string; body: { data: unknown; errors?: Record<string, string> } }> {
  const form = new FormData();
  form.append('content', content);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append('filename', new Blob([data]), name);
  const res = await fetch(`${sim.url}/api2/json/nodes/pve/storage/local/upload`, {
    method: 'POST',
    headers: { Authorization: `PVEAPIToken=${sim.token}` },
    body: form,
  });
  return { status: res.status, statusText: res.statusText, body: (await res.json()) as never };
}

async function task(upid: unknown): Promise<{ exitstatus?: string; log: string[] }> {
  const path = `/nodes/pve/tasks/${encodeURIComponent(String(upid))}`;
  for (let i = 0; i < 300; i++) {
    const s = (await sim.api('GET', `${path}/status`)).body?.data as { status: string; exitstatus?: string };
    if (s.status === 'stopped') {
      const log = (await sim.api('GET', `${path}/log`, { limit: 100 })).body?.data as { t: string }[];
      return { exitstatus: s.exitstatus, log: log.map((l) => l.t) };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('task did not finish');
}

describe('uploads', () => {
  it('§A.6 a vztmpl upload is an imgcopy task; a container is created from it; the volume can be deleted', async () => {
    const up = await uploadFile('custom-app_1.0_amd64.tar.zst', 'vztmpl', 'template bytes');
    expect(up.status).toBe(200);
    expect(returnsErrors('POST', '/nodes/{node}/storage/{storage}/upload', up.body.data)).toEqual([]);
    expect(String(up.body.data)).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgcopy::root@pam!phoenix:$/);
    const t = await task(up.body.data);
    expect(t.exitstatus).toBe('OK');
    expect(t.log).toContain('target file: /var/lib/vz/template/cache/custom-app_1.0_amd64.tar.zst');
    expect(t.log).toContain('finished file import successfully');
    const volid = 'local:vztmpl/custom-app_1.0_amd64.tar.zst';
    const list = (await sim.api('GET', '/nodes/pve/storage/local/content', { content: 'vztmpl' })).body?.data as {
      volid: string;
      size: number;
    }[];
    expect(list.find((v) => v.volid === volid)?.size).toBe('template bytes'.length);
    const info = await sim.api('GET', `/nodes/pve/storage/local/content/${encodeURIComponent(volid)}`);
    expect(info.body?.data).toMatchObject({
      path: '/var/lib/vz/template/cache/custom-app_1.0_amd64.tar.zst',
      format: 'tzst',
    });
    expect(returnsErrors('GET', '/nodes/{node}/storage/{storage}/content/{volume}', info.body?.data)).toEqual([]);

    const ct = await sim.api('POST', '/nodes/pve/lxc', { vmid: 600, ostemplate: volid, rootfs: 'local-lvm:1' });
    expect((await task(ct.body?.data)).exitstatus).toBe('OK');
    const del = await sim.api('DELETE', `/nodes/pve/storage/local/content/${encodeURIComponent(volid)}`);
    expect((await task(del.body?.data)).exitstatus).toBe('OK');
    const after = (await sim.api('GET', '/nodes/pve/storage/local/content')).body?.data as { volid: string }[];
    expect(after.map((v) => v.volid)).not.toContain(volid);
  });

  it('§A.6 an ISO upload with a matching checksum lands in iso/; a wrong one fails the task', async () => {
    const data = 'iso bytes';
    const sha = createHash('sha256').update(data).digest('hex');
    const ok = await uploadFile('tools.iso', 'iso', data, { checksum: sha, 'checksum-algorithm': 'sha256' });
    const t = await task(ok.body.data);
    expect(t.exitstatus).toBe('OK');
    expect(t.log).toContain('checksum verified');
    const bad = await uploadFile('other.iso', 'iso', data, { checksum: '00', 'checksum-algorithm': 'sha256' });
    expect((await task(bad.body.data)).exitstatus).toBe(`checksum mismatch: got '${sha}' != expect '00'`);
    const list = (await sim.api('GET', '/nodes/pve/storage/local/content', { content: 'iso' })).body?.data as {
      volid: string;
    }[];
    expect(list.map((v) => v.volid)).toEqual(['local:iso/tools.iso']);
  });

  it('§A.6 refuses a wrong extension (400 on filename) and a content type the storage lacks', async () => {
    const wrong = await uploadFile('tools.exe', 'iso', 'x');
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual({ filename: 'wrong file extension' });
    const noImport = await uploadFile('disk.qcow2', 'import', 'x');
    expect(noImport.status).toBe(500);
    expect(noImport.statusText).toBe("storage 'local' does not support 'import' content");
  });
});

describe('QEMU disks', () => {
  it('§A.5 move_disk (qm move-disk) is a qmmove task; the source stays as unused0 unless delete=1', async () => {
    const created = await sim.api('POST', '/nodes/pve/qemu', { vmid: 610, scsi0: 'local-lvm:2', scsi1: 'local-lvm:1' });
    await task(created.body?.data);
    const moved = await sim.api('POST', '/nodes/pve/qemu/610/move_disk', { disk: 'scsi0', storage: 'local' });
    expect(returnsErrors('POST', '/nodes/{node}/qemu/{vmid}/move_disk', moved.body?.data)).toEqual([]);
    expect(String(moved.body?.data)).toContain(':qmmove:610:');
    expect((await task(moved.body?.data)).exitstatus).toBe('OK');
    let config = (await sim.api('GET', '/nodes/pve/qemu/610/config')).body?.data as Record<string, string>;
    expect(config.scsi0).toMatch(/^local:610\/vm-610-disk-0\.raw,size=2G$/);
    expect(config.unused0).toBe('local-lvm:vm-610-disk-0');
    const again = await sim.api('POST', '/nodes/pve/qemu/610/move_disk', { disk: 'scsi0', storage: 'local' });
    expect(again.statusText).toBe("you can't move to the same storage with same format");
    const del = await sim.api('POST', '/nodes/pve/qemu/610/move_disk', { disk: 'scsi1', storage: 'local', delete: 1 });
    await task(del.body?.data);
    config = (await sim.api('GET', '/nodes/pve/qemu/610/config')).body?.data as Record<string, string>;
    expect(config.unused1).toBeUndefined();
    const lvm = (await sim.api('GET', '/nodes/pve/storage/local-lvm/content', { vmid: 610 })).body?.data as {
      volid: string;
    }[];
    expect(lvm.map((v) => v.volid)).toEqual(['local-lvm:vm-610-disk-0']);
  });

  it("§A.4 move_volume moves a stopped container's rootfs (lock: disk while it runs); refuses a running one", async () => {
    const ct = await sim.api('POST', '/nodes/pve/lxc', {
      vmid: 630,
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      rootfs: 'local-lvm:1',
    });
    await task(ct.body?.data);
    const moved = await sim.api('POST', '/nodes/pve/lxc/630/move_volume', {
      volume: 'rootfs',
      storage: 'local',
      delete: 1,
    });
    expect(String(moved.body?.data)).toContain(':move_volume:630:');
    expect(returnsErrors('POST', '/nodes/{node}/lxc/{vmid}/move_volume', moved.body?.data)).toEqual([]);
    expect((await task(moved.body?.data)).exitstatus).toBe('OK');
    const config = (await sim.api('GET', '/nodes/pve/lxc/630/config')).body?.data as Record<string, string>;
    expect(config.rootfs).toMatch(/^local:630\/vm-630-disk-0\.raw,size=1G$/);
    expect(config.lock).toBeUndefined();
    await task((await sim.api('POST', '/nodes/pve/lxc/630/status/start')).body?.data);
    const running = await sim.api('POST', '/nodes/pve/lxc/630/move_volume', { volume: 'rootfs', storage: 'local-lvm' });
    expect(running.statusText).toBe('cannot move volumes of a running container');
  });

  it('§A.5 unlink moves disks to unused, and with force=1 frees them', async () => {
    const created = await sim.api('POST', '/nodes/pve/qemu', { vmid: 620, scsi0: 'local-lvm:1', scsi1: 'local-lvm:1' });
    await task(created.body?.data);
    const res = await sim.api('PUT', '/nodes/pve/qemu/620/unlink', { idlist: 'scsi0' });
    expect(res.body?.data).toBeNull();
    expect(returnsErrors('PUT', '/nodes/{node}/qemu/{vmid}/unlink', res.body?.data)).toEqual([]);
    let config = (await sim.api('GET', '/nodes/pve/qemu/620/config')).body?.data as Record<string, string>;
    expect(config.unused0).toBe('local-lvm:vm-620-disk-0');
    await sim.api('PUT', '/nodes/pve/qemu/620/unlink', { idlist: 'scsi1,unused0', force: 1 });
    config = (await sim.api('GET', '/nodes/pve/qemu/620/config')).body?.data as Record<string, string>;
    expect(Object.keys(config).filter((k) => /^(scsi|unused)/.test(k))).toEqual([]);
    const lvm = (await sim.api('GET', '/nodes/pve/storage/local-lvm/content', { vmid: 620 })).body?.data as unknown[];
    expect(lvm).toEqual([]);
  });
});
