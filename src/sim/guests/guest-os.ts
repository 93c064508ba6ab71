/**
 * The simulated OS inside a guest: a small file tree, processes started through the QEMU
 * guest agent (`exec` / `exec-status`), and the network interfaces the guest sees, with the
 * addresses from its config (static) or from the simulator's DHCP pool (`ip=dhcp`).
 */

export interface GuestFile {
  content: string;
  mode?: string;
}

export interface ExecResult {
  exitcode: number;
  out: string;
  err: string;
}

export interface GuestOsState {
  files: Record<string, GuestFile>;
  execs: Record<string, ExecResult>;
  nextPid: number;
  /** The guest ignores ACPI power-button events (set through control, for shutdown timeouts). */
  ignoresShutdown?: boolean;
}

export function newGuestOs(hostname: string): GuestOsState {
  return {
    files: {
      '/etc/hostname': { content: `${hostname}\n` },
      '/etc/os-release': { content: 'ID=debian\nVERSION_ID="12"\n' },
    },
    execs: {},
    nextPid: 1000,
  };
}

/**
 * Runs a command inside the guest. Only a few shell builtins are simulated (cat, echo, ls,
 * hostname, true, false, test -e/-f, mkdir, rm); anything else fails with exit code 127 the
 * way a shell reports an unknown command.
 */
export function runCommand(os: GuestOsState, command: string[], hostname: string): number {
  const pid = os.nextPid++;
  const [cmd, ...args] = command;
  let result: ExecResult;
  switch (cmd) {
    case 'true':
      result = { exitcode: 0, out: '', err: '' };
      break;
    case 'false':
      result = { exitcode: 1, out: '', err: '' };
      break;
    case 'echo':
      result = { exitcode: 0, out: `${args.join(' ')}\n`, err: '' };
      break;
    case 'hostname':
      result = { exitcode: 0, out: `${hostname}\n`, err: '' };
      break;
    case 'cat': {
      const missing = args.filter((p) => !os.files[p]);
      result =
        missing.length > 0
          ? { exitcode: 1, out: '', err: missing.map((p) => `cat: ${p}: No such file or directory\n`).join('') }
          : { exitcode: 0, out: args.map((p) => os.files[p]?.content ?? '').join(''), err: '' };
      break;
    }
    case 'ls': {
      const dir = (args[0] ?? '/').replace(/\/$/, '');
      const names = Object.keys(os.files)
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1).split('/')[0] as string);
      result = {
        exitcode: 0,
        out: [...new Set(names)]
          .sort()
          .map((n) => `${n}\n`)
          .join(''),
        err: '',
      };
      break;
    }
    case 'test': {
      const path = args[1] ?? '';
      result = { exitcode: os.files[path] ? 0 : 1, out: '', err: '' };
      break;
    }
    case 'rm':
      for (const p of args.filter((a) => !a.startsWith('-'))) delete os.files[p];
      result = { exitcode: 0, out: '', err: '' };
      break;
    case 'mkdir':
      result = { exitcode: 0, out: '', err: '' };
      break;
    default:
      result = { exitcode: 127, out: '', err: `sh: 1: ${cmd ?? ''}: not found\n` };
  }
  os.execs[String(pid)] = result;
  return pid;
}

export interface GuestNic {
  name: string;
  mac: string;
  /** `10.0.0.5/24`, or undefined when the interface has no IPv4. */
  ipv4?: string;
  ipv6?: string;
}

/** QGA `guest-network-get-interfaces` shape (spec A.5 network-get-interfaces). */
export function agentInterfaces(nics: GuestNic[]): unknown[] {
  const lo = {
    name: 'lo',
    'hardware-address': '00:00:00:00:00:00',
    'ip-addresses': [
      { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
      { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
    ],
    statistics: stats(),
  };
  return [
    lo,
    ...nics.map((n) => ({
      name: n.name,
      'hardware-address': n.mac.toLowerCase(),
      'ip-addresses': addresses(n),
      statistics: stats(),
    })),
  ];
}

function addresses(n: GuestNic): { 'ip-address': string; 'ip-address-type': string; prefix: number }[] {
  const out = [];
  for (const [cidr, family] of [
    [n.ipv4, 'ipv4'],
    [n.ipv6, 'ipv6'],
  ] as const) {
    if (!cidr) continue;
    const [ip, prefix] = cidr.split('/');
    out.push({
      'ip-address': ip as string,
      'ip-address-type': family,
      prefix: Number(prefix ?? (family === 'ipv4' ? 32 : 128)),
    });
  }
  return out;
}

function stats(): Record<string, number> {
  return {
    'rx-bytes': 0,
    'rx-dropped': 0,
    'rx-errs': 0,
    'rx-packets': 0,
    'tx-bytes': 0,
    'tx-dropped': 0,
    'tx-errs': 0,
    'tx-packets': 0,
  };
}
