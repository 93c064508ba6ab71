import { createHash } from 'node:crypto';

/** `SHA256:` + unpadded base64 of the SHA-256 of an SSH key blob, exactly like ssh-keygen. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
