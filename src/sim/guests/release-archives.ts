/**
 * The simulated guests' only download source: release archives made here, byte for byte the same
 * on every machine and every Node/zlib version (tar headers with fixed times, gzip with stored
 * deflate blocks), so their SHA-256 can be declared in a config like a real release's checksum.
 * The simulator never reaches the network: a URL not served here fails like an unreachable host.
 *
 * Served: Traefik release archives by their published file name
 * (`.../v<version>/traefik_v<version>_linux_<arch>.tar.gz`); the `traefik` inside is a stand-in
 * script that prints its version, not Traefik.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export interface ServedFile {
  /** Entry name → content and mode. */
  entries: { name: string; content: string; mode: number }[];
}

const TRAEFIK_RELEASE = /\/v(\d+\.\d+\.\d+)\/traefik_v\1_linux_(amd64|arm64)\.tar\.gz$/;
/** The hosts whose paths are served here; any other host "cannot be resolved". */
export const RELEASE_HOSTS = ['github.com'];

/** The archive served for a URL, or null (404 on a release host, unresolvable elsewhere). */
export function releaseArchive(url: URL): Buffer | null {
  const match = TRAEFIK_RELEASE.exec(url.pathname);
  if (!match) return null;
  const [, version, arch] = match;
  return tarGz([
    {
      name: 'traefik',
      mode: 0o755,
      content: [
        '#!/bin/sh',
        "# Stand-in for Traefik, served by Phoenix's simulator in place of the release archive.",
        `echo "Version:      ${version} (Phoenix simulator stand-in, linux/${arch})"`,
        '',
      ].join('\n'),
    },
    { name: 'LICENSE.md', mode: 0o644, content: 'Stand-in archive of the Phoenix simulator.\n' },
  ]);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive of regular files (root:root, mtime 2024-01-01), gzip-wrapped deterministically. */
export function tarGz(entries: ServedFile['entries']): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content);
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write(octal(entry.mode, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(content.length, 12), 124, 'ascii');
    header.write(octal(1704067200, 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\x0000', 257, 'ascii');
    header.write('root', 265, 'ascii');
    header.write('root', 297, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipStored(Buffer.concat(blocks));
}

/** gzip with stored (uncompressed) deflate blocks: the same bytes whatever zlib is installed. */
function gzipStored(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])];
  for (let at = 0; at < data.length || at === 0; at += 65535) {
    const chunk = data.subarray(at, at + 65535);
    const last = at + 65535 >= data.length;
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt16LE(chunk.length, 1);
    head.writeUInt16LE(~chunk.length & 0xffff, 3);
    parts.push(head, chunk);
    if (last) break;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
