/**
 * The lease held on the Proxmox target itself, so that applies from different checkouts (each
 * with its own state file), or a CLI and a daemon on different machines, exclude each other.
 *
 * The lease is a cluster firewall alias named `phoenix-lease`, because PVE gives aliases exactly
 * the compare-and-set a lease needs (pve-firewall `API2/Firewall/Aliases.pm`, all under the
 * cluster firewall lock): `POST /cluster/firewall/aliases` refuses a name that exists ("alias
 * '…' already exists"), and `PUT`/`DELETE /cluster/firewall/aliases/{name}` with `digest=` are
 * refused when the alias list changed since it was read ("detected modified configuration").
 * The alias points at 127.0.0.1/32 and no rule references it, so it never affects traffic. Its
 * comment says who holds the lease, since when, when it was last renewed and when it expires,
 * visible in the GUI (Datacenter › Firewall › Alias) and in `phoenix lease`. An expired lease,
 * or one whose holder process on this very host is gone, is taken over by a digest-checked PUT:
 * of two contenders only one PUT can match the digest both read.
 *
 * Needs `Sys.Audit` (read) and `Sys.Modify` (write) on `/`: `LEASE_API_CALLS` feeds `phoenix init`.
 */
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { isAlreadyExists, ProxmoxApiError, type ProxmoxClient } from '../../clients/proxmox/index.ts';
import { PhoenixError } from '../../errors.ts';
import type { ApiCall } from './api-calls.ts';

export const LEASE_ALIAS = 'phoenix-lease';
const LEASE_CIDR = '127.0.0.1/32';
const PATH = '/cluster/firewall/aliases';
const MAX_ROUNDS = 8;

/** The calls the target lease makes (for the least-privilege role). */
export const LEASE_API_CALLS: readonly ApiCall[] = [
  { method: 'GET', route: PATH },
  { method: 'POST', route: PATH },
  { method: 'PUT', route: `${PATH}/{name}` },
  { method: 'DELETE', route: `${PATH}/{name}` },
];

export interface TargetLeaseInfo {
  holder: string;
  environment: string;
  hostname: string;
  pid: number;
  /** Random per acquisition: tells this holder's writes from anyone else's. */
  nonce: string;
  since: number;
  renewed: number;
  expires: number;
}

/** Is the alias name ours (PVE keys aliases by their lower-cased name)? */
export function isLeaseAlias(name: string): boolean {
  return name.toLowerCase() === LEASE_ALIAS;
}

export function formatLeaseComment(l: TargetLeaseInfo): string {
  const iso = (t: number): string => new Date(t).toISOString();
  return (
    `phoenix lease: holder=${l.holder} env=${encodeURIComponent(l.environment)} host=${l.hostname} pid=${l.pid} ` +
    `nonce=${l.nonce} since=${iso(l.since)} renewed=${iso(l.renewed)} expires=${iso(l.expires)}`
  );
}

