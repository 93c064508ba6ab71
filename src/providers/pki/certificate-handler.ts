/**
 * `pki.certificate`: one certificate installed in a guest (or on the node), issued by the
 * internal step-ca through Phoenix's JWK provisioner.
 *
 * - observe: reads the certificate file (public) and stats the key file (mode/owner only, never
 *   its content); the facts kept are serial, fingerprint, not-before, not-after, names.
 * - diff: the lifecycle decision (issue / reissue with what changed / renew with why / in sync).
 *   Planning never needs the CA: a stopped CA still plans and shows expiries.
 * - create/update: key + CSR generated off the event loop, one-time token, ONE `POST /1.0/sign`,
 *   key (0600) and certificate chain (0644) written atomically, the service reloaded once, the
 *   replaced serial revoked (passively; a failed revocation is a warning, not a failure).
 * - `files.root` (optional): the CA's root written next to the certificate (0644), only when it
 *   differs; observed as "the root that issued the chain's intermediate", so a missing or foreign
 *   root is planned (and written without a reissue), and an in-sync one plans nothing.
 * Errors name the certificate and the CA endpoint.
 */
import { posix } from 'node:path';
import type { ApplyContext, ApplyResponse, DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import type { Diagnostic } from '../../errors.ts';
import { ProviderError } from '../../errors.ts';
import type { StepCaClient } from '../../clients/stepca/client.ts';
import { oneTimeToken, type ProvisionerSigner } from '../../clients/stepca/ott.ts';
import { commandFailed, modeString } from '../../clients/ssh/ssh-client.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { describeTarget, observeFile, type FileObservation, type TargetRef, type TargetShell } from '../node/shell.ts';
import { observeService } from '../node/service.ts';
import { certificateFacts, rootIssuesChain } from './certificate-facts.ts';
import { newLeafCsr } from './csr.ts';
import { durationMs, goDuration } from './duration.ts';
import type { KeyType } from './keys.ts';
import { decide, type CertificateFacts, type CertificatePolicy } from './lifecycle.ts';
import { LOCAL_TARGET_LABEL } from './local-shell.ts';

export const CERTIFICATE_KIND = 'pki.certificate';

/**
 * Where a certificate is installed: a node or guest, or `local` — this machine, under the
 * environment's config directory (certificates of Phoenix's own clients; `files` are relative
 * to that directory and the key never leaves this machine).
 */
export type CertificateTarget = TargetRef | { kind: 'local' };

export interface CertificateDesired {
  name: string;
  target: CertificateTarget;
  commonName: string;
  /** Every name (the CN included). */
  sans: string[];
  keyType: KeyType;
  duration: string;
  renewBefore?: string;
  /**
   * `cert` holds the leaf followed by the intermediate; `root`, when set, receives the CA's root
   * certificate (what upstream TLS verification must chain to, e.g. nginx's
   * proxy_ssl_trusted_certificate).
   */
  files: { cert: string; key: string; root?: string };
  owner: string;
  group: string;
  keyMode: string;
  certMode: string;
  /** Mode of the directories holding the files, set at each issuance (e.g. 0700 for a local key's directory). */
  dirMode?: string;
  /** Typed reload hook: reload this unit (when active) after the files changed. */
  reload?: { service: string };
  /** Why it exists: `certificates[2]` or `derived: gateway 101`. */
  origin: string;
}

export interface CertificateObserved {
  facts: CertificateFacts | null;
  /** Mode/owner of the key file (never its content); absent when the transport reads without commands (VMs: the key's mode is enforced at write time only). */
  key?: FileObservation | null;
  /** With `files.root`: whether that file holds the root the installed chain was issued by (`missing`: no file). */
  root?: 'ok' | 'other' | 'missing';
  /** A `local` certificate's files (relative to the config directory): Phoenix's own, removed on delete. */
  localFiles?: string[];
}

/** A live session with the CA; opened only when something must be issued or revoked. */
export interface CaSession {
  client: StepCaClient;
  signer: ProvisionerSigner;
  rootFingerprint: string;
  /** The CA's root certificate (read from the CA guest): written to `files.root`. */
  rootPem?: string;
}

export interface CertificateHandlerDeps {
  shells: ShellResolver;
  /** This machine's shell rooted at the config directory, for `local` certificates. */
  local?: TargetShell;
  ca: () => Promise<CaSession>;
  now?: () => Date;
  /** Fingerprint of the CA's intermediate: a certificate from anywhere else is reissued. */
  issuerFingerprint?: string;
}

/** Where the certificate's files are: `(target)` is the first thing an error about it names. */
export function describeCertificateTarget(target: CertificateTarget): string {
  return target.kind === 'local' ? 'this machine' : describeTarget(target);
}

function policyOf(desired: CertificateDesired): CertificatePolicy {
  return {
    sans: desired.sans,
    keyType: desired.keyType,
    durationMs: durationMs(desired.duration),
    ...(desired.renewBefore ? { renewBeforeMs: durationMs(desired.renewBefore) } : {}),
  };
}

async function readCertificate(
  shell: TargetShell,
  path: string,
): Promise<{ facts: CertificateFacts | null; pem?: string; diagnostic?: Diagnostic }> {
  const result = await shell.exec(['cat', path], { idempotent: true });
  if (result.code !== 0) {
    if (/No such file or directory/.test(result.stderr)) return { facts: null };
    throw commandFailed(describeTarget(shell.target), ['cat', path], result);
  }
  try {
    return { facts: certificateFacts(result.stdout), pem: result.stdout };
  } catch {
    return {
      facts: null,
      diagnostic: {
        severity: 'warning',
        code: 'W_CERT_UNREADABLE',
        message: `${path} on ${describeTarget(shell.target)} is not a PEM certificate: it will be replaced`,
      },
    };
  }
}

/**
 * The text of `path`, or null when it does not exist. Through the VM agent's file-read where the
 * transport offers it: a read, not a command, so a converged plan runs nothing in the guest.
 */
export async function readOptional(shell: TargetShell, path: string): Promise<string | null> {
  if (shell.readFile) {
    try {
      return await shell.readFile(path);
    } catch (error) {
      if (/No such file or directory/.test((error as Error).message)) return null;
      throw error;
    }
  }
  const result = await shell.exec(['cat', path], { idempotent: true });
  if (result.code === 0) return result.stdout;
  if (/No such file or directory/.test(result.stderr)) return null;
  throw commandFailed(describeTarget(shell.target), ['cat', path], result);
}

async function observeRoot(shell: TargetShell, path: string, chainPem: string): Promise<'ok' | 'other' | 'missing'> {
  const root = await readOptional(shell, path);
  if (root === null) return 'missing';
  return rootIssuesChain(root, chainPem) ? 'ok' : 'other';
}

/** Writes the CA's root to `files.root` when it differs from what is there; true when written. */
async function writeRoot(shell: TargetShell, desired: CertificateDesired, session: CaSession): Promise<boolean> {
  const path = desired.files.root;
  if (!path) return false;
  if (!session.rootPem) throw new Error(`certificate ${desired.name}: the CA session has no root to write to ${path}`);
  if ((await readOptional(shell, path)) === session.rootPem) return false;
  const dir = posix.dirname(path);
  const made = await shell.exec(['mkdir', '-p', dir]);
  if (made.code !== 0) throw commandFailed(describeTarget(shell.target), ['mkdir', '-p', dir], made);
  // Public, and as readable as the certificate (0644 in guests, owner-only below .phoenix/ here).
  await shell.writeFile(path, session.rootPem, { mode: desired.certMode, owner: desired.owner, group: desired.group });
  return true;
}

async function reloadIfActive(shell: TargetShell, desired: CertificateDesired): Promise<void> {
  if (!desired.reload) return;
  const state = await observeService(shell, desired.reload.service);
  if (!state.active) return;
  const argv = ['systemctl', 'reload', desired.reload.service];
  const result = await shell.exec(argv, { timeoutMs: 120_000 });
  if (result.code !== 0) throw commandFailed(describeTarget(shell.target), argv, result);
}

export function certificateHandler(
  deps: CertificateHandlerDeps,
): ResourceHandler<CertificateDesired, CertificateObserved> {
  const now = deps.now ?? (() => new Date());
  const shellOf = (target: CertificateTarget): TargetShell => {
    if (target.kind !== 'local') return deps.shells(target);
    if (!deps.local) throw new Error("this machine's certificate directory is not known (no config directory)");
    return deps.local;
  };

  async function issue(
    ctx: ApplyContext,
    address: string,
    desired: CertificateDesired,
    previous: CertificateFacts | null,
  ): Promise<ApplyResponse<CertificateObserved>> {
    const shell = shellOf(desired.target);
    const diagnostics: Diagnostic[] = [];
    const label = `certificate ${desired.name} (${address})`;
    let session: CaSession;
    try {
      session = await deps.ca();
    } catch (error) {
      throw new ProviderError(`${label}: the CA cannot be reached: ${(error as Error).message}`, {
        code: 'E_CERT_CA',
        resource: address,
        cause: error,
      });
    }
    const { csrPem, keyPem } = await newLeafCsr({
      commonName: desired.commonName,
      sans: desired.sans,
      keyType: desired.keyType,
    });
    if (ctx.signal.aborted) throw new ProviderError(`${label}: interrupted`, { code: 'E_ABORTED', resource: address });
    const ott = await oneTimeToken(session.signer, {
      audience: session.client.audience('/1.0/sign'),
      subject: desired.commonName,
      sans: desired.sans,
      sha: session.rootFingerprint,
      now: now(),
    });
    let signed;
    try {
      signed = await session.client.sign(csrPem, ott, { notAfter: goDuration(desired.duration) });
    } catch (error) {
      throw new ProviderError(`${label}: ${(error as Error).message}`, {
        code: 'E_CERT_ISSUE',
        resource: address,
        cause: error,
      });
    }
    const chain = signed.crt + signed.ca;
    const dirs = [...new Set([posix.dirname(desired.files.key), posix.dirname(desired.files.cert)])];
    const made = await shell.exec(['mkdir', '-p', ...dirs]);
    if (made.code !== 0) throw commandFailed(describeTarget(shell.target), ['mkdir', '-p', ...dirs], made);
    if (desired.dirMode) {
      const argv = ['chmod', desired.dirMode, ...dirs];
      const chmodded = await shell.exec(argv);
      if (chmodded.code !== 0) throw commandFailed(describeTarget(shell.target), argv, chmodded);
    }
    // Key first: the certificate is the file that tells observe a new pair is in place.
    await shell.writeFile(desired.files.key, keyPem, {
      mode: desired.keyMode,
      owner: desired.owner,
      group: desired.group,
    });
    await shell.writeFile(desired.files.cert, chain, {
      mode: desired.certMode,
      owner: desired.owner,
      group: desired.group,
    });
    await ctx.journal.note({ issuedSerial: certificateFacts(chain).serial });
    await writeRoot(shell, desired, session);
    await reloadIfActive(shell, desired);
    if (previous && previous.issuer !== '' && previous.issuer === (deps.issuerFingerprint ?? previous.issuer)) {
      try {
        const revokeToken = await oneTimeToken(session.signer, {
          audience: session.client.audience('/1.0/revoke'),
          subject: previous.serial,
          sha: session.rootFingerprint,
          now: now(),
        });
        await session.client.revoke(previous.serial, { ott: revokeToken, reasonCode: 4, reason: 'superseded' });
      } catch (error) {
        diagnostics.push({
          severity: 'warning',
          code: 'W_CERT_REVOKE',
          message: `${label}: the replaced serial ${previous.serial} was not revoked: ${(error as Error).message}`,
        });
      }
    }
    const key = await observeFile(shell, desired.files.key);
    const root = desired.files.root ? ({ root: 'ok' } as const) : {};
    return { observed: { facts: certificateFacts(chain), key, ...root }, diagnostics };
  }

  /** Only the root next to an in-sync certificate is missing or foreign: written, no reissue. */
  async function installRoot(
    address: string,
    desired: CertificateDesired,
    observed: CertificateObserved,
  ): Promise<ApplyResponse<CertificateObserved>> {
    const shell = shellOf(desired.target);
    let session: CaSession;
    try {
      session = await deps.ca();
    } catch (error) {
      throw new ProviderError(
        `certificate ${desired.name} (${address}): the CA cannot be reached: ${(error as Error).message}`,
        { code: 'E_CERT_CA', resource: address, cause: error },
      );
    }
    if (await writeRoot(shell, desired, session)) await reloadIfActive(shell, desired);
    return { observed: { ...observed, root: 'ok' } };
  }

  function diffCertificate(
    address: string,
    desired: CertificateDesired,
    observed: CertificateObserved | null,
  ): DiffResponse {
    const decision = decide(address, policyOf(desired), observed?.facts ?? null, {
      now: now(),
      ...(deps.issuerFingerprint ? { issuerFingerprint: deps.issuerFingerprint } : {}),
    });
    const after = {
      names: desired.sans,
      keyType: desired.keyType,
      duration: desired.duration,
      cert: desired.files.cert,
      key: desired.files.key,
    };
    const before = observed?.facts
      ? {
          serial: observed.facts.serial,
          notAfter: observed.facts.notAfter,
          names: observed.facts.sans,
          renewAt: decision.renewAt?.toISOString(),
        }
      : null;
    const reasons = [...decision.reasons];
    if (decision.action === 'in-sync' && observed?.key === null) {
      return {
        action: 'update',
        changes: [{ path: 'key', before: null, after: 'present' }],
        requiresReplace: [],
        requiresRestart: false,
        reasons: ['key file missing: reissue'],
        before,
        after,
      };
    }
    if (decision.action === 'issue')
      return { action: 'create', changes: [], requiresReplace: [], requiresRestart: false, reasons, before, after };
    if (decision.action === 'in-sync') {
      const key = observed?.key;
      const changes = [];
      if (key && key.mode !== modeString(desired.keyMode))
        changes.push({ path: 'key.mode', before: key.mode, after: modeString(desired.keyMode) });
      // An empty owner: the user running Phoenix (local certificates).
      if (key && desired.owner !== '' && key.owner !== desired.owner)
        changes.push({ path: 'key.owner', before: key.owner, after: desired.owner });
      if (changes.length === 0 && desired.files.root && observed?.root !== 'ok')
        return {
          action: 'update',
          changes: [
            { path: 'root', before: observed?.root === 'other' ? 'another CA' : null, after: desired.files.root },
          ],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [...reasons, `the internal root next to the certificate is ${observed?.root ?? 'missing'}: written`],
          before,
          after,
        };
      if (changes.length === 0)
        return { action: 'noop', changes: [], requiresReplace: [], requiresRestart: false, reasons, before, after };
      return {
        action: 'update',
        changes,
        requiresReplace: [],
        requiresRestart: false,
        reasons: [...reasons, 'key file permissions drifted: reissue'],
        before,
        after,
      };
    }
    return {
      action: 'update',
      changes: [{ path: 'serial', before: observed?.facts?.serial ?? null, after: '(new)' }],
      requiresReplace: [],
      requiresRestart: false,
      reasons: [`${decision.action}: ${reasons.join('; ')}`],
      before,
      after,
    };
  }

  /** The update touches only the root file: the certificate itself is in sync. */
  const rootOnly = (d: DiffResponse): boolean => d.changes.length > 0 && d.changes.every((c) => c.path === 'root');

  return {
    kind: CERTIFICATE_KIND,

    async observe({ resource }) {
      const shell = shellOf(resource.desired.target);
      if (shell.readFile) {
        // VMs: one agent file-read (a GET), no command: a no-op plan sends no mutating request.
        try {
          const pem = await shell.readFile(resource.desired.files.cert);
          const facts = certificateFacts(pem);
          const rootPath = resource.desired.files.root;
          return { observed: { facts, ...(rootPath ? { root: await observeRoot(shell, rootPath, pem) } : {}) } };
        } catch (error) {
          const message = (error as Error).message;
          if (/No such file or directory/.test(message)) return { observed: null };
          return {
            observed: null,
            diagnostics: [
              {
                severity: 'warning',
                code: 'W_CERT_GUEST_UNREACHABLE',
                message: `certificate ${resource.desired.name}: ${describeCertificateTarget(resource.desired.target)} cannot be read yet (${message}): planned as a new issuance`,
              },
            ],
          };
        }
      }
      // A guest that does not exist yet (planned before its creation) has no certificate.
      const probe = await shell
        .exec(['test', '-d', '/'], { idempotent: true })
        .catch((error: unknown) => error as Error);
      if (probe instanceof Error || probe.code !== 0) {
        return {
          observed: null,
          diagnostics: [
            {
              severity: 'warning',
              code: 'W_CERT_GUEST_UNREACHABLE',
              message: `certificate ${resource.desired.name}: ${describeCertificateTarget(resource.desired.target)} cannot be read yet: planned as a new issuance`,
            },
          ],
        };
      }
      const { facts, pem, diagnostic } = await readCertificate(shell, resource.desired.files.cert);
      const key = await observeFile(shell, resource.desired.files.key);
      const rootPath = resource.desired.files.root;
      const root = rootPath && pem !== undefined ? { root: await observeRoot(shell, rootPath, pem) } : {};
      const { files } = resource.desired;
      const local =
        resource.desired.target.kind === 'local'
          ? { localFiles: [files.key, files.cert, ...(files.root ? [files.root] : [])] }
          : {};
      return {
        observed: facts === null && key === null ? null : { facts, key, ...root, ...local },
        ...(diagnostic ? { diagnostics: [diagnostic] } : {}),
      };
    },

    diff: ({ resource, observed }) => diffCertificate(resource.address, resource.desired, observed),

    create: ({ ctx, resource }) => issue(ctx, resource.address, resource.desired, null),
    update: ({ ctx, resource, observed }) =>
      observed && rootOnly(diffCertificate(resource.address, resource.desired, observed))
        ? installRoot(resource.address, resource.desired, observed)
        : issue(ctx, resource.address, resource.desired, observed?.facts ?? null),

    async delete({ observed, address }) {
      // Files in guests are left for the guest's owner to remove; the certificate is revoked so it stops being trusted.
      if (observed?.facts) {
        const session = await deps.ca();
        const ott = await oneTimeToken(session.signer, {
          audience: session.client.audience('/1.0/revoke'),
          subject: observed.facts.serial,
          sha: session.rootFingerprint,
          now: now(),
        });
        try {
          await session.client.revoke(observed.facts.serial, { ott, reasonCode: 5, reason: 'cessation of operation' });
        } catch (error) {
          throw new ProviderError(`certificate ${address}: revoke failed: ${(error as Error).message}`, {
            code: 'E_CERT_REVOKE',
            resource: address,
            cause: error,
          });
        }
      }
      // Phoenix's own files on this machine (no guest goes away with them): removed, key first.
      if (observed?.localFiles && deps.local) {
        const shell = deps.local;
        const removed = await shell.exec(['rm', '-f', ...observed.localFiles]);
        if (removed.code !== 0) throw commandFailed(LOCAL_TARGET_LABEL, ['rm', '-f', ...observed.localFiles], removed);
        const first = observed.localFiles[0];
        // Its own directory, when empty (ignore failure: something else may be kept there).
        if (first) await shell.exec(['rmdir', posix.dirname(first)]);
      }
      return {};
    },
  };
}
