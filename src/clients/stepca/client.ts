/**
 * Thin typed client of step-ca's HTTP API (0.19): health, roots, provisioners, sign, renew,
 * revoke, ACME directory. Responses are validated at the edge (zod).
 *
 * Trust: the only anchor is the root Phoenix generated (`rootPem`); there is no insecure
 * mode and no trust on first use. `verifyRoots()` additionally checks that what the CA
 * serves at /roots.pem is exactly that root (fingerprint).
 *
 * `url` is the CA's logical address (a name in its `dnsNames`; token audiences are built
 * from it). `dial` is a fixed place the TCP connection goes instead (a loopback port of the
 * simulator); `dialer` opens it otherwise (src/clients/dial: direct, or an SSH tunnel).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { type Agent, request } from 'undici';
import { DialError, dialDispatcher, directDial, fixedDial, type Dial } from '../dial/dialer.ts';
import { z } from 'zod';
import { StepCaError } from './errors.ts';

export interface StepCaClientOptions {
  url: string;
  rootPem: string;
  dial?: { host: string; port: number };
  /** The dialer (direct or an SSH tunnel through the node); `dial` wins over it. */
  dialer?: Dial;
  timeoutMs?: number;
  /** Client certificate for mTLS (renew, revoke without a token). */
  clientCert?: { certPem: string; keyPem: string };
}

const SignResponse = z.object({
  crt: z.string(),
  ca: z.string(),
  certChain: z.array(z.string()).optional(),
});
export type SignResponse = z.infer<typeof SignResponse>;

const Provisioner = z.looseObject({ type: z.string(), name: z.string() });
const ProvisionersResponse = z.object({
  provisioners: z.array(Provisioner),
  nextCursor: z.string().optional(),
});
export type ProvisionerInfo = z.infer<typeof Provisioner> & { key?: { kid?: string }; encryptedKey?: string };

const Health = z.object({ status: z.string() });
const AcmeDirectory = z.looseObject({ newNonce: z.string(), newAccount: z.string(), newOrder: z.string() });
const ErrorBody = z.looseObject({ message: z.string().optional(), detail: z.string().optional() });

export interface SignOptions {
  notAfter?: string;
  notBefore?: string;
}

/** SHA-256 of a PEM certificate's DER, lowercase hex (step's fingerprint form). */
export function pemFingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((p) => `${p}\n`) ?? [];
}

export class StepCaClient {
  readonly url: URL;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: StepCaClientOptions) {
    this.url = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // The certificate is checked against the logical host name, whatever path the bytes take.
    const dial = options.dialer ?? (options.dial ? fixedDial(options.dial) : directDial({ timeoutMs: this.timeoutMs }));
    this.agent = dialDispatcher(dial, {
      ca: options.rootPem,
      ...(options.clientCert ? { cert: options.clientCert.certPem, key: options.clientCert.keyPem } : {}),
      timeoutMs: this.timeoutMs,
    });
  }

  /** The audience step-ca expects for an endpoint: `https://<name>[:port]/1.0/<what>`. */
  audience(path: '/1.0/sign' | '/1.0/revoke' | '/1.0/renew'): string {
    return new URL(path, this.url).toString();
  }

  /** A client for the same CA presenting a certificate (mTLS renew/revoke). */
  withClientCertificate(certPem: string, keyPem: string): StepCaClient {
    return new StepCaClient({ ...this.options, clientCert: { certPem, keyPem } });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async health(): Promise<{ status: string }> {
    return Health.parse(await this.call('GET', '/health'));
  }

  /** The roots the CA serves at /roots.pem. */
  async roots(): Promise<string[]> {
    const text = await this.call('GET', '/roots.pem', undefined, 'text');
    return splitPem(text as string);
  }

  /** Refuses unless /roots.pem is exactly the expected root (no trust on first use). */
  async verifyRoots(expectedFingerprint: string): Promise<void> {
    const served = (await this.roots()).map(pemFingerprint);
    const expected = expectedFingerprint.toLowerCase().replace(/:/g, '');
    if (served.length !== 1 || served[0] !== expected) {
      throw new StepCaError(
        '/roots.pem',
        `serves a root that is not the one Phoenix generated (got ${served.join(', ') || 'none'})`,
        {
          code: 'E_STEPCA_ROOT_MISMATCH',
          hint: `expected root fingerprint ${expected}; another CA answers at ${this.url.origin}, or its root was replaced`,
        },
      );
    }
  }

  async provisioners(): Promise<ProvisionerInfo[]> {
    const all: ProvisionerInfo[] = [];
    let cursor = '';
    for (let page = 0; page < 100; page += 1) {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const body = ProvisionersResponse.parse(await this.call('GET', `/provisioners${query}`));
      all.push(...(body.provisioners as ProvisionerInfo[]));
      if (!body.nextCursor || body.provisioners.length === 0) break;
      cursor = body.nextCursor;
    }
    return all;
  }

  async sign(csrPem: string, ott: string, options: SignOptions = {}): Promise<SignResponse> {
    return SignResponse.parse(await this.call('POST', '/1.0/sign', { csr: csrPem, ott, ...options }));
  }

  /** mTLS renew: the client certificate (withClientCertificate) is the one renewed. */
  async renew(): Promise<SignResponse> {
    return SignResponse.parse(await this.call('POST', '/1.0/renew'));
  }

  /** Revoke by decimal serial with a token (aud .../1.0/revoke, sub = serial), or over mTLS without one. */
  async revoke(serial: string, options: { ott?: string; reasonCode?: number; reason?: string } = {}): Promise<void> {
    await this.call('POST', '/1.0/revoke', {
      serial,
      ...(options.ott ? { ott: options.ott } : {}),
      reasonCode: options.reasonCode ?? 0,
      ...(options.reason ? { reason: options.reason } : {}),
      passive: true,
    });
  }

  async acmeDirectory(provisioner: string): Promise<z.infer<typeof AcmeDirectory>> {
    return AcmeDirectory.parse(await this.call('GET', `/acme/${encodeURIComponent(provisioner)}/directory`));
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    as: 'json' | 'text' = 'json',
  ): Promise<unknown> {
    const endpoint = `${this.url.origin}${path.replace(/\?.*/, '')}`;
    let response;
    try {
      response = await request(new URL(path, this.url), {
        method,
        dispatcher: this.agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new StepCaError(endpoint, `unreachable (${describe(cause)})`, {
        code: 'E_STEPCA_UNREACHABLE',
        cause,
        hint: 'is step-ca running in its guest, and reachable through the dialer?',
      });
    }
    const text = await response.body.text();
    if (response.statusCode >= 400) {
      let message = text.trim().slice(0, 300);
      try {
        const parsed = ErrorBody.parse(JSON.parse(text));
        message = parsed.message ?? parsed.detail ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new StepCaError(endpoint, `${response.statusCode} ${message}`, { status: response.statusCode });
    }
    if (as === 'text') return text;
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new StepCaError(endpoint, 'answered with a body that is not JSON', { cause, status: response.statusCode });
    }
  }
}

function describe(cause: unknown): string {
  let current = cause as { code?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth += 1) {
    // The dialer's own error already names the target and the path (direct, or the tunnel's node).
    if (current instanceof DialError) return current.message;
    if (current.code && current.code !== 'UND_ERR_SOCKET') return current.code;
    current = current.cause as typeof current;
  }
  return (cause as Error)?.message ?? String(cause);
}
