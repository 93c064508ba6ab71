/**
 * `phoenix certs`: one row per certificate — name, guest, names, not-after, renew-at and a
 * cert-manager-like condition — and the exit code: non-zero when any certificate is expired
 * or past its renewal time (a missing one is `Issuing`, reported but not an alarm by itself).
 */
import type { CertificateDesired, CertificateObserved } from './certificate-handler.ts';
import { durationMs } from './duration.ts';
import { condition, decide, type CertificateCondition } from './lifecycle.ts';
import { describeCertificateTarget } from './certificate-handler.ts';

export interface CertificateRow {
  name: string;
  address: string;
  guest: string;
  sans: string[];
  serial: string | null;
  notAfter: string | null;
  renewAt: string | null;
  condition: CertificateCondition;
  origin: string;
}

export function certificateRow(
  address: string,
  desired: CertificateDesired,
  observed: CertificateObserved | null,
  now: Date,
  error?: string,
): CertificateRow {
  const policy = {
    sans: desired.sans,
    keyType: desired.keyType,
    durationMs: durationMs(desired.duration),
    ...(desired.renewBefore ? { renewBeforeMs: durationMs(desired.renewBefore) } : {}),
  };
  const facts = observed?.facts ?? null;
  const decision = decide(address, policy, facts, { now });
  return {
    name: desired.name,
    address,
    guest: describeCertificateTarget(desired.target),
    sans: desired.sans,
    serial: facts?.serial ?? null,
    notAfter: facts?.notAfter ?? null,
    renewAt: decision.renewAt?.toISOString() ?? null,
    condition: error ? { type: 'Failed', reason: 'ObserveFailed', message: error } : condition(decision, facts, now),
    origin: desired.origin,
  };
}

/** 0 when nothing is expired or due; 2 otherwise (like `phoenix status`). */
export function certsExitCode(rows: CertificateRow[]): number {
  return rows.some((r) => r.condition.type === 'Failed' || r.condition.type === 'Expiring') ? 2 : 0;
}

export function renderCertsTable(rows: CertificateRow[]): string {
  const header = ['NAME', 'GUEST', 'NAMES', 'NOT AFTER', 'RENEW AT', 'CONDITION'];
  const day = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
  const body = rows.map((r) => [
    r.name,
    r.guest,
    r.sans.join(','),
    day(r.notAfter),
    day(r.renewAt),
    `${r.condition.type} (${r.condition.reason})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const messages = rows.filter((r) => r.condition.type !== 'Ready').map((r) => `${r.name}: ${r.condition.message}`);
  return [line(header), ...body.map(line), ...(messages.length ? ['', ...messages] : []), ''].join('\n');
}
