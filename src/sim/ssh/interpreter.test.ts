import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommandLine, type ShellContext } from './interpreter.ts';
import { SimTree } from './sim-tree.ts';

let dir: string;
let ctx: ShellContext;
const run = (line: string, stdin = '') => runCommandLine(ctx, line, Buffer.from(stdin));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-interp-'));
  const guests = new Map<number, SimTree>();
  ctx = {
    node: 'pve',
    tree: new SimTree(join(dir, 'nodes', 'pve')),
    guests: {
      guestExists: (v) => v === 101 || v === 1001,
      guestRunning: (v) => v === 101,
      guestType: (v) => (v === 1001 ? 'qemu' : 'lxc'),
    },
    guestTree: (vmid) =>
      guests.get(vmid) ?? guests.set(vmid, new SimTree(join(dir, 'guests', String(vmid)))).get(vmid)!,
  };
  mkdirSync(ctx.tree.resolve('/etc'), { recursive: true });
  mkdirSync(ctx.guestTree(101).resolve('/etc'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('simulated node shell', () => {
  it('writes stdin through `cat >` with the umask, then chmod/chown/mv', () => {
    expect(
      run('umask 077 && cat > /etc/.t && chown www-data:adm /etc/.t && mv -f /etc/.t /etc/app.conf', 'data\n').code,
    ).toBe(0);
    expect(readFileSync(ctx.tree.resolve('/etc/app.conf'), 'utf8')).toBe('data\n');
    expect(statSync(ctx.tree.resolve('/etc/app.conf')).mode & 0o777).toBe(0o600);
    expect(run("stat -c '%a %U %G' /etc/app.conf").stdout).toBe('600 www-data adm\n');
  });

  it('stops a chain at the first failure, with the real tools’ messages', () => {
    expect(run('cat /etc/missing && rm -f /etc/app.conf')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'cat: /etc/missing: No such file or directory\n',
    });
    expect(run('stat -c %a /nope')).toMatchObject({
      code: 1,
      stderr: "stat: cannot statx '/nope': No such file or directory\n",
    });
    expect(run('wget http://x')).toMatchObject({ code: 127, stderr: 'sh: 1: wget: not found\n' });
  });

  it('pct push and exec reach the container tree; stopped or non-LXC guests fail like pct', () => {
    writeFileSync(ctx.tree.resolve('/etc/src'), 'hello');
    expect(run('pct push 101 /etc/src /etc/dst --perms 0600 --user nobody --group nogroup').code).toBe(0);
    expect(run('pct exec 101 -- stat -c %a:%U:%G /etc/dst').stdout).toBe('600:nobody:nogroup\n');
    expect(run('pct exec 101 -- cat /etc/dst').stdout).toBe('hello');
    expect(run('pct exec 102 -- true')).toMatchObject({
      code: 255,
      stderr: "Configuration file 'nodes/pve/lxc/102.conf' does not exist\n",
    });
    expect(run('pct exec 1001 -- true').code).toBe(255);
  });

  it('keeps service and package state, and refuses to reload a stopped unit', () => {
    expect(run('systemctl reload dnsmasq')).toMatchObject({
      code: 1,
      stderr: 'dnsmasq.service is not active, cannot reload.\n',
    });
    expect(run('systemctl enable --now dnsmasq && systemctl reload dnsmasq.service').code).toBe(0);
    expect(ctx.tree.service('dnsmasq')).toMatchObject({ enabled: true, active: true, reloads: 1 });
    expect(run('env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dnsmasq').code).toBe(0);
    expect(run("dpkg-query -W -f '${Package} ${Status}\\n' dnsmasq nope")).toMatchObject({
      code: 1,
      stdout: 'dnsmasq install ok installed\n',
      stderr: 'dpkg-query: no packages found matching nope\n',
    });
  });

  it('exportfs -ra validates the exports files like exportfs does', () => {
    mkdirSync(ctx.tree.resolve('/etc/exports.d'));
    mkdirSync(ctx.tree.resolve('/srv/a'), { recursive: true });
    writeFileSync(ctx.tree.resolve('/etc/exports.d/p.exports'), '/srv/a 10.0.0.5(rw,sync,no_subtree_check)\n');
    expect(run('exportfs -ra').code).toBe(0);
    writeFileSync(ctx.tree.resolve('/etc/exports.d/p.exports'), '/srv/b 10.0.0.5(rw)\n');
    expect(run('exportfs -ra')).toMatchObject({ code: 1, stderr: expect.stringContaining('Failed to stat /srv/b') });
    expect(ctx.tree.readMeta().exportfsRuns).toBe(1);
  });

  it('never lets a path climb out of the machine root', () => {
    expect(ctx.tree.resolve('/../../etc/passwd')).toBe(ctx.tree.resolve('/etc/passwd'));
  });
});

describe('guestDirectoryFor', () => {
  it('sees only the guests of its own node, like pct', async () => {
    const { guestDirectoryFor } = await import('./guest-directory.ts');
    const guests = new Map([
      [101, { type: 'lxc' as const, node: 'pve', status: 'running' }],
      [102, { type: 'lxc' as const, node: 'pve2', status: 'running' }],
      [1001, { type: 'qemu' as const, node: 'pve', status: 'stopped' }],
    ]);
    const directory = guestDirectoryFor('pve', guests);
    expect([101, 102, 1001].map((v) => directory.guestExists(v))).toEqual([true, false, true]);
    expect([101, 1001].map((v) => directory.guestRunning(v))).toEqual([true, false]);
    expect(directory.guestType?.(1001)).toBe('qemu');
  });
});

describe('kill -HUP of a service main PID', () => {
  it('counts as a reload of the unit that owns the PID', () => {
    expect(run('systemctl show -p MainPID --value dnsmasq').stdout).toBe('0\n');
    run('systemctl start dnsmasq');
    const pid = run('systemctl show -p MainPID --value dnsmasq').stdout.trim();
    expect(Number(pid)).toBeGreaterThan(0);
    expect(run(`kill -HUP ${pid}`).code).toBe(0);
    expect(ctx.tree.service('dnsmasq').reloads).toBe(1);
    expect(run('kill -HUP 1')).toMatchObject({ code: 1, stderr: 'sh: 1: kill: No such process\n' });
  });
});
