import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PhoenixError } from '../errors.ts';
import { DaemonCertificateKeeper, daemonTlsNames, type TlsMaterial } from './daemon-certificate.ts';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'phoenix-keeper-'));
  dirs.push(d);
  return d;
}

const material = (serial: string, notBefore: number, lifetime: number): TlsMaterial => ({
  cert: `cert-${serial}`,
  key: `key-${serial}`,
  serial,
  notBefore,
  notAfter: notBefore + lifetime,
  renewAt: notBefore + (lifetime * 2) / 3,
});

function harness(issue: () => Promise<TlsMaterial>, now: () => number) {
  let runFinished: (() => void) | undefined;
  const keeper = new DaemonCertificateKeeper({
    dir: emptyDir(),
    issue,
    onRunFinished: (listener) => {
      runFinished = listener;
      return () => (runFinished = undefined);
    },
    checkMs: 1000,
    now,
  });
  return { keeper, runFinished: () => runFinished?.() };
}

describe('DaemonCertificateKeeper', () => {
  it('waits for a run that finds the CA, retries transient failures, renews at 2/3 of the lifetime', async () => {
    vi.useFakeTimers();
    let clock = 1_000_000;
    const answers: (TlsMaterial | Error)[] = [
      new Error('connect ECONNREFUSED (the CA is not up yet)'),
      material('1', clock, 90_000),
      material('2', clock + 60_000, 90_000),
    ];
    const issue = vi.fn(async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    const { keeper, runFinished } = harness(issue, () => clock);
    const renewed: string[] = [];
    keeper.onRenewed((m) => renewed.push(m.serial));
    keeper.start();
    expect(keeper.material).toBeUndefined();
    const ready = keeper.ready();

    runFinished(); // the CA guest is not up yet: logged, not fatal
    await vi.waitFor(() => expect(issue).toHaveBeenCalledTimes(1));
    runFinished(); // the next run: issued
    expect((await ready).serial).toBe('1');
    expect(renewed).toEqual([]);

    runFinished(); // a certificate is held: runs issue nothing more
    await vi.advanceTimersByTimeAsync(1000);
    expect(issue).toHaveBeenCalledTimes(2);

    clock += 60_000; // past 2/3 of 90 s: the next check renews
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(renewed).toEqual(['2']));
    expect(keeper.material?.serial).toBe('2');
    keeper.close();
  });

  it('rejects the wait when the config declares no CA', async () => {
    const { keeper, runFinished } = harness(
      () => Promise.reject(new PhoenixError('no internal CA', { code: 'E_DAEMON_TLS_NO_CA' })),
      () => Date.now(),
    );
    keeper.start();
    const ready = keeper.ready();
    runFinished();
    await expect(ready).rejects.toMatchObject({ code: 'E_DAEMON_TLS_NO_CA' });
    keeper.close();
  });

  it('names the listen address (not a wildcard) and this host', () => {
    expect(daemonTlsNames('10.0.0.5', ['phoenix.home.arpa'])).toEqual(
      expect.arrayContaining(['phoenix.home.arpa', '10.0.0.5']),
    );
    expect(daemonTlsNames('0.0.0.0')).not.toContain('0.0.0.0');
  });
});
