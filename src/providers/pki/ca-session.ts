/**
 * Opening a session with the CA for issuance: the root and the provisioner's encrypted key are
 * read from the CA guest over the node's authenticated SSH channel, never taken from the
 * network; the TLS client trusts only that root, and `/roots.pem` must serve exactly it.
 * The provisioner password is resolved only here, when something must be signed or revoked.
 */
import type { Dial } from '../../clients/dial/dialer.ts';
import { StepCaClient } from '../../clients/stepca/client.ts';
import { openProvisioner } from '../../clients/stepca/ott.ts';
import { commandFailed } from '../../clients/ssh/ssh-client.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { describeTarget, type TargetRef } from '../node/shell.ts';
import { caPaths } from './ca-bundle.ts';
import { certificateFingerprint } from './ca-material.ts';
import type { CaSession } from './certificate-handler.ts';

export interface CaSessionOptions {
  shells: ShellResolver;
  target: TargetRef;
  baseDir: string;
  /** Logical URL (a name in dnsNames). */
  url: string;
  /** Where the TCP connection goes (the dialer's answer). */
  dial?: { host: string; port: number };
  /** Opens the connection otherwise (direct or an SSH tunnel through the node). */
  dialer?: Dial;
  provisionerName: string;
  provisionerPasswordRef: string;
  resolveSecret: (ref: string) => Promise<string>;
  timeoutMs?: number;
}

export async function openCaSession(options: CaSessionOptions): Promise<CaSession & { rootPem: string }> {
  const shell = options.shells(options.target);
  const paths = caPaths(options.baseDir);
  const read = async (path: string): Promise<string> => {
    const result = await shell.exec(['cat', path], { idempotent: true });
    if (result.code !== 0) throw commandFailed(describeTarget(shell.target), ['cat', path], result);
    return result.stdout;
  };
  const [rootPem, config] = await Promise.all([read(paths.root), read(paths.config)]);
  const rootFingerprint = certificateFingerprint(rootPem);
  const provisioner = (
    JSON.parse(config) as { authority?: { provisioners?: { type: string; name: string; encryptedKey?: string }[] } }
  ).authority?.provisioners?.find((p) => p.type === 'JWK' && p.name === options.provisionerName);
  if (!provisioner?.encryptedKey)
    throw new Error(
      `${paths.config} in ${describeTarget(shell.target)} has no JWK provisioner ${options.provisionerName}`,
    );
  const client = new StepCaClient({
    url: options.url,
    rootPem,
    ...(options.dial ? { dial: options.dial } : {}),
    ...(options.dialer ? { dialer: options.dialer } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  try {
    await client.verifyRoots(rootFingerprint);
    const signer = await openProvisioner(
      options.provisionerName,
      provisioner.encryptedKey,
      await options.resolveSecret(options.provisionerPasswordRef),
    );
    return { client, signer, rootFingerprint, rootPem };
  } catch (error) {
    await client.close();
    throw error;
  }
}
