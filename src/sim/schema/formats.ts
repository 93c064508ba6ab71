/**
 * Named string formats of the PVE schema (`format: "pve-vmid"` ...). The schema names them but
 * does not define them; the checks below restate the verifiers of pve-common `JSONSchema.pm`
 * and the guest/storage packages (as summarised in ../shared/pve/PVE_API_SPEC.md). A verifier
 * returns the error text PVE dies with (the caller prefixes `invalid format - `), or undefined.
 *
 * Formats not listed here are accepted unchecked (they belong to features the simulator does
 * not model: ceph, SDN, notifications, ...). `*-list` formats check each element.
 */
import { isIP } from 'node:net';

type Verifier = (value: string) => string | undefined;

const NODE_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;
const DNS_LABEL = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DNS_RE = new RegExp(`^(?:${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const CONFIGID_RE = /^[a-z][a-z0-9_-]+$/i;
const REALM_RE = /^[A-Za-z][A-Za-z.\-_\d]+$/;
const USER_RE = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKEN_NAME_RE = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const MAC_RE = /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i;
const VOLUME_ID_RE = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;
const IFACE_RE = /^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.]\d+)?$/;
const BRIDGE_RE = /^[-_.\w\d]+$/;
const EMAIL_RE = /^[\w+\-~]+(\.[\w+\-~]+)*@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$/;
const SIZE_RE = /^(\d+(\.\d+)?)([KMGT](iB)?)?$/;

function cidr(value: string, family: 4 | 6 | 0): boolean {
  const [addr, mask, extra] = value.split('/');
  if (addr === undefined || mask === undefined || extra !== undefined || !/^\d+$/.test(mask)) return false;
  const fam = isIP(addr);
  if (fam === 0 || (family !== 0 && fam !== family)) return false;
  return Number(mask) <= (fam === 4 ? 32 : 128);
}

const ip =
  (family: 0 | 4 | 6, what: string): Verifier =>
  (v) => {
    const fam = isIP(v);
    return fam !== 0 && (family === 0 || fam === family) ? undefined : `value does not look like a valid ${what}`;
  };

const cidrOf =
  (family: 0 | 4 | 6, what: string): Verifier =>
  (v) =>
    cidr(v, family) ? undefined : `value does not look like a valid ${what}`;

const regex =
  (re: RegExp, message: (v: string) => string): Verifier =>
  (v) =>
    re.test(v) ? undefined : message(v);

const verifyUserid: Verifier = (v) =>
  USER_RE.test(v) && v.length <= 64 ? undefined : `value '${v}' does not look like a valid user name`;

const verifyTokenid: Verifier = (v) => {
  const [user, token, extra] = v.split('!');
  const ok = user !== undefined && token !== undefined && extra === undefined && USER_RE.test(user);
  return ok && TOKEN_NAME_RE.test(token) ? undefined : `value '${v}' does not look like a valid token ID`;
};

const ipConfig =
  (family: 4 | 6, specials: string[]): Verifier =>
  (v) =>
    specials.includes(v) || cidr(v, family) ? undefined : `value does not look like a valid IPv${family} CIDR`;

export const FORMAT_VERIFIERS: Record<string, Verifier> = {
  'pve-node': regex(NODE_RE, (v) => `value '${v}' does not look like a valid node name`),
  'pve-vmid': regex(/^\d+$/, (v) => `value '${v}' does not look like a valid VM ID`),
  'pve-storage-id': regex(STORAGE_ID_RE, (v) => `storage ID '${v}' contains illegal characters`),
  'pve-configid': regex(CONFIGID_RE, (v) => `invalid configuration ID '${v}'`),
  'pve-poolid': regex(/^[A-Za-z0-9_\-.]+(?:\/[A-Za-z0-9_\-.]+){0,2}$/, (v) => `invalid pool ID '${v}'`),
  'pve-realm': regex(REALM_RE, (v) => `value '${v}' does not look like a valid realm`),
  'pve-userid': verifyUserid,
  'pve-tokenid': verifyTokenid,
  'pve-roleid': regex(/^[A-Za-z0-9.\-_]+$/, (v) => `role name '${v}' contains invalid characters`),
  'pve-groupid': regex(/^[A-Za-z0-9.\-_]+$/, (v) => `group name '${v}' contains invalid characters`),
  'pve-iface': regex(IFACE_RE, (v) => `invalid network interface name '${v}'`),
  'pve-bridge-id': regex(BRIDGE_RE, (v) => `invalid bridge ID '${v}'`),
  'pve-tag': regex(TAG_RE, (v) => `invalid tag '${v}'`),
  'pve-volume-id': regex(VOLUME_ID_RE, (v) => `unable to parse volume ID '${v}'`),
  'pve-volume-id-or-qm-path': (v) =>
    VOLUME_ID_RE.test(v) || v.startsWith('/') || v === 'none' || v === 'cdrom' || /^[^:/\s]+:\d+(\.\d+)?$/.test(v)
      ? undefined
      : `unable to parse volume ID '${v}'`,
  'pve-volume-id-or-absolute-path': (v) =>
    VOLUME_ID_RE.test(v) || v.startsWith('/') ? undefined : `unable to parse volume ID '${v}'`,
  'pve-storage-path': regex(/^\/.*$/, (v) => `invalid path '${v}'`),
  'pve-storage-content': regex(
    /^(images|rootdir|vztmpl|iso|backup|snippets|import|none)$/,
    (v) => `invalid content type '${v}'`,
  ),
  'pve-qm-bootdisk': regex(/^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/, (v) => `invalid drive name '${v}'`),
  'pve-ct-timezone': regex(/^(host|[A-Za-z][A-Za-z0-9_+\-/]*)$/, (v) => `invalid time zone '${v}'`),
  'pve-cpuset': regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, (v) => `invalid cpuset '${v}'`),
  'pve-hotplug-features': regex(
    /^(0|1|(network|disk|cpu|memory|usb|cloudinit)(,(network|disk|cpu|memory|usb|cloudinit))*)$/,
    (v) => `invalid hotplug feature '${v}'`,
  ),
  urlencoded: regex(/^[-%a-zA-Z0-9_.!~*'()]*$/, (v) => `invalid urlencoded string: ${v}`),
  'dns-name': regex(DNS_RE, (v) => `value '${v}' does not look like a valid DNS name`),
  email: regex(EMAIL_RE, (v) => `value '${v}' does not look like a valid email address`),
  'email-opt': (v) =>
    v === '' || EMAIL_RE.test(v) ? undefined : `value '${v}' does not look like a valid email address`,
  'mac-addr': regex(MAC_RE, (v) => `value '${v}' does not look like a valid unicast MAC address`),
  'mac-prefix': regex(/^[a-f0-9][02468ace](?::[a-f0-9]{2}){0,2}:?$/i, (v) => `value '${v}' is not a valid MAC prefix`),
  'disk-size': regex(SIZE_RE, (v) => `unable to parse size '${v}'`),
  ip: ip(0, 'IP address'),
  ipv4: ip(4, 'IPv4 address'),
  ipv6: ip(6, 'IPv6 address'),
  address: (v) => (isIP(v) || DNS_RE.test(v) ? undefined : `value does not look like a valid address: ${v}`),
  CIDR: cidrOf(0, 'CIDR network'),
  CIDRv4: cidrOf(4, 'IPv4 CIDR network'),
  CIDRv6: cidrOf(6, 'IPv6 CIDR network'),
  IPorCIDR: (v) => (isIP(v) || cidr(v, 0) ? undefined : `value does not look like a valid IP address or CIDR network`),
  IPorCIDRorAlias: (v) =>
    isIP(v) || cidr(v, 0) || /^(?:(dc|guest)\/)?[A-Za-z][A-Za-z0-9\-_]+$/.test(v)
      ? undefined
      : `value does not look like a valid IP address, CIDR network or alias`,
  ipv4mask: (v) => {
    if (isIP(v) !== 4) return `value does not look like a valid IP netmask`;
    const bits = v
      .split('.')
      .map((octet) => Number(octet).toString(2).padStart(8, '0'))
      .join('');
    return /^1*0*$/.test(bits) ? undefined : `value does not look like a valid IP netmask`;
  },
  'pve-ipv4-config': ipConfig(4, ['dhcp', 'manual']),
  'pve-ipv6-config': ipConfig(6, ['auto', 'dhcp', 'manual']),
  'lxc-ip-with-ll-iface': (v) => {
    const base = v.split('%')[0] ?? '';
    return isIP(base) ? undefined : `value does not look like a valid IP address`;
  },
  'pve-lxc-mp-string': (v) => (/[,\s]/.test(v) && !v.startsWith('/') ? `invalid mount point '${v}'` : undefined),
};

/** Splits a `*-list` value like PVE's `split_list` (commas, semicolons, whitespace, NUL). */
export function splitList(value: string): string[] {
  return value.split(/[\0;,\s]+/).filter((part) => part !== '');
}

/**
 * Checks `value` against the named format. Returns the text after `invalid format - `, or
 * undefined if valid or the format is not one the simulator checks.
 */
export function checkNamedFormat(name: string, value: string): string | undefined {
  const direct = FORMAT_VERIFIERS[name];
  if (direct) return direct(value);
  if (name.endsWith('-list')) {
    const element = FORMAT_VERIFIERS[name.slice(0, -'-list'.length)];
    if (element) {
      for (const part of splitList(value)) {
        const error = element(part);
        if (error) return error;
      }
    }
    if (name === 'pve-tag-list') {
      for (const part of value.split(/[;, ]+/).filter((p) => p !== '')) {
        if (!TAG_RE.test(part)) return `invalid tag '${part}'`;
      }
    }
  }
  return undefined;
}
