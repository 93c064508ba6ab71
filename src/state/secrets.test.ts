import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from './store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('encrypted secrets in the state file', () => {
  it('round-trips, and the database files never hold the value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-secrets-'));
    dirs.push(dir);
    const key = randomBytes(32);
    const value = 'ptr_canary-api-key-7c3e19';
    const store = openStateStore(join(dir, 'state.db'));
    store.secrets.put('env-a', 'portainer.api-key', value, key);
    expect(store.secrets.get('env-a', 'portainer.api-key', key)).toBe(value);
    expect(store.secrets.get('env-b', 'portainer.api-key', key)).toBeUndefined();
    expect(store.secrets.names('env-a')).toEqual(['portainer.api-key']);
    expect(() => store.secrets.get('env-a', 'portainer.api-key', randomBytes(32))).toThrow(/does not decrypt/);
    store.close();
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(Buffer.from(value))).toBe(false);
      expect(bytes.includes(Buffer.from('canary-api-key'))).toBe(false);
    }
    const reopened = openStateStore(join(dir, 'state.db'));
    expect(reopened.secrets.get('env-a', 'portainer.api-key', key)).toBe(value);
    reopened.secrets.delete('env-a', 'portainer.api-key');
    expect(reopened.secrets.names('env-a')).toEqual([]);
    reopened.close();
  });
});
