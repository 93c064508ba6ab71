/**
 * Portainer inside the built-in simulator's Swarm manager: when Phoenix dials the manager's
 * Portainer port, the simulated guest answers if — and only if — its Docker Engine runs a
 * Portainer server task publishing that port. The simulated Portainer is started in-process
 * with the certificate and key the service's bind mount and `--sslcert`/`--sslkey` name in the
 * guest's file tree (what the PKI provider wrote there), keeps its database in the guest's
 * `portainer_data` volume (so state survives between commands, like the real /data), and
 * answers on loopback. Nothing is ever sent to a guest's private address.
 * The simulated Docker Engine never keeps secret data, so the simulated Portainer cannot read
 * `--admin-password-file`: it starts without an administrator and Phoenix initialises it
 * through the API (the path a fresh Portainer takes).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { DockerClient } from '../clients/docker/client.ts';
import type { Dial } from '../clients/dial/dialer.ts';
import { startSimPortainer, type SimPortainer } from '../sim/portainer/index.ts';

export interface SimulatedPortainerOptions {
  /** The guests' static addresses (what Phoenix dials). */
  guests: { vmid: number; ip: string }[];
  /** A guest's file tree on this machine. */
  guestRoot(vmid: number): string;
  /** The guest's (simulated) Docker Engine; undefined when it has none. */
  docker(vmid: number): DockerClient | undefined;
}

function refused(host: string, port: number): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' });
}

interface ServiceSpecView {
  TaskTemplate?: {
    ContainerSpec?: { Image?: string; Args?: string[]; Mounts?: { Type: string; Source: string; Target: string }[] };
  };
  EndpointSpec?: { Ports?: { TargetPort?: number; PublishedPort?: number }[] };
}

/** Maps a path inside the container to the guest's tree through the service's bind mounts. */
function guestPath(spec: ServiceSpecView, containerPath: string): string | undefined {
  for (const m of spec.TaskTemplate?.ContainerSpec?.Mounts ?? []) {
    if (m.Type === 'bind' && (containerPath === m.Target || containerPath.startsWith(`${m.Target}/`)))
      return m.Source + containerPath.slice(m.Target.length);
  }
  return undefined;
}

function arg(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

export function simulatedPortainer(options: SimulatedPortainerOptions): {
  dial: Dial;
  running(vmid: number): SimPortainer | undefined;
  close(): Promise<void>;
} {
  const started = new Map<string, Promise<SimPortainer>>();
  const done = new Map<string, SimPortainer>();

  async function serving(vmid: number, port: number): Promise<SimPortainer | undefined> {
    // Once started it keeps running for this process, like a container: no Docker read per request.
    const running = started.get(`${vmid}:${port}`);
    if (running) return running;
    const docker = options.docker(vmid);
    if (!docker) return undefined;
    const services = await docker.listServices().catch(() => []);
    const service = services.find((s) => {
      const spec = s.Spec as ServiceSpecView;
      return (
        /^portainer\/portainer-(ce|ee):/.test(spec.TaskTemplate?.ContainerSpec?.Image ?? '') &&
        (spec.EndpointSpec?.Ports ?? []).some((p) => p.PublishedPort === port && p.TargetPort === 9443)
      );
    });
    if (!service) return undefined;
    const tasks = await docker.listTasks({ service: [service.ID] });
    if (!tasks.some((t) => t.Status.State === 'running' && t.DesiredState === 'running')) return undefined;
    const key = `${vmid}:${port}`;
    let sim = started.get(key);
    if (!sim) {
      const spec = service.Spec as ServiceSpecView;
      const args = spec.TaskTemplate?.ContainerSpec?.Args ?? [];
      const file = (flag: string) => {
        const inContainer = arg(args, flag);
        const onGuest = inContainer ? guestPath(spec, inContainer) : undefined;
        if (!onGuest) throw refused('portainer', port); // no certificate: the real server would not start either
        return readFileSync(join(options.guestRoot(vmid), onGuest), 'utf8');
      };
      const image = spec.TaskTemplate?.ContainerSpec?.Image ?? '';
      sim = startSimPortainer({
        tls: { cert: file('--sslcert'), key: file('--sslkey') },
        version: image.split(':')[1] ?? 'latest',
        dataFile: join(
          options.guestRoot(vmid),
          'var/lib/docker/volumes/portainer_portainer_data/_data/phoenix-sim-portainer.json',
        ),
      });
      started.set(key, sim);
      sim.then(
        (s) => done.set(key, s),
        () => started.delete(key),
      );
    }
    return sim;
  }

  return {
    async dial(host, port) {
      const guest = options.guests.find((g) => g.ip === host);
      if (!guest) throw refused(host, port);
      const sim = await serving(guest.vmid, port);
      if (!sim) throw refused(host, port);
      return new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: sim.port });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    },
    running(vmid) {
      return [...done.entries()].find(([k]) => k.startsWith(`${vmid}:`))?.[1];
    },
    async close() {
      for (const s of started.values()) await s.then((x) => x.stop()).catch(() => undefined);
    },
  };
}
