/**
 * The certificates the daemon tracks in the state file (expiry and renewal time: the dashboard's
 * certificate list, `/metrics`, the renewal trigger and the "past its renewal time"
 * notification), taken from what each plan observed of the `pki.certificate` resources — no
 * extra reads. A certificate no longer declared leaves the list; the daemon's own stays.
 */
import type { Phoenix } from '../app/create-phoenix.ts';
import type { PlanResult } from '../engine/index.ts';
import type { CertificateDesired, CertificateObserved } from '../providers/pki/certificate-handler.ts';
import { certificateRow, CERTIFICATE_KIND } from '../providers/pki/index.ts';
import { DAEMON_CERTIFICATE } from './daemon-certificate.ts';
import type { StateStore } from './store.ts';

export function recordCertificates(phoenix: Phoenix, planned: PlanResult, store: StateStore, now = new Date()): void {
  const declared = new Set<string>();
  for (const resource of phoenix.resources) {
    if (resource.kind !== CERTIFICATE_KIND) continue;
    declared.add(resource.address);
    const desired = resource.desired as CertificateDesired;
    const observed = (planned.observations.get(resource.address)?.observed ?? null) as CertificateObserved | null;
    const facts = observed?.facts;
    if (!facts) continue; // not issued yet: nothing to track
    const row = certificateRow(resource.address, desired, observed, now);
    store.certificates.put({
      name: resource.address,
      serial: facts.serial,
      subject: `CN=${desired.commonName}`,
      issuer: facts.issuer,
      notBefore: Date.parse(facts.notBefore),
      notAfter: Date.parse(facts.notAfter),
      ...(row.renewAt ? { renewAt: Date.parse(row.renewAt) } : {}),
      fingerprint: facts.fingerprint,
      // Only the facts are observed (the PEM stays in its guest).
      pem: '',
      status: Date.parse(facts.notAfter) <= now.getTime() ? 'expired' : 'active',
    });
  }
  for (const record of store.certificates.list()) {
    if (record.name !== DAEMON_CERTIFICATE && !declared.has(record.name)) store.certificates.remove(record.name);
  }
}
