/**
 * The simulated system tools: systemctl (state + reload/restart counters; a written unit whose
 * ExecStart binary is missing fails to start), apt-get install, dpkg-query -W, id -u, useradd, update-ca-certificates, and exportfs -ra (validates /etc/exports and /etc/exports.d/*.exports).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { simPackage } from '../guests/debian-packages.ts';
import { checkExports } from './exports-check.ts';
import { Exit, fail, stripFlags, type Io } from './shell-io.ts';
import { unitName, type ServiceState, type SimTree } from './sim-tree.ts';
import { nginxCommand, type NginxCheckOptions } from './nginx-command.ts';

export function systemCommand(tree: SimTree, name: string, args: string[], io: Io, nginx?: NginxCheckOptions): void {
  switch (name) {
    case 'systemctl':
      return systemctl(tree, args, io, nginx);
    case 'kill':
      return kill(tree, args);
    case 'apt-get': {
      const { rest } = stripFlags(args);
      if (rest[0] !== 'install') fail(100, `E: only apt-get install is simulated\n`);
      const fresh = rest.slice(1).filter((pkg) => !tree.readMeta().packages.includes(pkg));
      tree.updateMeta((meta) => {
        meta.packages = [...new Set([...meta.packages, ...rest.slice(1)])].sort();
      });
      for (const pkg of fresh) installPackageFiles(tree, pkg);
      return;
    }
    case 'dpkg-query': {
      // `dpkg-query -W [-f FORMAT] pkg...`: known packages print FORMAT, unknown ones exit 1.
      const formatAt = args.indexOf('-f');
      const format = formatAt >= 0 ? (args[formatAt + 1] ?? '') : '${Package}\t${Version}\n';
      const names = args.filter((arg, i) => !arg.startsWith('-') && !(formatAt >= 0 && i === formatAt + 1));
      const installed = new Set(tree.readMeta().packages);
      const unknown: string[] = [];
      for (const pkg of names) {
        if (!installed.has(pkg)) {
          unknown.push(`dpkg-query: no packages found matching ${pkg}\n`);
          continue;
        }
        const fields: Record<string, string> = { Package: pkg, Status: 'install ok installed', Version: '1.0-sim' };
        io.out.push(format.replace(/\$\{(\w+)\}/g, (_m, key: string) => fields[key] ?? '').replace(/\\n/g, '\n'));
      }
      if (unknown.length > 0) fail(1, unknown.join(''));
      return;
    }
    case 'id': {
      // `id -u NAME`: root and the users useradd created.
      const user = args[args.length - 1] ?? 'root';
      const users = tree.readMeta().users ?? [];
      if (user !== 'root' && !users.includes(user)) fail(1, `id: '${user}': no such user\n`);
      io.out.push(`${user === 'root' ? 0 : 990 - users.indexOf(user)}\n`);
      return;
    }
    case 'useradd': {
      const valued = new Set(['--home-dir', '-d', '--shell', '-s', '--uid', '-u', '--gid', '-g', '--comment', '-c']);
      const names = args.filter((arg, i) => !arg.startsWith('-') && !valued.has(args[i - 1] ?? ''));
      const user = names[0];
      if (names.length !== 1 || user === undefined) fail(2, 'Usage: useradd [options] LOGIN\n');
      if (user === 'root' || (tree.readMeta().users ?? []).includes(user as string))
        fail(9, `useradd: user '${user}' already exists\n`);
      tree.updateMeta((meta) => {
        meta.users = [...(meta.users ?? []), user as string];
      });
      return;
    }
    case 'update-ca-certificates': {
      // Debian's ca-certificates: every .crt under /usr/local/share/ca-certificates joins the bundle.
      const dir = tree.resolve('/usr/local/share/ca-certificates');
      const local = existsSync(dir)
        ? readdirSync(dir)
            .filter((name) => name.endsWith('.crt'))
            .sort()
        : [];
      const before = tree.readMeta().trusted ?? [];
      mkdirSync(tree.resolve('/etc/ssl/certs'), { recursive: true });
      writeFileSync(
        tree.resolve('/etc/ssl/certs/ca-certificates.crt'),
        local.map((name) => readFileSync(join(dir, name), 'utf8')).join(''),
      );
      tree.updateMeta((meta) => {
        meta.trusted = local;
        meta.trustUpdates = (meta.trustUpdates ?? 0) + 1;
      });
      const added = local.filter((name) => !before.includes(name)).length;
      const removed = before.filter((name) => !local.includes(name)).length;
      io.out.push(
        `Updating certificates in /etc/ssl/certs...\n${added} added, ${removed} removed; done.\nRunning hooks in /etc/ca-certificates/update.d...\ndone.\n`,
      );
      return;
    }
    case 'exportfs': {
      if (args.join(' ') !== '-ra') fail(1, 'exportfs: only `exportfs -ra` is simulated\n');
      const files = ['/etc/exports'];
      const dir = tree.resolve('/etc/exports.d');
      if (existsSync(dir)) {
        for (const name of readdirSync(dir).sort()) if (name.endsWith('.exports')) files.push(`/etc/exports.d/${name}`);
      }
      const problems: string[] = [];
      for (const file of files) {
        const host = tree.resolve(file);
        if (!existsSync(host)) continue;
        problems.push(...checkExports(readFileSync(host, 'utf8'), file, (path) => existsSync(tree.resolve(path))));
      }
      if (problems.length > 0) fail(1, problems.map((p) => `exportfs: ${p}\n`).join(''));
      tree.updateMeta((meta) => {
        meta.exportfsRuns += 1;
      });
      return;
    }
  }
}

/** A running unit's simulated main PID: stable per unit name, 0 when stopped (like MainPID). */
export function mainPid(unit: string, active: boolean): number {
  if (!active) return 0;
  let hash = 0;
  for (const ch of unit) hash = (hash * 31 + ch.charCodeAt(0)) % 30000;
  return 1000 + hash;
}

