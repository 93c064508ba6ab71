/**
 * Conformance: every GET the simulator implements under /nodes/{node}, /cluster and /access
 * answers as PVE 8.4 does — schema-valid data (the `returns` of the official schema, checked
 * by ajv) or one of PVE's error texts where the real node has nothing to show (ceph not
 * installed, unknown ids, standalone node) — and the reads issue 17 lists answer data. Path
 * parameters are filled with objects that exist in the simulated cluster. A GET the simulator
 * lacks still answers 501 with the text of spec §3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCoverage } from '../coverage.ts';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { returnsErrors } from './__fixtures__/returns.ts';

let sim: TestSimulator;
const UNKNOWN = 'nonexistent';

/** Values for path parameters: objects that exist after `beforeAll`. */
const PATH_VALUES: Record<string, string> = {
  node: 'pve',
  storage: 'local',
  iface: 'vmbr0',
  upid: '',
  groupid: 'admins',
  realm: 'pve',
  poolid: 'p1',
  roleid: 'PVEAdmin',
  userid: 'root@pam',
  service: 'pveproxy',
  zone: 'localnetwork',
  'pci-id-or-mapping': '0000:00:02.0',
  snapname: 'first',
  name: UNKNOWN,
  group: UNKNOWN,
  id: UNKNOWN,
  sid: UNKNOWN,
  vnet: UNKNOWN,
  controller: UNKNOWN,
  ipam: 'pve',
  dns: UNKNOWN,
  flag: 'noout',
  pos: '0',
  cidr: UNKNOWN,
  tokenid: 'phoenix',
  volume: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
  osdid: '0',
};

/** Required query parameters of some reads. */
const QUERY: Record<string, Record<string, string | number>> = {
  '/nodes/{node}/rrddata': { timeframe: 'hour' },
  '/nodes/{node}/qemu/{vmid}/rrddata': { timeframe: 'day', cf: 'MAX' },
  '/nodes/{node}/lxc/{vmid}/rrddata': { timeframe: 'week' },
  '/nodes/{node}/storage/{storage}/rrddata': { timeframe: 'month' },
  '/nodes/{node}/disks/smart': { disk: '/dev/sda' },
  '/nodes/{node}/qemu/{vmid}/feature': { feature: 'snapshot' },
  '/nodes/{node}/lxc/{vmid}/feature': { feature: 'clone' },
  '/nodes/{node}/scan/lvmthin': { vg: 'pve' },
  '/nodes/{node}/scan/nfs': { server: 'pve' },
  '/nodes/{node}/ceph/cfg/value': { 'config-keys': 'global:fsid' },
  '/nodes/{node}/ceph/cmd-safety': { service: 'osd', id: '0', action: 'stop' },
  '/nodes/{node}/aplinfo': {},
  '/nodes/{node}/qemu/{vmid}/agent/exec-status': { pid: 1 },
  '/nodes/{node}/qemu/{vmid}/agent/file-read': { file: '/etc/hostname' },
  '/nodes/{node}/storage/{storage}/file-restore/list': { volume: 'x', filepath: '/' },
  '/nodes/{node}/qemu/{vmid}/cloudinit/dump': { type: 'user' },
  '/nodes/{node}/rrd': { ds: 'cpu', timeframe: 'hour' },
  '/nodes/{node}/qemu/{vmid}/rrd': { ds: 'cpu', timeframe: 'hour' },
  '/nodes/{node}/lxc/{vmid}/rrd': { ds: 'cpu', timeframe: 'hour' },
  '/nodes/{node}/storage/{storage}/rrd': { ds: 'used', timeframe: 'hour' },
  '/cluster/jobs/schedule-analyze': { schedule: 'mon..fri 8:00,30', iterations: 5 },
  '/nodes/{node}/apt/changelog': { name: 'pve-manager' },
  '/nodes/{node}/vzdump/extractconfig': { volume: 'local:backup/vzdump-qemu-100-2025_01_01-00_00_00.vma.zst' },
};

/** Reads that answer an error on a fresh standalone node, as PVE does. */
const PVE_ERRORS: RegExp[] = [
  /binary not installed/,
  /does not exist/,
  /not found/,
  /no such/i,
  /is this node part of a cluster/,
  /not running/,
  /No QEMU guest agent configured/,
  /QEMU guest agent is not running/,
  /could not find PCI device/,
  /no rule at position/,
  /no such alias/,
  /ceph-mon/,
  /not defined/,
  // Endpoints without `permissions` are root@pam's only (check_api2_permissions).
  /Permission check failed \(user != root@pam\)/,
];

/**
 * Where real PVE 8.4 answers against its own `returns` schema (spec §8 JSON type drift), the
 * simulator answers like PVE: these keys are checked to still differ in exactly this way.
 */
