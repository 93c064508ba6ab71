/**
 * The Docker clients of the Swarm guests, built on first use and shared by the swarm and stacks
 * providers of one environment. A real guest is reached on its TLS port (2376) through the
 * runtime's dialer (direct TCP unless the environment supplies a tunnel) with Phoenix's own
 * client certificate; the built-in simulator's guests through the local socket it serves.
 *
 * Phoenix's client certificate follows the pki paths convention (pki/paths.ts) under the
 * environment's state directory: `<configDir>/.phoenix/certs/phoenix-docker/{fullchain,key}.pem`
 * and `<configDir>/.phoenix/certs/root.pem`; a key readable by others is refused.
 */
import { join } from 'node:path';
import { directDial } from '../../clients/dial/dialer.ts';
import { DockerClient } from '../../clients/docker/client.ts';
import { loadDockerClientTlsFiles } from '../../clients/docker/tls-files.ts';
import { ProviderError } from '../../errors.ts';
import type { ProviderRuntime } from '../provider.ts';
import {
  PHOENIX_DOCKER_CLIENT_CERT,
  PHOENIX_LOCAL_CERT_DIR,
  phoenixCertificateFiles,
  phoenixRootFile,
} from '../pki/paths.ts';
import { DOCKER_TLS_PORT, swarmGuests, type SwarmGuest } from './derive.ts';

/** The name of Phoenix's Docker client certificate (issued by the pki provider). */
export const DOCKER_CLIENT_CERT = PHOENIX_DOCKER_CLIENT_CERT;

export function dockerClientCertDir(configDir: string): string {
  return join(configDir, PHOENIX_LOCAL_CERT_DIR);
}

export interface SwarmClients {
  guests: SwarmGuest[];
  /** The Docker client of a Swarm guest, by guest name. */
  node(name: string): DockerClient;
  /** The manager's client: every Swarm-wide call goes there. */
  manager(): DockerClient;
  /** Every client built so far (request counting in tests and benchmarks). */
  built(): DockerClient[];
}

const shared = new WeakMap<ProviderRuntime, SwarmClients>();

/** One set of clients per environment (keyed by its runtime), whichever provider asks first. */
export function swarmClients(rt: ProviderRuntime): SwarmClients {
  const existing = shared.get(rt);
  if (existing) return existing;
  let guests: SwarmGuest[] = [];
  try {
    guests = swarmGuests(rt.config);
  } catch {
    // A config error is reported by derive; the handlers are only built here.
  }
  const clients = new Map<string, DockerClient>();
  const build = (guest: SwarmGuest): DockerClient => {
    const dialDocker = rt.dialDocker;
    // The simulator serves the guest's engine on a local socket, started when first used.
    if (dialDocker) return new DockerClient({ name: guest.name, resolve: () => dialDocker(guest) });
    const dir = dockerClientCertDir(rt.configDir);
    return new DockerClient({
      name: `${guest.address}:${DOCKER_TLS_PORT}`,
      resolve: async () => ({
        host: guest.address,
        port: DOCKER_TLS_PORT,
        tls: loadDockerClientTlsFiles({
          ...phoenixCertificateFiles(DOCKER_CLIENT_CERT, dir),
          root: phoenixRootFile(dir),
          name: DOCKER_CLIENT_CERT,
        }),
        // Through the guest's node: direct where routable, an SSH tunnel otherwise.
        dial: rt.dialer?.(guest.target.node) ?? directDial(),
      }),
    });
  };
  const node = (name: string): DockerClient => {
    let client = clients.get(name);
    if (!client) {
      const guest = guests.find((g) => g.name === name);
      if (!guest)
        throw new ProviderError(`${name} is not a Swarm guest (role swarm-manager or swarm-worker)`, {
          code: 'E_SWARM_CONFIG',
        });
      client = build(guest);
      clients.set(name, client);
    }
    return client;
  };
  const result: SwarmClients = {
    guests,
    node,
    manager() {
      const m = guests.find((g) => g.role === 'manager');
      if (!m) throw new ProviderError('no guest has the role swarm-manager', { code: 'E_SWARM_CONFIG' });
      return node(m.name);
    },
    built: () => [...clients.values()],
  };
  shared.set(rt, result);
  return result;
}
