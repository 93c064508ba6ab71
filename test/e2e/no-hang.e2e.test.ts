/**
 * Issue 9, "no hang": a config error found while wiring an environment (after the built-in
 * simulator started) ends the command with the error instead of leaving the process alive, and
 * `validate` finds the same error first, located.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { runCliChild, stackFree } from './_cli-child.ts';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-nohang-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  // The node `pve` is 192.168.1.10; an explicit record gives pve.home.arpa another address.
  const host = join(dir, 'host.yaml');
  const text = readFileSync(host, 'utf8');
  expect(text).toContain('{ name: pve.home.arpa, type: A, value: 192.168.1.10 }');
  writeFileSync(host, text.replace('value: 192.168.1.10 }', 'value: 192.168.1.11 }'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a DNS name declared twice (node address vs dns.records)', () => {
  it('validate rejects it with file:line of the record', async () => {
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    const line =
      readFileSync(join(dir, 'host.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('pve.home.arpa')) + 1;
    expect(r.stderr).toMatch(new RegExp(`host\\.yaml:${line}:\\d+`));
    expect(r.stderr).toMatch(/pve\.home\.arpa is declared twice: A 192\.168\.1\.10 \(node pve\)/);
    expect(stackFree(r.stderr + r.stdout)).toBe(true);
  });

  for (const command of [['plan'], ['status'], ['apply', '--auto-approve']]) {
    it(`${command[0]} ends with the located error (no wait)`, async () => {
      const r = await runCliChild([...command, '-c', dir], { timeoutMs: 25_000 });
      expect(r.timedOut, `${command[0]} did not exit: ${r.stderr}`).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/host\.yaml:\d+:\d+: .*pve\.home\.arpa is declared twice/);
      expect(stackFree(r.stderr + r.stdout)).toBe(true);
    });
  }
});
