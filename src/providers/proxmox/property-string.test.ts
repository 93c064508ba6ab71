import { describe, expect, it } from 'vitest';
import {
  decodeSshKeys,
  encodeSshKeys,
  formatPropertyString,
  formatSize,
  normBool,
  parsePropertyString,
  parseSize,
  parseTags,
} from './property-string.ts';

describe('property strings', () => {
  it('parses keyed values and a bare default-key value', () => {
    expect(parsePropertyString('local-lvm:vm-101-disk-0,size=8G', 'volume')).toEqual({
      volume: 'local-lvm:vm-101-disk-0',
      size: '8G',
    });
    expect(parsePropertyString('name=eth0,bridge=vmbr0,ip=dhcp')).toEqual({
      name: 'eth0',
      bridge: 'vmbr0',
      ip: 'dhcp',
    });
    expect(parsePropertyString('')).toEqual({});
  });

  it('prints the default key first, then the rest sorted, booleans as 0/1', () => {
    expect(formatPropertyString({ size: '8G', volume: 'local-lvm:8', ro: false }, 'volume')).toBe(
      'local-lvm:8,ro=0,size=8G',
    );
    expect(formatPropertyString({ nesting: true, keyctl: undefined })).toBe('nesting=1');
  });

  it.each([
    ['8G', 8 * 1024 ** 3],
    ['512M', 512 * 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3],
    ['8GiB', 8 * 1024 ** 3],
    ['4096', 4096],
  ])('parses size %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('formats sizes like PVE format_size', () => {
    expect(formatSize(8 * 1024 ** 3)).toBe('8G');
    expect(formatSize(1536 * 1024 ** 2)).toBe('1536M');
    expect(formatSize(1000)).toBe('1000');
  });

  it('normalises booleans and tags', () => {
    expect(normBool('on')).toBe('1');
    expect(normBool('false')).toBe('0');
    expect(normBool('maybe')).toBeUndefined();
    expect(parseTags('web;phoenix-managed,web prod')).toEqual(['phoenix-managed', 'prod', 'web']);
  });

  it('encodes ssh keys like the PVE GUI (encodeURIComponent) and decodes them back', () => {
    const keys = ['ssh-ed25519 AAAAC3Nz+/= me@host', 'ssh-rsa BBBB other:key'];
    const encoded = encodeSshKeys(keys);
    expect(encoded).toMatch(/^[-%a-zA-Z0-9_.!~*'()]*$/);
    expect(encoded).toContain('%20');
    expect(encoded).toContain('%0A');
    expect(encoded).not.toContain('+');
    expect(decodeSshKeys(encoded)).toEqual(keys);
  });
});