const PVE_DRIFT: Record<string, string> = {
  '/cluster/nextid': '/ must be integer',
  '/nodes/{node}/disks/list': 'osdid-list must be array',
};

/** Issue 17's reads: these must answer data. */
const MUST_ANSWER = [
  '/nodes/{node}/version',
  '/nodes/{node}/time',
  '/nodes/{node}/dns',
  '/nodes/{node}/hosts',
  '/nodes/{node}/subscription',
  '/nodes/{node}/netstat',
  '/nodes/{node}/services',
  '/nodes/{node}/apt/versions',
  '/nodes/{node}/hardware/pci',
  '/nodes/{node}/capabilities/qemu/cpu',
  '/nodes/{node}/replication',
  '/nodes/{node}/rrddata',
  '/nodes/{node}/qemu/{vmid}/rrddata',
  '/nodes/{node}/lxc/{vmid}/rrddata',
  '/nodes/{node}/storage/{storage}/rrddata',
  '/nodes/{node}/disks/smart',
  '/nodes/{node}/disks/lvm',
  '/nodes/{node}/disks/lvmthin',
  '/nodes/{node}/disks/directory',
  '/cluster/options',
  '/cluster/tasks',
  '/cluster/ha/status/current',
  '/cluster/ha/resources',
  '/cluster/backup',
  '/cluster/replication',
  '/cluster/log',
  '/access/groups/{groupid}',
  '/access/domains/{realm}',
];

function fill(route: string): string {
  return route.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'vmid') return route.includes('/lxc/') ? '101' : '100';
    if (name === 'id' && route.includes('replication')) return '100-0';
    return encodeURIComponent(PATH_VALUES[name] ?? UNKNOWN);
  });
}

beforeAll(async () => {
  sim = await startTestSimulator();
  await sim.api('POST', '/pools', { poolid: 'p1' });
  await sim.api('POST', '/access/groups', { groupid: 'admins', comment: 'the admins' });
  await sim.api('POST', '/nodes/pve/qemu', { vmid: 100, scsi0: 'local-lvm:1', net0: 'virtio,bridge=vmbr0', start: 1 });
  await sim.api('POST', '/nodes/pve/lxc', {
    vmid: 101,
    ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    rootfs: 'local-lvm:1',
    net0: 'name=eth0,bridge=vmbr0',
    start: 1,
  });
  await new Promise((r) => setTimeout(r, 100));
  await sim.api('POST', '/nodes/pve/qemu/100/snapshot', { snapname: 'first' });
  await new Promise((r) => setTimeout(r, 100));
  const tasks = (await sim.api('GET', '/nodes/pve/tasks')).body?.data as { upid: string }[];
  PATH_VALUES.upid = tasks[0]?.upid ?? '';
});
afterAll(async () => {
  await sim.stop();
});

