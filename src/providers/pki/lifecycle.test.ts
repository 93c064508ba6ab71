import { describe, expect, it } from 'vitest';
import {
  condition,
  decide,
  jitterMs,
  renewalTime,
  type CertificateFacts,
  type CertificatePolicy,
} from './lifecycle.ts';

const H = 3_600_000;
const policy: CertificatePolicy = { sans: ['gw.home.arpa', '10.10.0.11'], keyType: 'EC-P256', durationMs: 30 * 24 * H };
const issued = new Date('2026-12-01T00:00:00Z');
const facts: CertificateFacts = {
  serial: '1234',
  fingerprint: 'ab',
  notBefore: new Date(issued.getTime() - 60_000).toISOString(),
  notAfter: new Date(issued.getTime() + 30 * 24 * H).toISOString(),
  sans: ['10.10.0.11', 'GW.home.arpa'],
  keyType: 'EC-P256',
  issuer: 'int',
};
const at = (hours: number): Date => new Date(issued.getTime() + hours * H);

describe('certificate lifecycle', () => {
  it('issues when there is none', () => {
    expect(decide('cert.gw', policy, null, { now: issued })).toEqual({
      action: 'issue',
      reasons: ['no certificate yet'],
    });
  });

  it('is in sync before 2/3 of the lifetime and renews after it, with why', () => {
    const renewAt = renewalTime('cert.gw', facts, policy);
    const twoThirds =
      Date.parse(facts.notBefore) + (2 / 3) * (Date.parse(facts.notAfter) - Date.parse(facts.notBefore));
    expect(renewAt.getTime()).toBeLessThanOrEqual(twoThirds);
    expect(renewAt.getTime()).toBeGreaterThan(twoThirds - H - 1);
    expect(decide('cert.gw', policy, facts, { now: new Date(renewAt.getTime() - 1000) }).action).toBe('in-sync');
    const due = decide('cert.gw', policy, facts, { now: new Date(renewAt.getTime() + 1000) });
    expect(due.action).toBe('renew');
    expect(due.reasons[0]).toMatch(/^expires 2026-12-31 00:00 UTC, renew after 2\/3 of the lifetime$/);
  });

  it('renewBefore overrides 2/3', () => {
    const p = { ...policy, renewBeforeMs: 24 * H };
    expect(decide('cert.gw', p, facts, { now: at(25 * 24) }).action).toBe('in-sync');
    const due = decide('cert.gw', p, facts, { now: at(29 * 24 + 1) });
    expect(due.action).toBe('renew');
    expect(due.reasons[0]).toMatch(/renew 1d before expiry/);
  });

  it('says expired when past notAfter', () => {
    const d = decide('cert.gw', policy, facts, { now: at(31 * 24) });
    expect(d).toMatchObject({ action: 'renew', reasons: ['expired 2026-12-31 00:00 UTC'] });
    expect(condition(d, facts, at(31 * 24))).toMatchObject({ type: 'Failed', reason: 'Expired' });
  });

  it('reissues on a change of names, key type, duration or issuer, and says what changed', () => {
    const d = decide(
      'cert.gw',
      { ...policy, sans: ['gw.home.arpa', 'www.home.arpa'], keyType: 'EC-P384', durationMs: 90 * 24 * H },
      facts,
      {
        now: at(1),
        issuerFingerprint: 'other',
      },
    );
    expect(d.action).toBe('reissue');
    expect(d.reasons).toEqual([
      'names changed (+www.home.arpa -10.10.0.11)',
      'key type changed (EC-P256 -> EC-P384)',
      'duration changed (30d -> 90d)',
      'issued by another CA',
    ]);
  });

  it('names compare case-insensitively and in any order; backdating is not a duration change', () => {
    expect(
      decide('cert.gw', { ...policy, sans: ['10.10.0.11', 'gw.HOME.arpa'] }, facts, {
        now: at(1),
        issuerFingerprint: 'int',
      }).action,
    ).toBe('in-sync');
  });

  it('jitter is deterministic, bounded and differs between certificates', () => {
    const a = jitterMs('cert.a', '1', 90 * 24 * H);
    expect(jitterMs('cert.a', '1', 90 * 24 * H)).toBe(a);
    expect(a).toBeLessThanOrEqual(H);
    const spread = new Set(Array.from({ length: 20 }, (_, i) => jitterMs(`cert.${i}`, '1', 90 * 24 * H)));
    expect(spread.size).toBeGreaterThan(15);
    expect(jitterMs('cert.a', '1', 10 * 60_000)).toBeLessThanOrEqual(12_000);
  });

  it('conditions: Ready, Expiring, Issuing', () => {
    expect(condition(decide('c', policy, facts, { now: at(1) }), facts, at(1)).type).toBe('Ready');
    expect(condition(decide('c', policy, facts, { now: at(25 * 24) }), facts, at(25 * 24)).type).toBe('Expiring');
    expect(condition(decide('c', policy, null, { now: at(1) }), null, at(1))).toMatchObject({
      type: 'Issuing',
      reason: 'DoesNotExist',
    });
  });
});
