/**
 * A certificate's lifecycle, decided from what is declared and what is on the guest (never from
 * a cache): issue (none there), reissue (what changed: names, key type, lifetime, issuer),
 * renew (why: expired, or past its renewal time = 2/3 of the lifetime or `renewBefore`, minus a
 * small deterministic jitter so certificates issued together do not all renew in the same
 * minute), or in sync. The same decision feeds the plan, `phoenix certs` and the conditions.
 */
import { createHash } from 'node:crypto';
import type { KeyType } from './keys.ts';

export interface CertificatePolicy {
  /** Every name of the certificate (CN first), as requested. */
  sans: string[];
  keyType: KeyType;
  durationMs: number;
  renewBeforeMs?: number;
}

export interface CertificateFacts {
  serial: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  sans: string[];
  keyType: KeyType;
  /** SHA-256 fingerprint of the issuing CA certificate's DER (the intermediate). */
  issuer: string;
}

export type LifecycleAction = 'issue' | 'reissue' | 'renew' | 'in-sync';

export interface LifecycleDecision {
  action: LifecycleAction;
  reasons: string[];
  /** When the current certificate is due (undefined when there is none). */
  renewAt?: Date;
}

/** Backdating (step: 1 min) and clock skew: lifetimes within this are "the same". */
const LIFETIME_TOLERANCE_MS = 5 * 60_000;

/** Up to 2% of the lifetime, at most one hour, always earlier than the nominal time. */
export function jitterMs(address: string, serial: string, lifetimeMs: number): number {
  const digest = createHash('sha256').update(`${address}\0${serial}`).digest();
  const fraction = digest.readUInt32BE(0) / 0x1_0000_0000;
  return Math.floor(fraction * Math.min(lifetimeMs * 0.02, 3_600_000));
}

export function renewalTime(
  address: string,
  facts: CertificateFacts,
  policy: Pick<CertificatePolicy, 'renewBeforeMs'>,
): Date {
  const notBefore = Date.parse(facts.notBefore);
  const notAfter = Date.parse(facts.notAfter);
  const lifetime = notAfter - notBefore;
  const nominal = policy.renewBeforeMs !== undefined ? notAfter - policy.renewBeforeMs : notBefore + (lifetime * 2) / 3;
  return new Date(nominal - jitterMs(address, facts.serial, lifetime));
}

function day(date: Date | string): string {
  return new Date(date).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

export function normalizeNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}

export function decide(
  address: string,
  policy: CertificatePolicy,
  facts: CertificateFacts | null,
  options: { now: Date; issuerFingerprint?: string },
): LifecycleDecision {
  if (!facts) return { action: 'issue', reasons: ['no certificate yet'] };
  const changed: string[] = [];
  const want = normalizeNames(policy.sans);
  const have = normalizeNames(facts.sans);
  const added = want.filter((n) => !have.includes(n));
  const removed = have.filter((n) => !want.includes(n));
  if (added.length || removed.length) {
    changed.push(`names changed (${[...added.map((n) => `+${n}`), ...removed.map((n) => `-${n}`)].join(' ')})`);
  }
  if (facts.keyType !== policy.keyType) changed.push(`key type changed (${facts.keyType} -> ${policy.keyType})`);
  const lifetime = Date.parse(facts.notAfter) - Date.parse(facts.notBefore);
  if (Math.abs(lifetime - policy.durationMs) > LIFETIME_TOLERANCE_MS) {
    changed.push(
      `duration changed (${formatDuration(Math.round(lifetime / LIFETIME_TOLERANCE_MS) * LIFETIME_TOLERANCE_MS)} -> ${formatDuration(policy.durationMs)})`,
    );
  }
  if (options.issuerFingerprint && facts.issuer !== options.issuerFingerprint) changed.push('issued by another CA');
  const renewAt = renewalTime(address, facts, policy);
  if (changed.length) return { action: 'reissue', reasons: changed, renewAt };
  const now = options.now.getTime();
  if (now >= Date.parse(facts.notAfter))
    return { action: 'renew', reasons: [`expired ${day(facts.notAfter)}`], renewAt };
  if (now >= renewAt.getTime()) {
    const rule =
      policy.renewBeforeMs !== undefined
        ? `renew ${formatDuration(policy.renewBeforeMs)} before expiry`
        : 'renew after 2/3 of the lifetime';
    return { action: 'renew', reasons: [`expires ${day(facts.notAfter)}, ${rule}`], renewAt };
  }
  return { action: 'in-sync', reasons: [`valid until ${day(facts.notAfter)}, renews after ${day(renewAt)}`], renewAt };
}

export type ConditionType = 'Ready' | 'Issuing' | 'Expiring' | 'Failed';

export interface CertificateCondition {
  type: ConditionType;
  reason: string;
  message: string;
}

/** cert-manager-like condition of a certificate as found now. */
export function condition(
  decision: LifecycleDecision,
  facts: CertificateFacts | null,
  now: Date,
): CertificateCondition {
  if (facts && now.getTime() >= Date.parse(facts.notAfter)) {
    return { type: 'Failed', reason: 'Expired', message: decision.reasons.join('; ') };
  }
  switch (decision.action) {
    case 'in-sync':
      return { type: 'Ready', reason: 'Issued', message: decision.reasons.join('; ') };
    case 'renew':
      return { type: 'Expiring', reason: 'RenewalDue', message: decision.reasons.join('; ') };
    case 'reissue':
      return { type: 'Issuing', reason: 'SpecChanged', message: decision.reasons.join('; ') };
    default:
      return { type: 'Issuing', reason: 'DoesNotExist', message: decision.reasons.join('; ') };
  }
}