/** `kill -HUP <pid>`: a HUP to a running unit's main PID counts as a reload (dnsmasq re-reads its hosts). */
function kill(tree: SimTree, args: string[]): void {
  const [signal, pidText] = args;
  if ((signal !== '-HUP' && signal !== '-1' && signal !== '-s') || pidText === undefined) {
    fail(2, 'kill: only `kill -HUP <pid>` is simulated\n');
  }
  const pid = Number(signal === '-s' ? args[2] : pidText);
  tree.updateMeta((meta) => {
    const unit = Object.keys(meta.services).find((name) => mainPid(name, meta.services[name]?.active ?? false) === pid);
    if (pid === 0 || unit === undefined) fail(1, `sh: 1: kill: No such process\n`);
    (meta.services[unit as string] as { reloads: number }).reloads += 1;
  });
}

/**
 * Debian's nginx unit checks the config before it starts (ExecStartPre=nginx -t -q): a config
 * nginx refuses leaves the service failed, also on restart (it was stopped first).
 */
function preStart(tree: SimTree, unit: string, io: Io, nginx?: NginxCheckOptions): boolean {
  // A unit Phoenix wrote whose ExecStart binary is missing fails like systemd's status=203/EXEC.
  const unitFile = tree.resolve(`/etc/systemd/system/${unit}.service`);
  if (existsSync(unitFile)) {
    const exec = /^ExecStart=(\/\S+)/m.exec(readFileSync(unitFile, 'utf8'))?.[1];
    // systemctl itself says only that the job failed; the EXEC detail goes to the journal.
    if (exec && !existsSync(tree.resolve(exec))) return false;
  }
  if (unit !== 'nginx' || !tree.readMeta().packages.includes('nginx')) return true;
  try {
    nginxCommand(tree, ['-t', '-q'], { ...io, out: [], err: [] }, nginx);
    return true;
  } catch (error) {
    if (error instanceof Exit) return false;
    throw error;
  }
}

const jobFailed = (unit: string): string =>
  `Job for ${unit}.service failed because the control process exited with error code.\n` +
  `See "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`;

function systemctl(tree: SimTree, args: string[], io: Io, nginx?: NginxCheckOptions): void {
  const { flags, rest } = stripFlags(args);
  const [verb, ...units] = rest;
  if (verb === 'daemon-reload' && units.length === 0) return;
  if (verb === 'show') {
    // `systemctl show -p MainPID --value <unit>`: the only property Phoenix reads.
    const unit = args[args.length - 1] ?? '';
    if (!args.includes('MainPID') || !flags.has('--value'))
      fail(1, 'systemctl show: only -p MainPID --value is simulated\n');
    const state = tree.service(unitName(unit));
    io.out.push(`${mainPid(unitName(unit), state.active)}\n`);
    return;
  }
  const start = (state: ServiceState, unit: string): void => {
    if (!preStart(tree, unit, io, nginx)) {
      tree.updateMeta((meta) => {
        meta.services[unit] = { ...state, active: false };
      });
      fail(1, jobFailed(unit));
    }
    state.active = true;
  };
  for (const raw of units) {
    const unit = unitName(raw);
    const state = tree.service(unit);
    switch (verb) {
      case 'is-active':
        io.out.push(`${state.active ? 'active' : 'inactive'}\n`);
        if (!state.active) fail(3, '');
        break;
      case 'is-enabled':
        io.out.push(`${state.enabled ? 'enabled' : 'disabled'}\n`);
        if (!state.enabled) fail(1, '');
        break;
      case 'reload':
        if (!state.active) fail(1, `${unit}.service is not active, cannot reload.\n`);
        state.reloads += 1;
        break;
      case 'enable':
        state.enabled = true;
        if (flags.has('--now') && !state.active) start(state, unit);
        break;
      case 'disable':
        state.enabled = false;
        break;
      case 'start':
        if (!state.active) start(state, unit);
        break;
      case 'stop':
        state.active = false;
        break;
      case 'restart':
        state.active = false;
        start(state, unit);
        state.restarts += 1;
        break;
      default:
        fail(1, `Unknown command verb ${verb ?? ''}.\n`);
    }
    tree.updateMeta((meta) => {
      meta.services[unit] = state;
    });
  }
}

/** A fresh install lays down the package's files (never over an existing one, like dpkg's conffiles) and starts its service. */
function installPackageFiles(tree: SimTree, name: string): void {
  const pkg = simPackage(name);
  if (!pkg) return;
  for (const dir of pkg.dirs) mkdirSync(tree.resolve(dir), { recursive: true });
  for (const [path, content] of Object.entries(pkg.files)) {
    mkdirSync(tree.resolve(posix.dirname(path)), { recursive: true });
    if (!existsSync(tree.resolve(path))) writeFileSync(tree.resolve(path), content);
  }
  if (pkg.service) {
    const unit = pkg.service;
    tree.updateMeta((meta) => {
      const state = meta.services[unit] ?? { enabled: false, active: false, reloads: 0, restarts: 0 };
      meta.services[unit] = { ...state, enabled: true, active: true };
    });
  }
}
