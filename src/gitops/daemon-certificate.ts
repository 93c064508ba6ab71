/**
 * The daemon's own TLS certificate, issued by the environment's internal step-ca (the CA the
 * pki provider manages) so the API and the dashboard are served over HTTPS without a person
 * handing Phoenix a certificate. Issued once the CA exists (after the apply that creates it),
 * kept in the state directory (key 0600), recorded in the state file's certificates (so
 * `/metrics` and the certificates API show its expiry), and renewed by a timer at two thirds
 * of its lifetime — no commit needed. The X.509/JOSE code is loaded only here, on first use.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Phoenix } from '../app/create-phoenix.ts';
import type { StepCaDesired } from '../providers/pki/step-ca-handler.ts';
import { PhoenixError } from '../errors.ts';
import type { StateStore } from './store.ts';

/** Its name in the state file's certificate records. */
export const DAEMON_CERTIFICATE = 'daemon.api';

export interface TlsMaterial {
  cert: string;
  key: string;
  serial: string;
  notBefore: number;
  notAfter: number;
  renewAt: number;
}

/** The names the certificate carries: the listen address (unless a wildcard), this host, extras. */
export function daemonTlsNames(listenHost: string, extra: string[] = []): string[] {
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  return [...new Set([...extra, ...(wildcard ? [] : [listenHost]), hostname()].filter(Boolean))];
}

function material(cert: string, key: string): TlsMaterial {
  const leaf = new X509Certificate(cert);
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  return {
    cert,
    key,
    serial: BigInt(`0x${leaf.serialNumber}`).toString(10),
    notBefore,
    notAfter,
    renewAt: notBefore + Math.round(((notAfter - notBefore) * 2) / 3),
  };
}

