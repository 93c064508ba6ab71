/** What Phoenix records of an issued certificate (never key material): parsed from its PEM chain. */
import { X509Certificate, createHash } from 'node:crypto';
import { keyTypeOf } from './keys.ts';
import type { CertificateFacts } from './lifecycle.ts';

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function derFingerprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

/** Facts of the first certificate of a PEM chain file; `issuer` is the next one's fingerprint. Throws on non-PEM. */
export function certificateFacts(chainPem: string): CertificateFacts {
  const blocks = pemBlocks(chainPem);
  if (blocks.length === 0) throw new Error('not a PEM certificate');
  const leaf = new X509Certificate(blocks[0] as string);
  const issuer = blocks[1] ? derFingerprint(new X509Certificate(blocks[1])) : '';
  const sans = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  return {
    serial: BigInt(`0x${leaf.serialNumber}`).toString(10),
    fingerprint: derFingerprint(leaf),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    sans,
    keyType: keyTypeOf(leaf.publicKey as never),
    issuer,
  };
}

/**
 * True when `rootPem` is the CA that issued the top of `chainPem` (the intermediate, or the leaf
 * of a one-certificate chain): the root file next to a certificate is the one it chains to.
 */
export function rootIssuesChain(rootPem: string, chainPem: string): boolean {
  const [rootBlock] = pemBlocks(rootPem);
  const top = pemBlocks(chainPem).at(-1);
  if (!rootBlock || !top) return false;
  try {
    const root = new X509Certificate(rootBlock);
    const issued = new X509Certificate(top);
    return issued.checkIssued(root) && issued.verify(root.publicKey);
  } catch {
    return false;
  }
}
