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
import { certificateFacts } from './certificate-facts.ts';
import { newLeafCsr } from './csr.ts';
import { durationMs, goDuration } from './duration.ts';
import type { KeyType } from './keys.ts';
import { decide, type CertificateFacts, type CertificatePolicy } from './lifecycle.ts';

export const CERTIFICATE_KIND = 'pki.certificate';

export interface CertificateDesired {
  name: string;
  target: TargetRef;
  commonName: string;
  /** Every name (the CN included). */
  sans: string[];
  keyType: KeyType;
  duration: string;
  renewBefore?: string;
  /** `cert` holds the leaf followed by the intermediate. */
  files: { cert: string; key: string };
  owner: string;
  group: string;
  keyMode: string;
  certMode: string;
  /** Typed reload hook: reload this unit (when active) after the files changed. */
  reload?: { service: string };
  /** Why it exists: `certificates[2]` or `derived: gateway 101`. */
  origin: string;
}

export interface CertificateObserved {
  facts: CertificateFacts | null;
  /** Mode/owner of the key file (never its content); absent when the transport reads without commands (VMs: the key's mode is enforced at write time only). */
  key?: FileObservation | null;
}

/** A live session with the CA; opened only when something must be issued or revoked. */
export interface CaSession {
  client: StepCaClient;
  signer: ProvisionerSigner;
  rootFingerprint: string;
}

export interface CertificateHandlerDeps {
  shells: ShellResolver;
  ca: () => Promise<CaSession>;
  now?: () => Date;
  /** Fingerprint of the CA's intermediate: a certificate from anywhere else is reissued. */
  issuerFingerprint?: string;
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
): Promise<{ facts: CertificateFacts | null; diagnostic?: Diagnostic }> {
  const result = await shell.exec(['cat', path], { idempotent: true });
  if (result.code !== 0) {
    if (/No such file or directory/.test(result.stderr)) return { facts: null };
    throw commandFailed(describeTarget(shell.target), ['cat', path], result);
  }
  try {
    return { facts: certificateFacts(result.stdout) };
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

export function certificateHandler(
  deps: CertificateHandlerDeps,
): ResourceHandler<CertificateDesired, CertificateObserved> {
  const now = deps.now ?? (() => new Date());

  async function issue(
    ctx: ApplyContext,
    address: string,
    desired: CertificateDesired,
    previous: CertificateFacts | null,
  ): Promise<ApplyResponse<CertificateObserved>> {
    const shell = deps.shells(desired.target);
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
    if (desired.reload) {
      const state = await observeService(shell, desired.reload.service);
      if (state.active) {
        const argv = ['systemctl', 'reload', desired.reload.service];
        const result = await shell.exec(argv, { timeoutMs: 120_000 });
        if (result.code !== 0) throw commandFailed(describeTarget(shell.target), argv, result);
      }
    }
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
    return { observed: { facts: certificateFacts(chain), key }, diagnostics };
  }

  return {
    kind: CERTIFICATE_KIND,

    async observe({ resource }) {
      const shell = deps.shells(resource.desired.target);
      if (shell.readFile) {
        // VMs: one agent file-read (a GET), no command: a no-op plan sends no mutating request.
        try {
          return { observed: { facts: certificateFacts(await shell.readFile(resource.desired.files.cert)) } };
        } catch (error) {
          const message = (error as Error).message;
          if (/No such file or directory/.test(message)) return { observed: null };
          return {
            observed: null,
            diagnostics: [
              {
                severity: 'warning',
                code: 'W_CERT_GUEST_UNREACHABLE',
                message: `certificate ${resource.desired.name}: ${describeTarget(resource.desired.target)} cannot be read yet (${message}): planned as a new issuance`,
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
              message: `certificate ${resource.desired.name}: ${describeTarget(resource.desired.target)} cannot be read yet: planned as a new issuance`,
            },
          ],
        };
      }
      const { facts, diagnostic } = await readCertificate(shell, resource.desired.files.cert);
      const key = await observeFile(shell, resource.desired.files.key);
      return {
        observed: facts === null && key === null ? null : { facts, key },
        ...(diagnostic ? { diagnostics: [diagnostic] } : {}),
      };
    },

    diff({ resource, observed }): DiffResponse {
      const desired = resource.desired;
      const decision = decide(resource.address, policyOf(desired), observed?.facts ?? null, {
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
        if (key && key.owner !== desired.owner)
          changes.push({ path: 'key.owner', before: key.owner, after: desired.owner });
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
    },

    create: ({ ctx, resource }) => issue(ctx, resource.address, resource.desired, null),
    update: ({ ctx, resource, observed }) => issue(ctx, resource.address, resource.desired, observed?.facts ?? null),

    async delete({ observed, address }) {
      // Files are left for the guest's owner to remove; the certificate is revoked so it stops being trusted.
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
      return {};
    },
  };
}