/** The certificate kept in `dir` by an earlier run, unless missing, unreadable or expired. */
export function readKeptCertificate(dir: string, now = Date.now()): TlsMaterial | undefined {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  try {
    const kept = material(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
    return kept.notAfter > now ? kept : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/**
 * One certificate for `names` from the CA of `phoenix`'s environment: a new key and CSR, a
 * one-time token from Phoenix's JWK provisioner, one `POST /1.0/sign`. The key never leaves
 * this process except into `dir` (0600).
 */
export async function issueDaemonCertificate(o: {
  phoenix: Phoenix;
  names: string[];
  dir: string;
  store: StateStore;
}): Promise<TlsMaterial> {
  const [{ derivePki, STEP_CA_KIND }, { openCaSession }, { newLeafCsr }, { oneTimeToken }] = await Promise.all([
    import('../providers/pki/index.ts'),
    import('../providers/pki/ca-session.ts'),
    import('../providers/pki/csr.ts'),
    import('../clients/stepca/ott.ts'),
  ]);
  const { phoenix, names } = o;
  const ca = derivePki(phoenix.loaded.config).resources.find((r) => r.kind === STEP_CA_KIND)?.desired as
    StepCaDesired | undefined;
  if (!ca) {
    throw new PhoenixError('no internal CA is declared: the daemon cannot get its certificate from step-ca', {
      code: 'E_DAEMON_TLS_NO_CA',
      hint: 'declare a guest with role step-ca (platform.stepCa), or give --tls-cert and --tls-key',
    });
  }
  if (!phoenix.shells) {
    throw new PhoenixError('the CA guest cannot be reached (no SSH access to the nodes)', {
      code: 'E_DAEMON_TLS_NO_SSH',
      hint: 'set proxmox.ssh, or give --tls-cert and --tls-key',
    });
  }
  const dial = await phoenix.dialStepCa?.({
    vmid: ca.target.kind === 'node' ? 0 : ca.target.vmid,
    baseDir: ca.baseDir,
  });
  const session = await openCaSession({
    shells: phoenix.shells,
    target: ca.target,
    baseDir: ca.baseDir,
    url: ca.url,
    ...(dial ? { dial } : {}),
    provisionerName: ca.provisionerName,
    provisionerPasswordRef: ca.provisionerPasswordRef,
    resolveSecret: (ref) => phoenix.resolveSecret(ref),
  });
  try {
    const commonName = names[0] ?? hostname();
    const { csrPem, keyPem } = await newLeafCsr({ commonName, sans: names, keyType: 'EC-P256' });
    const ott = await oneTimeToken(session.signer, {
      audience: session.client.audience('/1.0/sign'),
      subject: commonName,
      sans: names,
      sha: session.rootFingerprint,
      now: new Date(),
    });
    const signed = await session.client.sign(csrPem, ott);
    const issued = material(signed.crt + signed.ca, keyPem);
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    writeAtomically(join(o.dir, 'key.pem'), keyPem, 0o600);
    writeAtomically(join(o.dir, 'cert.pem'), issued.cert, 0o644);
    const leaf = new X509Certificate(issued.cert);
    o.store.certificates.put({
      name: DAEMON_CERTIFICATE,
      serial: issued.serial,
      subject: leaf.subject,
      issuer: leaf.issuer,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      renewAt: issued.renewAt,
      fingerprint: leaf.fingerprint256,
      pem: leaf.toString(),
      status: 'active',
    });
    return issued;
  } finally {
    await session.client.close();
  }
}

/** Errors that no retry fixes: the config declares no CA, or its guest cannot be reached. */
const FATAL = new Set(['E_DAEMON_TLS_NO_CA', 'E_DAEMON_TLS_NO_SSH']);

export interface KeeperOptions {
  /** Where an earlier certificate is kept (`cert.pem`, `key.pem`). */
  dir: string;
  /** Issues one (the daemon: `issueDaemonCertificate` in the reconciler's queue). */
  issue(): Promise<TlsMaterial>;
  /** Subscribes to "a run finished" (the CA may exist now). */
  onRunFinished(listener: () => void): () => void;
  log?(message: string, fields?: Record<string, unknown>): void;
  /** How often the renewal time is checked (default 60 s). */
  checkMs?: number;
  now?(): number;
}

/**
 * Keeps the daemon's certificate: the kept one when still valid, else one issued after the
 * first run that finds the CA up; then renewed at two thirds of its lifetime.
 */
export class DaemonCertificateKeeper {
  private current: TlsMaterial | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly waiters: { resolve(m: TlsMaterial): void; reject(e: unknown): void }[] = [];
  private readonly renewed = new Set<(m: TlsMaterial) => void>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(private readonly o: KeeperOptions) {
    this.current = readKeptCertificate(o.dir, this.now());
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  get material(): TlsMaterial | undefined {
    return this.current;
  }

  /** The first certificate (at once when one is kept); rejects when none can ever be issued. */
  ready(): Promise<TlsMaterial> {
    if (this.current) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called with each renewed certificate. */
  onRenewed(listener: (m: TlsMaterial) => void): void {
    this.renewed.add(listener);
  }

  start(): void {
    this.unsubscribe = this.o.onRunFinished(() => {
      if (!this.current) void this.issue();
    });
    this.timer = setInterval(() => {
      if (this.current && this.now() >= this.current.renewAt) void this.issue();
    }, this.o.checkMs ?? 60_000);
    this.timer.unref();
    if (this.current && this.now() >= this.current.renewAt) void this.issue();
  }

  /** Issues now (single flight); failures are logged and retried on the next run or check. */
  issue(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const m = await this.o.issue();
        if (this.closed) return;
        const first = !this.current;
        this.current = m;
        this.o.log?.(first ? 'daemon certificate issued by the internal CA' : 'daemon certificate renewed', {
          serial: m.serial,
          notAfter: new Date(m.notAfter).toISOString(),
        });
        for (const w of this.waiters.splice(0)) w.resolve(m);
        if (!first) for (const listener of this.renewed) listener(m);
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        this.o.log?.('daemon certificate not issued', { error: (error as Error).message, code });
        if (FATAL.has(code) && !this.current) for (const w of this.waiters.splice(0)) w.reject(error);
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    const stopped = new PhoenixError('the daemon stopped before its certificate was issued', { code: 'E_STOPPING' });
    for (const w of this.waiters.splice(0)) w.reject(stopped);
  }
}
