/**
 * Secrets Phoenix received and must keep (a Portainer API key is shown once): encrypted with
 * AES-256-GCM under a key kept outside the database (`secrets.key` beside it, see
 * app/secret-key.ts), bound to its environment and name (additional data), so the state file
 * alone — a backup, a copy attached to a bug report — reveals nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PhoenixError } from '../errors.ts';
import type { StoreContext } from './context.ts';

export interface SecretsApi {
  put(environment: string, name: string, value: string, key: Buffer): void;
  /** Undefined when none is stored; an error when it does not decrypt under `key`. */
  get(environment: string, name: string, key: Buffer): string | undefined;
  delete(environment: string, name: string): void;
  names(environment: string): string[];
}

function aad(environment: string, name: string): Buffer {
  return Buffer.from(`phoenix-secret\0${environment}\0${name}`, 'utf8');
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new PhoenixError('the secrets key must be 32 bytes', { code: 'E_SECRETS_KEY' });
}

export function secretsApi(db: Database.Database, ctx: StoreContext): SecretsApi {
  return {
    put(environment, name, value, key) {
      checkKey(key);
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(aad(environment, name));
      const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      db.prepare(
        `INSERT INTO secrets (environment, name, nonce, ciphertext, tag, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (environment, name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext,
           tag = excluded.tag, updated_at = excluded.updated_at`,
      ).run(environment, name, nonce, ciphertext, cipher.getAuthTag(), ctx.now());
    },
    get(environment, name, key) {
      checkKey(key);
      const row = db
        .prepare('SELECT nonce, ciphertext, tag FROM secrets WHERE environment = ? AND name = ?')
        .get(environment, name) as { nonce: Buffer; ciphertext: Buffer; tag: Buffer } | undefined;
      if (!row) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, row.nonce);
        decipher.setAAD(aad(environment, name));
        decipher.setAuthTag(row.tag);
        return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new PhoenixError(`stored secret ${name} does not decrypt with this state folder's key`, {
          code: 'E_SECRET_DECRYPT',
          cause,
          hint: 'the state file was moved without its secrets.key; the secret will be created again once removed',
        });
      }
    },
    delete(environment, name) {
      db.prepare('DELETE FROM secrets WHERE environment = ? AND name = ?').run(environment, name);
    },
    names(environment) {
      return (
        db.prepare('SELECT name FROM secrets WHERE environment = ? ORDER BY name').all(environment) as {
          name: string;
        }[]
      ).map((r) => r.name);
    },
  };
}
