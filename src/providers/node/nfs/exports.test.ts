import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPeer } from '../../../clients/ssh/_test-peers.ts';
import { homelabSource } from '../dns/_fixture.ts';
import { deriveExports, parseExports, renderExports } from './exports.ts';

describe('NFS exports', () => {
  it('exports each path only to the guests that mount it, read-only where they mount read-only', () => {
    const { exports, diagnostics } = deriveExports(homelabSource());
    const text = renderExports(exports);
    expect(parseExports(text)).toEqual([
      { path: '/srv/nfs/media', clients: [{ host: '10.0.0.22', options: ['ro', 'sync', 'no_subtree_check'] }] },
      {
        path: '/srv/nfs/swarm-data',
        clients: [
          { host: '10.0.0.21', options: ['rw', 'sync', 'no_subtree_check'] },
          { host: '10.0.0.22', options: ['rw', 'sync', 'no_subtree_check'] },
        ],
      },
    ]);
    expect(diagnostics).toMatchObject([{ code: 'W_NFS_UNUSED', message: expect.stringContaining('unused') }]);
    expect(text).not.toContain('*');
  });

  it('uses explicit clients instead of the mounting guests when given', () => {
    const source = homelabSource();
    source.nfs.exports = [
      { name: 'media', path: '/srv/nfs/media', clients: ['10.0.0.0/24'], options: ['rw', 'sync', 'no_subtree_check'] },
    ];
    expect(renderExports(deriveExports(source).exports)).toContain(
      '/srv/nfs/media 10.0.0.0/24(rw,sync,no_subtree_check)\n',
    );
  });

  it('refuses to export to a DHCP guest', () => {
    const source = homelabSource();
    source.guests[4]!.net = [{ ip: 'dhcp' }];
    expect(deriveExports(source).diagnostics.map((d) => d.code)).toContain('E_NFS_DHCP_CLIENT');
  });

  const exportfs = findPeer('/usr/sbin/exportfs');
  const unshare = findPeer('/usr/bin/unshare');
  it.skipIf(!exportfs || !unshare || process.getuid?.() !== 0)('the real exportfs accepts the rendered file', () => {
    // exportfs reads /etc/exports only: bind-mount our file (and a private /var/lib/nfs) over it
    // inside a private mount namespace, so the host's NFS state is never touched.
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-exportfs-'));
    try {
      const source = homelabSource();
      for (const entry of source.nfs.exports) entry.path = join(dir, 'data', entry.name);
      const { exports } = deriveExports(source);
      for (const line of exports) mkdirSync(line.path, { recursive: true });
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'exports'), renderExports(exports));
      writeFileSync(join(dir, 'bad'), `${join(dir, 'data', 'media')} 10.0.0.22(rw,frobnicate)\n`);
      const run = (file: string) =>
        execFileSync(
          unshare as string,
          [
            '--mount',
            'sh',
            '-c',
            'mount --bind "$1" /var/lib/nfs && touch /var/lib/nfs/etab /var/lib/nfs/rmtab && mount --bind "$2" /etc/exports && exportfs -ra 2>&1 && cat /var/lib/nfs/etab',
            'sh',
            join(dir, 'lib'),
            file,
          ],
          { encoding: 'utf8', timeout: 20_000 },
        );
      const etab = run(join(dir, 'exports'));
      expect(etab).toContain(`${join(dir, 'data', 'media')}\t10.0.0.22(ro,`);
      expect(etab).toContain(`${join(dir, 'data', 'swarm-data')}\t10.0.0.21(rw,`);
      let rejected = '';
      try {
        run(join(dir, 'bad'));
      } catch (error) {
        rejected = String((error as { stdout?: string }).stdout);
      }
      expect(rejected).toContain('unknown keyword "frobnicate"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
