/**
 * What the portainer handlers need, kept small so the wiring (provider.ts, tests) can plug in
 * the real or simulated pieces: the Swarm manager's Docker API, a dialer to reach Portainer,
 * the internal root, secret references, and the encrypted store for the API key.
 */
import type { DockerClient } from '../../clients/docker/client.ts';
import { PortainerClient, type Dial } from '../../clients/portainer/index.ts';
import type { PortainerSettings } from './settings.ts';

import type { SecretVault } from '../provider.ts';

export type { SecretVault };

export interface PortainerDeps {
  /** The Docker Engine API of the Swarm manager (mutual TLS, or the simulator's). */
  docker(): DockerClient;
  /** Opens a byte stream to a guest's `host:port` (direct TCP, an SSH tunnel, the simulator). */
  dial: Dial;
  /** The internal root (PEM) Portainer's and the agent's certificates chain to. */
  rootPem(): Promise<string>;
  resolveSecret(ref: string): Promise<string>;
  vault(): SecretVault;
  /** Bound of the wait for Portainer's status endpoint after a deploy (ms, default 120 s). */
  readyTimeoutMs?: number;
}

/** The vault entry holding Phoenix's Portainer API key. */
export const API_KEY_SECRET = 'portainer.api-key';

/** One client per environment (its counters are what the idempotence test and bench read). */
export function portainerClientFor(deps: PortainerDeps, s: PortainerSettings): () => Promise<PortainerClient> {
  let client: Promise<PortainerClient> | undefined;
  return () => {
    client ??= deps
      .rootPem()
      .then((ca) => new PortainerClient({ host: s.server.ip, port: s.port, ca, dial: deps.dial }));
    client.catch(() => (client = undefined));
    return client;
  };
}
