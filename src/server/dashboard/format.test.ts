import { describe, expect, it } from 'vitest';
// The dashboard's own module (plain JS served as is), imported the way the browser does.
import { formatAttributeChange, formatAttributeValue, mib } from './format.js';

describe('dashboard value formatting', () => {
  it('shows MiB sizes with their unit', () => {
    expect(mib(512)).toBe('512 MiB');
    expect(mib(768)).toBe('768 MiB');
    expect(mib(1536)).toBe('1.5 GiB');
    expect(mib(2048)).toBe('2 GiB');
    expect(mib(1024 * 1024)).toBe('1 TiB');
  });

  it('knows which Proxmox guest attributes are sizes', () => {
    expect(formatAttributeValue('proxmox.guest', 'memory', '512')).toBe('512 MiB');
    expect(formatAttributeValue('proxmox.guest', 'swap', '0')).toBe('0 MiB');
    expect(formatAttributeValue('proxmox.guest', 'rootfs.size', '4G')).toBe('4 GiB');
    expect(formatAttributeValue('proxmox.guest', 'mp0.size', '512M')).toBe('512 MiB');
    expect(formatAttributeValue('proxmox.guest', 'disk.size', '1T')).toBe('1 TiB');
    expect(formatAttributeValue('proxmox.guest', 'net0.bridge', 'vmbr0')).toBe('vmbr0');
    expect(formatAttributeValue('proxmox.guest', 'cores', '2')).toBe('2');
    // Not a size elsewhere: another provider's `memory` is shown as it is.
    expect(formatAttributeValue('node.file', 'memory', '512')).toBe('512');
    expect(formatAttributeValue('proxmox.guest', 'memory', undefined)).toBe('(unset)');
    expect(formatAttributeValue('pve.acl', 'entries', [{ path: '/' }])).toBe('[{"path":"/"}]');
  });

  it('renders a change without JSON quotes, and never a secret', () => {
    expect(formatAttributeChange('proxmox.guest', { path: 'memory', before: '1536', after: '512' })).toBe(
      'memory: 1.5 GiB → 512 MiB',
    );
    expect(formatAttributeChange('proxmox.guest', { path: 'description', before: undefined, after: 'web' })).toBe(
      'description: web (new)',
    );
    expect(formatAttributeChange('pve.token', { path: 'secret', before: null, after: null, sensitive: true })).toBe(
      'secret: (sensitive)',
    );
  });
});