export function parseLeaseComment(comment: string | undefined): TargetLeaseInfo | undefined {
  if (!comment?.startsWith('phoenix lease:')) return undefined;
  const fields = new Map<string, string>();
  for (const part of comment.slice('phoenix lease:'.length).trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const time = (key: string): number => Date.parse(fields.get(key) ?? '');
  const info: TargetLeaseInfo = {
    holder: fields.get('holder') ?? '',
    environment: decodeURIComponent(fields.get('env') ?? ''),
    hostname: fields.get('host') ?? '',
    pid: Number(fields.get('pid')),
    nonce: fields.get('nonce') ?? '',
    since: time('since'),
    renewed: time('renewed'),
    expires: time('expires'),
  };
  if (!info.holder || !info.nonce || !Number.isFinite(info.expires)) return undefined;
  return info;
}

/** Another live holder has the target. Names it, its environment and its expiry. */
export class TargetLeaseHeldError extends PhoenixError {
  readonly holder: TargetLeaseInfo;
  constructor(holder: TargetLeaseInfo, endpoint: string) {
    super(
      `the Proxmox target ${endpoint} is locked by ${holder.holder} (environment ${holder.environment}, pid ${holder.pid} on ${holder.hostname})`,
      {
        code: 'E_TARGET_LEASE_HELD',
        detail: `held since ${new Date(holder.since).toISOString()}, last renewed ${new Date(holder.renewed).toISOString()}, expires ${new Date(holder.expires).toISOString()}`,
        hint: `wait for that apply to finish; a lease whose holder stopped renewing is taken over once it expires (firewall alias '${LEASE_ALIAS}')`,
      },
    );
    this.holder = holder;
  }
}

export class TargetLeaseLostError extends PhoenixError {
  constructor(endpoint: string) {
    super(`the lease on the Proxmox target ${endpoint} was lost`, {
      code: 'E_TARGET_LEASE_LOST',
      hint: 'another Phoenix took it over after it expired; re-run the command',
    });
  }
}

export interface TargetLeaseOptions {
  client: ProxmoxClient;
  /** For messages: the endpoint URL. */
  endpoint: string;
  environment: string;
  holder: string;
  /** Lifetime without renewal (default 120 s). */
  ttlMs?: number;
  now?: () => number;
  hostname?: string;
  pid?: number;
  /** Is `pid` on `host` alive? Only answerable for this host; others count as alive. */
  isAlive?: (pid: number, host: string) => boolean;
}

export interface TargetLease {
  readonly info: TargetLeaseInfo;
  /** Pushes the expiry to now + ttl; throws TargetLeaseLostError if someone else holds it now. */
  renew(): Promise<void>;
  /** Renews every ttl/3 until released; `onLost` is called once if the lease is lost. */
  keepAlive(onLost: (error: Error) => void): void;
  release(): Promise<void>;
}

interface Observed {
  info?: TargetLeaseInfo;
  comment?: string;
  digest?: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isDigestMismatch(error: unknown): boolean {
  return (
    error instanceof ProxmoxApiError && /detected modified configuration|checksum mismatch/i.test(error.apiMessage)
  );
}

/** Reads and checks the target lease without writing anything. */
export async function readTargetLease(client: ProxmoxClient): Promise<Observed | undefined> {
  const aliases = await client.firewall.aliases({ level: 'cluster' });
  const alias = aliases.find((a) => isLeaseAlias(a.name));
  const digest = aliases[0]?.digest;
  if (!alias) return { ...(digest ? { digest } : {}) };
  return { info: parseLeaseComment(alias.comment), comment: alias.comment ?? '', ...(digest ? { digest } : {}) };
}

export function targetLeaseManager(options: TargetLeaseOptions) {
  const { client, endpoint } = options;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 120_000;
  const host = options.hostname ?? osHostname();
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? ((p: number, h: string) => h !== host || processAlive(p));

  /** Held by someone live (not us)? */
  const liveOther = (info: TargetLeaseInfo, nonce?: string): boolean =>
    info.nonce !== nonce && info.expires > now() && isAlive(info.pid, info.hostname);

  const observe = async (): Promise<Observed> => {
    const seen = await readTargetLease(client);
    return seen ?? {};
  };

  const notALease = (comment: string): PhoenixError =>
    new PhoenixError(`firewall alias '${LEASE_ALIAS}' on ${endpoint} exists but is not a Phoenix lease`, {
      code: 'E_TARGET_LEASE_FOREIGN',
      detail: `its comment is: ${comment || '(none)'}`,
      hint: `Phoenix keeps its lease in that alias; rename or remove the alias (Datacenter › Firewall › Alias)`,
    });

  /** Fails early when someone else holds the target, without writing anything. */
  async function check(): Promise<TargetLeaseInfo | undefined> {
    const seen = await observe();
    if (seen.comment !== undefined && !seen.info) throw notALease(seen.comment);
    if (seen.info && liveOther(seen.info)) throw new TargetLeaseHeldError(seen.info, endpoint);
    return seen.info;
  }

  async function acquire(): Promise<TargetLease> {
    const t = now();
    const mine: TargetLeaseInfo = {
      holder: options.holder,
      environment: options.environment,
      hostname: host,
      pid,
      nonce: randomUUID().slice(0, 12),
      since: t,
      renewed: t,
      expires: t + ttlMs,
    };
    const isMine = (seen: Observed): boolean => seen.info?.nonce === mine.nonce;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      let seen: Observed;
      try {
        seen = await observe();
      } catch (error) {
        // A transient read failure (5xx, 596) is one lost round, not a lost apply.
        if (!(error instanceof ProxmoxApiError) || error.status < 500 || round === MAX_ROUNDS) throw error;
        continue;
      }
      if (isMine(seen)) return held(mine);
      if (seen.comment !== undefined && !seen.info) throw notALease(seen.comment);
      if (seen.info && liveOther(seen.info, mine.nonce)) throw new TargetLeaseHeldError(seen.info, endpoint);
      mine.since = mine.renewed = now();
      mine.expires = mine.renewed + ttlMs;
      const comment = formatLeaseComment(mine);
      try {
        if (seen.info === undefined) {
          // Create-if-absent: PVE refuses the name when another contender created it first.
          await client.request('POST', PATH, { name: LEASE_ALIAS, cidr: LEASE_CIDR, comment }, { retryUnsafe: false });
        } else {
          // Take-over of an expired lease: only one PUT can carry the digest both contenders read.
          await client.request(
            'PUT',
            `${PATH}/${LEASE_ALIAS}`,
            { cidr: LEASE_CIDR, comment, ...(seen.digest ? { digest: seen.digest } : {}) },
            { retryUnsafe: false },
          );
        }
        return held(mine);
      } catch (error) {
        // Lost the race (exists / digest changed) or the outcome is unknown: look again.
        if (!(error instanceof ProxmoxApiError)) throw error;
        if (!isAlreadyExists(error) && !isDigestMismatch(error) && error.status < 500) throw error;
      }
    }
    throw new PhoenixError(`could not take the lease on ${endpoint} after ${MAX_ROUNDS} attempts`, {
      code: 'E_TARGET_LEASE_BUSY',
      hint: 'the firewall alias list kept changing; try again',
    });
  }

  function held(mine: TargetLeaseInfo): TargetLease {
    let timer: NodeJS.Timeout | undefined;
    let released = false;
    /** A digest-checked write of our own alias; re-reads on a digest race. */
    const writeOwn = async (write: (digest: string | undefined) => Promise<unknown>): Promise<'done' | 'lost'> => {
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const seen = await observe();
        if (seen.info?.nonce !== mine.nonce) return 'lost';
        try {
          await write(seen.digest);
          return 'done';
        } catch (error) {
          if (!(error instanceof ProxmoxApiError)) throw error;
          if (!isDigestMismatch(error) && error.status < 500) throw error;
        }
      }
      throw new PhoenixError(`could not update the lease on ${endpoint}`, { code: 'E_TARGET_LEASE_BUSY' });
    };
    const lease: TargetLease = {
      info: mine,
      renew: async () => {
        const renewed = now();
        const next = { ...mine, renewed, expires: renewed + ttlMs };
        const outcome = await writeOwn((digest) =>
          client.request(
            'PUT',
            `${PATH}/${LEASE_ALIAS}`,
            { cidr: LEASE_CIDR, comment: formatLeaseComment(next), ...(digest ? { digest } : {}) },
            { retryUnsafe: false },
          ),
        );
        if (outcome === 'lost') throw new TargetLeaseLostError(endpoint);
        mine.renewed = next.renewed;
        mine.expires = next.expires;
      },
      keepAlive: (onLost) => {
        if (timer) clearInterval(timer);
        let busy = false;
        timer = setInterval(
          () => {
            if (busy || released) return;
            busy = true;
            lease
              .renew()
              .catch((error: unknown) => {
                // A failed renewal is retried at the next tick; only a lost lease stops the apply.
                if (error instanceof TargetLeaseLostError) {
                  if (timer) clearInterval(timer);
                  timer = undefined;
                  onLost(error);
                }
              })
              .finally(() => (busy = false));
          },
          Math.max(1, Math.floor(ttlMs / 3)),
        );
        timer.unref();
      },
      release: async () => {
        if (released) return;
        if (timer) clearInterval(timer);
        timer = undefined;
        await writeOwn((digest) =>
          client.request('DELETE', `${PATH}/${LEASE_ALIAS}`, digest ? { digest } : {}, { retryUnsafe: false }),
        );
        // Only once the alias is gone: a failed release may be tried again.
        released = true;
      },
    };
    return lease;
  }

  return { check, acquire };
}
