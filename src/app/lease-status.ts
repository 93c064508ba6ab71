/**
 * `phoenix lease`: who holds the environment, read-only. Two leases: the local one in the state
 * file (this checkout's applies and its journal) and the one on the Proxmox target (every
 * checkout, CLI or daemon that applies to it; see providers/pve-host/target-lease.ts).
 */
import { existsSync } from 'node:fs';
import { readTargetLease, type TargetLeaseInfo } from '../providers/pve-host/target-lease.ts';
import type { LeaseInfo } from '../state/index.ts';
import type { Phoenix } from './create-phoenix.ts';

export interface LeaseStatus {
  local?: LeaseInfo;
  target?: TargetLeaseInfo;
  /** The target has an alias of the lease's name that is not a Phoenix lease (its comment). */
  targetForeign?: string;
}

export async function leaseStatus(phoenix: Phoenix): Promise<LeaseStatus> {
  const status: LeaseStatus = {};
  // Reading never creates the state file.
  if (existsSync(phoenix.statePath)) {
    const local = phoenix.state().leases.get(phoenix.environment);
    if (local) status.local = local;
  }
  const seen = await readTargetLease(phoenix.client);
  if (seen?.info) status.target = seen.info;
  else if (seen?.comment !== undefined) status.targetForeign = seen.comment;
  return status;
}

export function renderLeaseStatus(s: LeaseStatus, now = Date.now()): string {
  const when = (t: number): string => `${new Date(t).toISOString()}${t <= now ? ' (expired)' : ''}`;
  const lines: string[] = [];
  lines.push(
    s.local
      ? `local lease (state file): held by ${s.local.holderId} (pid ${s.local.pid} on ${s.local.hostname}), since ${new Date(s.local.acquiredAt).toISOString()}, expires ${when(s.local.expiresAt)}`
      : 'local lease (state file): free',
  );
  if (s.target) {
    const t = s.target;
    lines.push(
      `target lease (firewall alias phoenix-lease): held by ${t.holder} (environment ${t.environment}, pid ${t.pid} on ${t.hostname}), ` +
        `since ${new Date(t.since).toISOString()}, renewed ${new Date(t.renewed).toISOString()}, expires ${when(t.expires)}`,
    );
  } else if (s.targetForeign !== undefined) {
    lines.push(
      `target lease: the firewall alias phoenix-lease exists but is not a Phoenix lease (comment: ${s.targetForeign})`,
    );
  } else {
    lines.push('target lease (firewall alias phoenix-lease): free');
  }
  return lines.join('\n') + '\n';
}
