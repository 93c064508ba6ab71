/**
 * The simulator's node side: one real SSH server (`./ssh`) per simulated node, sharing a data
 * dir of per-node and per-guest file trees, and the QEMU agent routes switched to the same trees.
 * Used by `startSimulator({ ssh })` and by the app's in-process built-in simulator.
 *
 * The client key is generated (and kept in `<dataDir>/ssh/client_ed25519_key`, so a restarted
 * simulator accepts the same key) unless the caller brings its own authorized keys.
 */
import { mkdirSync } from 'node:fs';
import type { SimContext } from './state/context.ts';
import { enableAgentShell } from './guests/agent-shell.ts';
import { guestDirectoryFor } from './ssh/guest-directory.ts';
import { loadOrCreateKeyPair, startSimSshServer, type SimSshServer } from './ssh/server.ts';

export interface NodeSideOptions {
  /** Where the node and guest trees live (`nodes/<node>/root`, `guests/<vmid>/root`) and the host key. */
  dataDir: string;
  nodes: string[];
  /** OpenSSH public keys allowed to log in; default: a generated key pair (see `clientKey`). */
  authorizedKeys?: string[];
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Fixed port per node; default a free port. */
  ports?: Record<string, number>;
}

export interface SimSshEndpoint {
  host: string;
  port: number;
  /** `SHA256:...`, for `proxmox.ssh.hostKeyFingerprint`. */
  hostKeyFingerprint: string;
  knownHostsLine: string;
}

export interface NodeSide {
  dataDir: string;
  endpoints: Record<string, SimSshEndpoint>;
  servers: Record<string, SimSshServer>;
  /** The generated client key, when no authorized keys were given. Never printed by the simulator. */
  clientKey?: { privateKey: string; publicKey: string; privateKeyPath: string };
  close(): Promise<void>;
}

/** Loads or creates the client key pair kept in the data dir. */
function clientKeyIn(dataDir: string): { privateKey: string; publicKey: string; privateKeyPath: string } {
  return loadOrCreateKeyPair(dataDir, 'client_ed25519_key', 'phoenix-sim-client');
}

export async function startNodeSide(context: SimContext, options: NodeSideOptions): Promise<NodeSide> {
  mkdirSync(options.dataDir, { recursive: true });
  const clientKey = options.authorizedKeys ? undefined : clientKeyIn(options.dataDir);
  const authorizedKeys = options.authorizedKeys ?? [clientKey?.publicKey ?? ''];
  enableAgentShell(context, options.dataDir);
  const servers: Record<string, SimSshServer> = {};
  const endpoints: Record<string, SimSshEndpoint> = {};
  try {
    for (const node of options.nodes) {
      const server = await startSimSshServer({
        dataDir: options.dataDir,
        node,
        authorizedKeys,
        guests: guestDirectoryFor(node, context.guests),
        host: options.host,
        port: options.ports?.[node],
      });
      servers[node] = server;
      endpoints[node] = {
        host: server.host,
        port: server.port,
        hostKeyFingerprint: server.fingerprint,
        knownHostsLine: server.knownHostsLine,
      };
    }
  } catch (error) {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    throw error;
  }
  return {
    dataDir: options.dataDir,
    endpoints,
    servers,
    clientKey,
    close: async () => {
      await Promise.all(Object.values(servers).map((s) => s.close()));
    },
  };
}
