import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUpid, isUpid, parseUpid } from './upid.ts';

describe('UPID', () => {
  it('parses a real token UPID', () => {
    expect(parseUpid('UPID:proxmox2:000D7AA2:08D5A17C:63DF62A5:vzclone:200:root@pam!api_token:')).toEqual({
      upid: 'UPID:proxmox2:000D7AA2:08D5A17C:63DF62A5:vzclone:200:root@pam!api_token:',
      node: 'proxmox2',
      pid: 0xd7aa2,
      pstart: 0x08d5a17c,
      starttime: 0x63df62a5,
      type: 'vzclone',
      id: '200',
      user: 'root@pam',
      tokenid: 'api_token',
    });
  });

  it('accepts an empty id and a 9-digit pstart, rejects a missing trailing colon', () => {
    expect(parseUpid('UPID:pve:00000001:123456789:66A1B2C3:imgcopy::root@pam:')?.id).toBe('');
    expect(parseUpid('UPID:pve:00000001:12345678:66A1B2C3:qmstart:100:root@pam')).toBeUndefined();
    expect(isUpid(null)).toBe(false);
  });

  it('round-trips format and parse', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    fc.assert(
      fc.property(
        name,
        fc.nat(0xffffffff),
        fc.nat(0xffffffff),
        fc.nat(0xffffffff),
        fc.integer({ min: 100, max: 999999 }),
        (node, pid, pstart, starttime, vmid) => {
          const text = formatUpid({
            node,
            pid,
            pstart,
            starttime,
            type: 'qmstart',
            id: String(vmid),
            user: 'ops@pve',
            tokenid: 'tf',
          });
          const parsed = parseUpid(text);
          expect(parsed).toMatchObject({
            node,
            pid,
            pstart,
            starttime,
            id: String(vmid),
            user: 'ops@pve',
            tokenid: 'tf',
          });
        },
      ),
    );
  });
});
