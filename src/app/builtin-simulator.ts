/**
 * The built-in simulator for an environment without a `proxmox:` section: the full simulator
 * (`startSimulator`: the PVE API with access control, schema validation, tasks and locks) run in
 * this process on 127.0.0.1 with a random port, plain HTTP (loopback only) and a generated token.
 * Its cluster is kept in a JSON file beside the state database, so `phoenix status` (another
 * process) sees what `phoenix up` created.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createProxmoxClient, type ProxmoxClient } from '../clients/proxmox/index.ts';
import type { RequestEvent } from '../clients/proxmox/types.ts';
import { PhoenixError } from '../errors.ts';
import { startSimulator, type NodeSide, type RunningSimulator } from '../sim/index.ts';
import type { NodeSshEndpoints } from './node-shell.ts';
import type { SimTopology } from './sim-topology.ts';
import { ownerOnlyDir, PHOENIX_DIR, tightenTree } from '../util/owner-only.ts';

export interface BuiltinSimulator {
  readonly url: string;
  readonly client: ProxmoxClient;
  /** The node side: SSH per node (generated key, pinned host keys) over file trees tests can read. */
  readonly ssh?: NodeSshEndpoints;
  readonly nodeSide?: NodeSide;
  /** Out-of-band change through the simulator's control interface (tests, demos). */
  control(action: string, args?: Record<string, unknown>): unknown;
  /** Writes the cluster state now (also done by `close`). */
  save(): void;
  close(): Promise<void>;
}

export interface BuiltinSimulatorOptions {
  topology: SimTopology;
  /** Task duration factor: 0 = instant, 1 = realistic (default 0.02: a homelab comes up in seconds). */
  speed?: number;
  /** JSON file holding the simulated cluster between runs; none = ephemeral. */
  statePath?: string;
  seed?: number;
  onRequest?: (event: RequestEvent) => void;
}

export async function startBuiltinSimulator(options: BuiltinSimulatorOptions): Promise<BuiltinSimulator> {
  if (options.statePath) {
    // The simulated cluster, its node trees and SSH keys are owner-only like the rest of .phoenix/.
    ownerOnlyDir(dirname(options.statePath));
    ownerOnlyDir(`${options.statePath}.d`);
    ownerOnlyDir(join(`${options.statePath}.d`, 'ssh'));
  }
  let sim: RunningSimulator;
  try {
    sim = await startSimulator({
      tls: false,
      speed: options.speed ?? 0.02,
      seed: options.seed ?? 1,
      nodes: options.topology.nodes,
      storages: options.topology.storages as never,
      statePath: options.statePath,
      // Node trees in `<statePath>.d/` (a temp dir when ephemeral), so DNS/NFS files persist too.
      ssh: true,
    });
  } catch (cause) {
    if (cause instanceof PhoenixError || !options.statePath || !existsSync(options.statePath)) throw cause;
    // A state file from another Phoenix version, or damaged: say which file, never a stack trace.
    throw new PhoenixError(`the simulated cluster in ${options.statePath} cannot be loaded`, {
      code: 'E_SIM_STATE',
      cause,
      hint: `delete ${options.statePath} to start the simulated cluster afresh`,
    });
  }
  // Keys and state written by the simulator (and by older Phoenix versions) made owner-only; the
  // simulated nodes' own file trees keep the modes they simulate (unreachable behind .phoenix/ 0700).
  if (options.statePath && basename(dirname(options.statePath)) === PHOENIX_DIR)
    tightenTree(dirname(options.statePath), (rel) => /^[^/]+\.d\/(nodes|guests)\//.test(rel));
  const client = createProxmoxClient({
    endpoint: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.token.slice(sim.token.lastIndexOf('=') + 1),
    onRequest: options.onRequest,
  });
  return {
    url: sim.url,
    client,
    ssh: sim.ssh && { endpoints: sim.ssh, privateKey: sim.clientKey?.privateKey ?? '' },
    nodeSide: sim.nodeSide,
    control: (action, args = {}) => sim.control.apply(action, args),
    save: () => sim.control.save(),
    /** Stops the simulator (saving its state); the client is closed by its owner. */
    async close() {
      await sim.stop();
    },
  };
}