describe('reads under /nodes/{node}, /cluster and /access', () => {
  it('§A every implemented GET answers schema-valid data or a PVE error text', async () => {
    const gets = simCoverage()
      .implemented.filter((k) => k.startsWith('GET '))
      .map((k) => k.slice(4))
      .filter((r) => /^\/(nodes\/\{node\}|cluster|access)(\/|$)/.test(r));
    expect(gets.length).toBeGreaterThan(250);
    const problems: string[] = [];
    let answered = 0;
    for (const route of gets) {
      const res = await sim.api('GET', fill(route), QUERY[route] ?? {});
      if (res.status === 200) {
        answered += 1;
        const errors = returnsErrors('GET', route, res.body?.data);
        const drift = PVE_DRIFT[route];
        if (drift !== undefined) {
          if (!errors.some((e) => e.includes(drift))) problems.push(`${route}: expected PVE's drift '${drift}'`);
          continue;
        }
        if (errors.length > 0) problems.push(`${route}: ${errors.join('; ')}`);
        continue;
      }
      const text = `${res.statusText} ${JSON.stringify(res.body?.errors ?? {})}`;
      if (MUST_ANSWER.includes(route) || !PVE_ERRORS.some((re) => re.test(text)) || res.status === 501)
        problems.push(`${route}: ${res.status} ${text}`);
    }
    expect(problems).toEqual([]);
    expect(answered).toBeGreaterThan(120);
    expect(MUST_ANSWER.filter((r) => !gets.includes(r))).toEqual([]);
  });

  it('§A.1 rrddata is deterministic, 70 rows per timeframe, MAX >= AVERAGE', async () => {
    for (const timeframe of ['hour', 'day', 'week', 'month', 'year']) {
      const avg = (await sim.api('GET', '/nodes/pve/rrddata', { timeframe })).body?.data as Record<string, number>[];
      const again = (await sim.api('GET', '/nodes/pve/rrddata', { timeframe })).body?.data;
      const max = (await sim.api('GET', '/nodes/pve/rrddata', { timeframe, cf: 'MAX' })).body?.data as Record<
        string,
        number
      >[];
      expect(avg).toHaveLength(70);
      expect(again).toEqual(avg);
      const step = (avg[1]?.time ?? 0) - (avg[0]?.time ?? 0);
      expect(step).toBe({ hour: 60, day: 1800, week: 10800, month: 43200, year: 604800 }[timeframe]);
      avg.forEach((row, i) => expect(max[i]?.cpu).toBeGreaterThanOrEqual(row.cpu ?? 0));
    }
  });

  it('§A node dns, time zone, hosts and datacenter options are written and read back', async () => {
    expect((await sim.api('PUT', '/nodes/pve/dns', { search: 'lab.example', dns1: '10.0.0.53' })).status).toBe(200);
    expect((await sim.api('GET', '/nodes/pve/dns')).body?.data).toEqual({ search: 'lab.example', dns1: '10.0.0.53' });
    expect((await sim.api('PUT', '/nodes/pve/time', { timezone: 'Europe/Berlin' })).status).toBe(200);
    const time = (await sim.api('GET', '/nodes/pve/time')).body?.data as { time: number; localtime: number };
    expect(time).toMatchObject({ timezone: 'Europe/Berlin' });
    expect([3600, 7200]).toContain(time.localtime - time.time);
    expect((await sim.api('PUT', '/nodes/pve/time', { timezone: 'Mars/Olympus' })).statusText).toBe(
      "invalid time zone 'Mars/Olympus'",
    );
    const hosts = (await sim.api('GET', '/nodes/pve/hosts')).body?.data as { data: string; digest: string };
    const stale = await sim.api('POST', '/nodes/pve/hosts', { data: 'x\n', digest: '0'.repeat(40) });
    expect(stale.statusText).toBe('hosts file changed by other user');
    await sim.api('POST', '/nodes/pve/hosts', { data: `${hosts.data}10.0.0.9 extra\n`, digest: hosts.digest });
    expect(((await sim.api('GET', '/nodes/pve/hosts')).body?.data as { data: string }).data).toContain(
      '10.0.0.9 extra',
    );
    await sim.api('PUT', '/cluster/options', { keyboard: 'de', 'next-id': 'lower=5000', delete: 'mac_prefix' });
    const options = (await sim.api('GET', '/cluster/options')).body?.data;
    expect(options).toEqual({ keyboard: 'de', 'next-id': 'lower=5000' });
    for (const [route, data] of [
      ['/nodes/{node}/dns', (await sim.api('GET', '/nodes/pve/dns')).body?.data],
      ['/nodes/{node}/time', time],
      ['/cluster/options', options],
    ] as const)
      expect(returnsErrors('GET', route, data)).toEqual([]);
  });

  it('§4.4 service actions and apt update run as tasks; a stopped service shows inactive, reload then fails', async () => {
    const stop = await sim.api('POST', '/nodes/pve/services/pvestatd/stop');
    expect(String(stop.body?.data)).toContain(':srvstop:pvestatd:');
    expect(returnsErrors('POST', '/nodes/{node}/services/{service}/stop', stop.body?.data)).toEqual([]);
    const wait = async (upid: unknown): Promise<string | undefined> => {
      for (let i = 0; i < 200; i++) {
        const s = (await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(String(upid))}/status`)).body?.data as {
          status: string;
          exitstatus?: string;
        };
        if (s.status === 'stopped') return s.exitstatus;
        await new Promise((r) => setTimeout(r, 10));
      }
      return undefined;
    };
    expect(await wait(stop.body?.data)).toBe('OK');
    const state = (await sim.api('GET', '/nodes/pve/services/pvestatd/state')).body?.data;
    expect(state).toMatchObject({ state: 'dead', 'active-state': 'inactive' });
    const reload = await sim.api('POST', '/nodes/pve/services/pvestatd/reload');
    expect(await wait(reload.body?.data)).toBe("command 'systemctl reload pvestatd' failed: exit code 1");
    expect(await wait((await sim.api('POST', '/nodes/pve/services/pvestatd/start')).body?.data)).toBe('OK');
    expect((await sim.api('GET', '/nodes/pve/services/pvestatd/state')).body?.data).toMatchObject({ state: 'running' });
    const apt = await sim.api('POST', '/nodes/pve/apt/update');
    expect(String(apt.body?.data)).toContain(':aptupdate::');
    expect(await wait(apt.body?.data)).toBe('OK');
  });

  it('§3 a GET the simulator still lacks answers 501 with the text of today', async () => {
    const missing = simCoverage().missing.find((k) => k === 'GET /nodes/{node}/vncwebsocket');
    expect(missing).toBeDefined();
    const res = await sim.api('GET', '/nodes/pve/vncwebsocket', { port: 5900, vncticket: 'x' });
    expect(res.status).toBe(501);
    expect(res.statusText).toBe("Method 'GET /nodes/pve/vncwebsocket' not implemented");
  });
});
