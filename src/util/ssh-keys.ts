import ssh2 from 'ssh2';

/**
 * An ed25519 pair ssh2 can read back. ssh2's generator writes a key whose leading byte is zero
 * with 31 bytes (about 1 in 100), which its own parser then rejects: draw again (bounded).
 */
export function generateEd25519KeyPair(comment: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) {
      return pair;
    }
  }
  throw new Error('could not generate a readable ed25519 key pair');
}
