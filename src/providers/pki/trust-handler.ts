/**
 * `pki.trust`: the internal root in the system trust store of every managed guest and node
 * (Debian: `/usr/local/share/ca-certificates/phoenix-<env>.crt`, then `update-ca-certificates`),
 * so services inside the environment trust what the CA issues. The root is read from the CA
 * guest over the node's authenticated SSH channel (never from the network). The file is written
 * and `update-ca-certificates` run only when the installed file differs from the CA's root: a
 * converged apply writes nothing and runs nothing. Trust resources depend on the CA, so an apply
 * that sets the CA up installs its root right after; without a root the apply refuses.
 */
import { posix } from 'node:path';
import type { DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import { commandFailed } from '../../clients/ssh/ssh-client.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { describeTarget, sha256Hex, type TargetRef, type TargetShell } from '../node/shell.ts';
import { certificateFingerprint } from './ca-material.ts';
import { readOptional } from './certificate-handler.ts';

export const TRUST_KIND = 'pki.trust';

export const TRUST_STORE_DIR = '/usr/local/share/ca-certificates';

export interface TrustDesired {
  target: TargetRef;
  /** The root's file in the target's trust store (`.crt`: update-ca-certificates reads only those). */
  path: string;
  /** Where the CA's root lives (the CA guest and its file). */
  ca: { target: TargetRef; rootPath: string };
}

export interface TrustObserved {
  /** SHA-256 of the installed file, null when absent. */
  installed: string | null;
  /** SHA-256 and fingerprint of the CA's root, null while there is no CA yet. */
  root: { sha256: string; fingerprint: string } | null;
}

/** `phoenix-<env>.crt` from the environment's declared id or its cluster domain. */
export function trustFileName(environment: string): string {
  return `phoenix-${environment
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')}.crt`;
}

async function readRoot(shells: ShellResolver, ca: TrustDesired['ca']): Promise<string | null> {
  const shell = shells(ca.target);
  const result = await shell.exec(['cat', ca.rootPath], { idempotent: true }).catch((error: unknown) => error as Error);
  // A CA guest that does not exist yet, or has no root yet: nothing to distribute.
  if (result instanceof Error) return null;
  if (result.code === 0) return result.stdout;
  if (/No such file or directory/.test(result.stderr)) return null;
  const probe = await shell.exec(['test', '-d', '/'], { idempotent: true }).catch((error: unknown) => error as Error);
  if (probe instanceof Error || probe.code !== 0) return null;
  throw commandFailed(describeTarget(shell.target), ['cat', ca.rootPath], result);
}

export function trustHandler(shells: ShellResolver): ResourceHandler<TrustDesired, TrustObserved> {
  // One read of the CA's root serves every trust resource observed together (a plan).
  let memo: { at: number; key: string; root: Promise<string | null> } | undefined;
  const caRoot = (ca: TrustDesired['ca'], fresh = false): Promise<string | null> => {
    const key = `${describeTarget(ca.target)}:${ca.rootPath}`;
    if (fresh || !memo || memo.key !== key || Date.now() - memo.at > 2000) {
      memo = { at: Date.now(), key, root: readRoot(shells, ca) };
      memo.root.catch(() => (memo = undefined));
    }
    return memo.root;
  };

  async function install(desired: TrustDesired, address: string): Promise<{ observed: TrustObserved }> {
    const root = await caRoot(desired.ca, true);
    if (!root) {
      throw new ProviderError(`no internal root to install in ${describeTarget(desired.target)} yet`, {
        code: 'E_TRUST_NO_ROOT',
        resource: address,
        hint: `the CA in ${describeTarget(desired.ca.target)} has no ${desired.ca.rootPath}: set it up first`,
      });
    }
    const shell: TargetShell = shells(desired.target);
    const dir = posix.dirname(desired.path);
    const made = await shell.exec(['mkdir', '-p', dir]);
    if (made.code !== 0) throw commandFailed(describeTarget(shell.target), ['mkdir', '-p', dir], made);
    await shell.writeFile(desired.path, root, { mode: '0644', owner: 'root', group: 'root' });
    const updated = await shell.exec(['update-ca-certificates'], { timeoutMs: 120_000 });
    if (updated.code !== 0) throw commandFailed(describeTarget(shell.target), ['update-ca-certificates'], updated);
    return {
      observed: {
        installed: sha256Hex(root),
        root: { sha256: sha256Hex(root), fingerprint: certificateFingerprint(root) },
      },
    };
  }

  return {
    kind: TRUST_KIND,

    async observe({ resource }) {
      const desired = resource.desired;
      const root = await caRoot(desired.ca);
      const shell = shells(desired.target);
      // A guest that does not exist (yet) trusts nothing.
      const installed = await readOptional(shell, desired.path).catch(() => null);
      // Nothing installed is "absent" (a create, never a replace of something that exists).
      if (installed === null) return { observed: null };
      return {
        observed: {
          installed: sha256Hex(installed),
          root: root ? { sha256: sha256Hex(root), fingerprint: certificateFingerprint(root) } : null,
        },
      };
    },

    diff({ resource, observed }): DiffResponse {
      const where = describeTarget(resource.desired.target);
      const path = resource.desired.path;
      if (!observed) {
        return {
          action: 'create',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [
            `install the internal root of the CA in ${describeTarget(resource.desired.ca.target)} into ${where}'s trust store (${path})`,
          ],
        };
      }
      if (!observed.root) {
        // A file from an earlier CA while the CA is being set up again: replaced once it has a root.
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`the CA in ${describeTarget(resource.desired.ca.target)} has no root yet`],
        };
      }
      const after = { path, root: observed.root.fingerprint };
      if (observed.installed === observed.root.sha256) {
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [],
          before: after,
          after,
        };
      }
      return {
        action: 'update',
        changes: [{ path: 'root', before: observed.installed, after: observed.root.fingerprint }],
        requiresReplace: [],
        requiresRestart: false,
        reasons: [`${path} in ${where} is not the internal root ${observed.root.fingerprint}`],
        after,
      };
    },

    create: ({ resource }) => install(resource.desired, resource.address),
    update: ({ resource }) => install(resource.desired, resource.address),

    async delete({ ctx, address }) {
      // Removing trust from a guest could break services that still use certificates of the CA.
      ctx.hook.diagnostic({ severity: 'info', address, message: 'the internal root is left in the trust store' });
      return {};
    },
  };
}
