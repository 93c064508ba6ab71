/**
 * Building blocks shared by the config schema files: names, ids, sizes, addresses and secret
 * references. Messages made with `hinted()` carry a one-line hint; the loader looks it up by
 * message and puts it in the diagnostic, so a schema error can say how to fix it. (zod's string
 * formats take no custom params, and keeping `.regex` keeps the pattern in the JSON Schema.)
 */
import { z } from 'zod';

const HINTS = new Map<string, string>();

/** Registers `hint` for `message` and returns the message, for use in zod check options. */
export function hinted(message: string, hint: string): string {
  HINTS.set(message, hint);
  return message;
}

/** The hint registered for a schema message, if any. */
export function hintFor(message: string): string | undefined {
  return HINTS.get(message);
}

/** Message of a literal in a secret field; the loader gives it a dedicated error code. */
export const SECRET_LITERAL_MESSAGE = 'must be a secret reference (env:NAME or file:path), not the secret itself';

/** A DNS label-ish name used for guests, templates, stacks, certificates. */
export const ResourceName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  message: hinted(
    'must be a lowercase DNS label (a-z, 0-9, "-"; not starting or ending with "-")',
    'use a name such as "web-01"',
  ),
});

/** Proxmox guest id (vmid): 100 ..= 999999999 per the PVE API schema. */
export const Vmid = z.int().min(100).max(999_999_999).describe('Proxmox guest id (vmid), 100 to 999999999');

/** A guest referenced by vmid or by name. */
export const GuestRef = z.union([Vmid, ResourceName]).describe('a guest id (vmid) or guest name');

export const Hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, {
    message: hinted('must be a DNS name', 'use letters, digits, "-" and "." such as "app.home.arpa"'),
  });

/** A DNS name that may start with one `*.` label, for certificate names. */
export const CertificateName = z
  .string()
  .regex(/^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, {
    message: hinted('must be a DNS name, optionally starting with "*."', 'e.g. "gateway.home.arpa" or "*.home.arpa"'),
  });

/** `10.0.0.5/24`: an IPv4 address with its prefix length. */
export const Ipv4Cidr = z.string().check(
  z.refine((v) => parseIpv4Cidr(v) !== undefined, {
    message: hinted(
      'must be an IPv4 address with prefix length, like 10.0.0.5/24',
      'write the address and the subnet size, e.g. "192.168.1.20/24"',
    ),
  }),
);

export const Ipv4 = z.ipv4({ message: 'must be an IPv4 address like 10.0.0.1' });

export const MacAddress = z.string().regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, {
  message: hinted('must be a MAC address like BC:24:11:00:00:01', 'six hex pairs separated by ":"'),
});

/**
 * Secret reference: `env:NAME` (environment variable) or `file:path` (relative to the config
 * dir). Never the secret itself: a literal is rejected so secrets do not end up in git.
 */
export const SecretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\S.*)$/, {
    message: hinted(
      SECRET_LITERAL_MESSAGE,
      'write "env:NAME" (read from an environment variable) or "file:path/to/secret" (relative to the config directory)',
    ),
  })
  .describe('secret reference: "env:NAME" or "file:path" (never the secret itself)');

/** Size in GiB: a positive number (fractions allowed for small disks). */
export const SizeGiB = z.number().positive().max(131072).describe('size in GiB');

/** Memory in MiB. */
export const MemoryMiB = z.int().min(16).max(4_194_304).describe('memory in MiB');

/** `sha256:<64 hex>` or `sha512:<128 hex>`. */
export const Checksum = z.string().regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/i, {
  message: hinted(
    'must be "sha256:<64 hex>" or "sha512:<128 hex>"',
    'compute it with `sha256sum <file>` and prefix "sha256:"',
  ),
});

/** Duration such as `720h`, `30d`, `90m`. */
export const Duration = z.string().regex(/^\d+(s|m|h|d)$/, {
  message: hinted('must be a duration such as "720h", "30d" or "90m"', 'a whole number followed by s, m, h or d'),
});

export const Tag = z.string().regex(/^[a-z0-9_][a-z0-9_+.-]*$/i, {
  message: 'must be a Proxmox tag (letters, digits, "_", "-", "+", ".")',
});

/** Parses `a.b.c.d/len` into numbers; undefined when malformed. Shared with semantic checks. */
export function parseIpv4Cidr(value: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

/** Parses a bare IPv4 address into a number; undefined when malformed. */
export function parseIpv4(value: string): number | undefined {
  return parseIpv4Cidr(`${value}/32`)?.address;
}
