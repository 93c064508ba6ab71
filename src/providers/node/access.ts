/**
 * How the nodes' shells are reached, decided by the app (it knows whether a test's endpoints,
 * `proxmox.ssh` or the built-in simulator's SSH servers apply) and used by this provider to
 * build its SSH transports.
 */
import type { Ssh } from '../../config/schema.ts';

/** SSH endpoints per node that all accept one key, each with a pinned host key. */
export interface NodeSshEndpoints {
  endpoints: Record<string, { host: string; port: number; hostKeyFingerprint: string }>;
  privateKey: string;
  user?: string;
}

export type NodeShellAccess =
  | { kind: 'endpoints'; ssh: NodeSshEndpoints }
  | { kind: 'config'; ssh: Ssh; configDir: string; resolveSecret(ref: string): Promise<string> };
