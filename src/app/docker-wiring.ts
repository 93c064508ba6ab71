/**
 * The built-in simulator's Docker Engines: each simulated Swarm guest runs one (src/sim/docker)
 * once Phoenix has installed and configured Docker in it — the package's service active and a
 * `daemon.json` that listens on 2376 with `tlsverify` — and not before (the dial is refused like
 * a closed port). Engines are served on local sockets in a private temporary directory and
 * share one simulated network, so the worker joins the manager's Swarm. Their state is kept in
 * `<simulator data>/docker/engines.json`, so the next Phoenix process sees the same Swarm.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimDockerHosts } from '../sim/docker/engine.ts';

interface GuestMeta {
  services?: Record<string, { active?: boolean }>;
}

/** Why the guest's Docker API would not answer on 2376 with TLS; undefined when it would. */
function notServing(guestDir: string): string | undefined {
  const metaFile = join(guestDir, 'meta.json');
  const meta = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as GuestMeta) : {};
  if (meta.services?.docker?.active !== true) return 'docker is not running';
  const file = join(guestDir, 'root', 'etc', 'docker', 'daemon.json');
  if (!existsSync(file)) return 'no /etc/docker/daemon.json';
  const json = JSON.parse(readFileSync(file, 'utf8')) as { hosts?: string[]; tlsverify?: boolean };
  if (!json.hosts?.some((h) => /^tcp:\/\/.*:2376$/.test(h))) return 'dockerd does not listen on 2376';
  if (json.tlsverify !== true) return 'dockerd would serve 2376 without client certificates';
  return undefined;
}

/**
 * `guestExists` asks the simulated cluster (one read per first dial of a guest): a destroyed
 * guest's Docker is gone with it, so its engine state is dropped and a new guest starts afresh.
 */
export function simulatedDockerDialer(
  simulatorDataDir: string,
  guestExists: (vmid: number) => Promise<boolean>,
): {
  dial(guest: { vmid: number; name: string; address: string }): Promise<{ socketPath: string }>;
  close(): Promise<void>;
} {
  const stateDir = join(simulatorDataDir, 'docker');
  const stateFile = join(stateDir, 'engines.json');
  const hosts = new SimDockerHosts({ pullable: () => true, taskStartMs: 150 });
  if (existsSync(stateFile)) hosts.restore(JSON.parse(readFileSync(stateFile, 'utf8')));
  const save = (): void => {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(hosts.snapshot()), { mode: 0o600 });
    renameSync(`${stateFile}.tmp`, stateFile);
  };
  let socketDir: string | undefined;
  const servers = new Map<number, Promise<{ server: Server; socketPath: string }>>();
  return {
    async dial(guest) {
      if (!servers.has(guest.vmid) && !(await guestExists(guest.vmid))) {
        if (hosts.engines.has(String(guest.vmid))) {
          hosts.remove(String(guest.vmid));
          save();
        }
        throw Object.assign(new Error(`connect EHOSTUNREACH ${guest.address}:2376 (no VM ${guest.vmid})`), {
          code: 'EHOSTUNREACH',
        });
      }
      const why = notServing(join(simulatorDataDir, 'guests', String(guest.vmid)));
      if (why)
        throw Object.assign(new Error(`connect ECONNREFUSED ${guest.address}:2376 (${why})`), {
          code: 'ECONNREFUSED',
        });
      let started = servers.get(guest.vmid);
      if (!started) {
        socketDir ??= mkdtempSync(join(tmpdir(), 'phoenix-simdocker-'));
        const socketPath = join(socketDir, `${guest.vmid}.sock`);
        const engine = hosts.engine(String(guest.vmid), guest.name);
        const server = createServer((req, res) => {
          // Saved after every change: the next Phoenix process must see the same Swarm.
          if (req.method !== 'GET') res.once('finish', save);
          engine.serve(req, res).catch((error: unknown) => {
            res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
          });
        });
        started = new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(socketPath, () => resolve({ server, socketPath }));
        });
        servers.set(guest.vmid, started);
      }
      return { socketPath: (await started).socketPath };
    },
    async close() {
      for (const started of servers.values()) {
        const { server } = await started;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      if (servers.size > 0) save();
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
