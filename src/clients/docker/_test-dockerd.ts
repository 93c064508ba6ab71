/**
 * Test-only: real dockerd peers in private network namespaces (REAL-PEERS.md "Docker Swarm over
 * TLS across two namespaces"). Each daemon gets its own data-root, exec-root, pidfile and socket,
 * TLS on 2376 with client certificates required (daemon.json from Phoenix's own generator), and
 * is stopped by its PID. The namespaces, veths and bridge are created and removed here.
 * A missing dockerd is a skip locally and a failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  copyFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { daemonJson } from './daemon-json.ts';
import { DockerClient } from './client.ts';

const DOCKERD = '/usr/sbin/dockerd';
const BUSYBOX = '/bin/busybox';

/** Whether the real peer can run here; under CI=true its absence is an error, elsewhere a skip. */
export function dockerdAvailable(): boolean {
  const ok = existsSync(DOCKERD) && existsSync(BUSYBOX) && process.getuid?.() === 0;
  if (!ok && process.env.CI === 'true')
    throw new Error('dockerd/busybox missing or not root: run scripts/install-peers.sh');
  return ok;
}

function run(argv: string[]): string {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

export interface TestTls {
  dir: string;
  ca: string;
  /** Phoenix's client certificate and key (PEM text). */
  client: { cert: string; key: string };
  /** Paths of a server certificate for `name` with the given IP SANs. */
  server(name: string, ips: string[]): { ca: string; cert: string; key: string };
}

/** One small test CA (openssl) issuing server and client certificates. */
export function makeTestTls(dir: string): TestTls {
  const p = (name: string) => join(dir, name);
  run([
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Phoenix Docker Test CA',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
  ]);
  const issue = (name: string, ext: string) => {
    run([
      'openssl',
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.csr`),
    ]);
    writeFileSync(p(`${name}.ext`), ext);
    run([
      'openssl',
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      p(`${name}.ext`),
      '-out',
      p(`${name}.pem`),
    ]);
  };
  issue('phoenix-client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: readFileSync(p('ca.pem'), 'utf8'),
    client: { cert: readFileSync(p('phoenix-client.pem'), 'utf8'), key: readFileSync(p('phoenix-client.key'), 'utf8') },
    server(name, ips) {
      issue(name, `extendedKeyUsage=serverAuth\nsubjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}\n`);
      return { ca: p('ca.pem'), cert: p(`${name}.pem`), key: p(`${name}.key`) };
    },
  };
}

export interface TestDockerd {
  name: string;
  /** Address inside the test network (also reachable from the root namespace over the bridge). */
  ip: string;
  socket: string;
  pid: number;
  /** Client over TLS with Phoenix's client certificate. */
  client: DockerClient;
}

export interface DockerdCluster {
  nodes: TestDockerd[];
  tls: TestTls;
  stop(): Promise<void>;
}

async function waitForTcp(
  host: string,
  port: number,
  child: ChildProcess,
  log: string,
  deadlineMs: number,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let i = 0; i < 400 && Date.now() < until; i += 1) {
    if (child.exitCode !== null)
      throw new Error(`dockerd exited early (${child.exitCode}): ${readFileSync(log, 'utf8').slice(-2000)}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `dockerd did not listen on ${host}:${port} within ${deadlineMs} ms: ${readFileSync(log, 'utf8').slice(-2000)}`,
  );
}

/** A static busybox root filesystem as a tar stream (for `docker import`). */
export function busyboxTarball(dir: string): Readable {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'httpd', 'nc', 'sleep', 'echo', 'cat', 'mkdir', 'hostname', 'false', 'true']) {
    if (!existsSync(join(root, 'bin', applet))) symlinkSync('busybox', join(root, 'bin', applet));
  }
  const tar = join(dir, 'busybox.tar');
  run(['tar', '-C', root, '-cf', tar, '.']);
  return Readable.from([readFileSync(tar)]);
}

/**
 * Start `count` dockerd peers, one per fresh network namespace, joined by a fresh bridge that
 * also carries an address in the root namespace (so the test reaches port 2376 over the bridge).
 */
export async function startDockerdCluster(count: number): Promise<DockerdCluster> {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 90 + 10)}`;
  const octet = 100 + (Number(id) % 150);
  const subnet = `10.${octet}.${Math.floor(Math.random() * 250)}`;
  const bridge = `phxbr${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-dockerd-'));
  const tls = makeTestTls(dir);
  const children: ChildProcess[] = [];
  const namespaces: string[] = [];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    }
    for (const child of children) {
      const until = Date.now() + 15_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(child.pid, 'SIGKILL');
    }
    // Mounts left by a killed daemon would keep the data root busy.
    spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`], {
      timeout: 10_000,
    });
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    spawnSync('ip', ['link', 'del', bridge], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    run(['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    run(['ip', 'link', 'set', bridge, 'up']);
    const nodes: TestDockerd[] = [];
    for (let i = 0; i < count; i += 1) {
      const name = `node${i + 1}`;
      const ns = `phx${id}n${i + 1}`;
      const ip = `${subnet}.${11 + i}`;
      run(['ip', 'netns', 'add', ns]);
      namespaces.push(ns);
      run(['ip', 'link', 'add', `phx${id}v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run(['ip', 'link', 'set', `phx${id}v${i}`, 'master', bridge, 'up']);
      run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      run(['ip', '-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`]);
      // Never send to a namespace address unless it is routed over our own bridge.
      const route = run(['ip', 'route', 'get', ip]);
      if (!route.includes(`dev ${bridge}`)) throw new Error(`refusing: ${ip} is not routed over ${bridge}: ${route}`);
      const base = join(dir, name);
      mkdirSync(join(base, 'data'), { recursive: true });
      mkdirSync(join(base, 'exec'), { recursive: true });
      const socket = join(base, 'docker.sock');
      const serverTls = tls.server(name, [ip, '127.0.0.1']);
      const config = daemonJson({
        tls: serverTls,
        tcp: '0.0.0.0:2376',
        unixSocket: socket,
        extra: { 'storage-driver': 'vfs' },
      });
      writeFileSync(join(base, 'daemon.json'), JSON.stringify(config, null, 2));
      const log = join(base, 'dockerd.log');
      const out = await import('node:fs').then((fs) => fs.openSync(log, 'a'));
      const child = spawn(
        'nsenter',
        [
          `--net=/run/netns/${ns}`,
          'unshare',
          '--uts',
          'sh',
          '-c',
          `hostname ${name} && exec ${DOCKERD} --config-file ${join(base, 'daemon.json')} --data-root ${join(base, 'data')} --exec-root ${join(base, 'exec')} --pidfile ${join(base, 'docker.pid')} --shutdown-timeout 2`,
        ],
        {
          detached: true,
          stdio: ['ignore', out, out],
          env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
        },
      );
      children.push(child);
      await waitForTcp(ip, 2376, child, log, 30_000);
      const client = new DockerClient({ host: ip, port: 2376, tls: { ca: tls.ca, ...tls.client } });
      nodes.push({ name, ip, socket, pid: child.pid!, client });
    }
    return { nodes, tls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Import the busybox image on a node over the API (nothing pulled). */
export async function importBusybox(
  node: TestDockerd,
  dir: string,
  repo = 'phoenix-test/busybox',
  tag = 'latest',
): Promise<string> {
  await node.client.importImage(busyboxTarball(mkdtempSync(join(dir, 'img-'))), repo, tag);
  return `${repo}:${tag}`;
}
