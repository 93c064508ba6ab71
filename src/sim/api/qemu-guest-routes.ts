/**
 * QEMU cloud-init (spec §6.3, A.5 cloudinit) and the guest agent (A.5 agent/*) backed by the
 * simulated guest OS. Agent errors: not configured, VM not running, agent not yet up.
 */
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, requireGuest, type SimContext } from '../state/context.ts';
import type { Guest } from '../state/guests.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { agentInterfaces, runCommand } from '../guests/guest-os.ts';
import { agentShellExec, agentShellRead, agentShellWrite } from '../guests/agent-shell.ts';
import { qemuNics } from './guest-nics.ts';
import { CLOUDINIT_KEYS, cloudinitValues } from './qemu-create.ts';
import { route } from './envelope.ts';

const BASE = '/nodes/{node}/qemu/{vmid}';

/** qemu-server `assert_agent_available`: configured, VM running, agent answering. */
export function agentReady(ctx: SimContext, guest: Guest): void {
  if (guest.config.agent === undefined) throw new SimApiError(500, 'No QEMU guest agent configured');
  if (guest.status !== 'running') throw new SimApiError(500, `VM ${guest.vmid} is not running`);
  const enabled = parseBoolean(parseProps(String(guest.config.agent), FORMATS.agent).enabled ?? '0');
  const upFor = ctx.clock.now() - (guest.startedAt ?? 0);
  // A disabled agent has no socket, so it reads as not running (spec A.5 agent errors).
  if (!enabled || upFor < duration(ctx, 'agentBoot') * ctx.speed)
    throw new SimApiError(500, 'QEMU guest agent is not running');
}

function parseBoolean(text: string): boolean {
  return /^(1|on|yes|true)$/i.test(text);
}

function dump(ctx: SimContext, guest: Guest, type: string): string {
  const c = guest.config;
  if (type === 'meta') return `instance-id: ${guest.vmid}-${String(c.vmgenid ?? '')}\n`;
  if (type === 'network') {
    const lines = ['version: 1', 'config:'];
    for (const nic of qemuNics(ctx, guest)) {
      const n = nic.name.slice(3);
      const ipc = typeof c[`ipconfig${n}`] === 'string' ? parseProps(String(c[`ipconfig${n}`]), FORMATS.plain) : {};
      lines.push(
        '    - type: physical',
        `      name: ${nic.name}`,
        `      mac_address: '${nic.mac.toLowerCase()}'`,
        '      subnets:',
      );
      if (!ipc.ip || ipc.ip === 'dhcp') lines.push('      - type: dhcp4');
      else {
        lines.push('      - type: static', `        address: '${ipc.ip}'`);
        if (ipc.gw) lines.push(`        gateway: '${ipc.gw}'`);
      }
    }
    if (typeof c.nameserver === 'string')
      lines.push('    - type: nameserver', '      address:', ...c.nameserver.split(/\s+/).map((a) => `      - '${a}'`));
    return `${lines.join('\n')}\n`;
  }
  const lines = ['#cloud-config', `hostname: ${String(c.name ?? `VM${guest.vmid}`)}`, 'manage_etc_hosts: true'];
  if (c.ciuser !== undefined) lines.push(`user: ${String(c.ciuser)}`);
  if (c.cipassword !== undefined) lines.push(`password: ${String(c.cipassword)}`);
  if (typeof c.sshkeys === 'string') {
    lines.push('ssh_authorized_keys:');
    for (const key of decodeURIComponent(c.sshkeys)
      .split('\n')
      .filter((k) => k.trim() !== ''))
      lines.push(`  - ${key.trim()}`);
  }
  lines.push(
    'chpasswd:',
    '  expire: False',
    'users:',
    '  - default',
    `package_upgrade: ${c.ciupgrade === 0 ? 'false' : 'true'}`,
  );
  return `${lines.join('\n')}\n`;
}

export function qemuGuestRoutes(ctx: SimContext): SimRoute[] {
  const g = (req: SimRequest): Guest => requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  const agent = (req: SimRequest): Guest => {
    const guest = g(req);
    agentReady(ctx, guest);
    return guest;
  };
  return [
    route('GET', `${BASE}/cloudinit`, (req) => {
      const guest = g(req);
      const current = cloudinitValues(guest);
      const generated = guest.cloudinit ?? {};
      const nets = Object.keys(guest.config)
        .filter((k) => /^net\d+$/.test(k))
        .map((k) => `ipconfig${k.slice(3)}`);
      const keys = new Set([...CLOUDINIT_KEYS, ...nets, ...Object.keys(current), ...Object.keys(generated)]);
      return [...keys].sort().map((key) => {
        const row: Record<string, unknown> = { key };
        const mask = (v: unknown): unknown => (key === 'cipassword' && v !== undefined ? '**********' : v);
        if (generated[key] !== undefined) row.value = mask(generated[key]);
        if (current[key] !== generated[key]) {
          if (current[key] === undefined) row.delete = 1;
          else row.pending = mask(current[key]);
        }
        return row;
      });
    }),
    route('PUT', `${BASE}/cloudinit`, (req) => {
      const guest = g(req);
      guest.cloudinit = cloudinitValues(guest);
      return null;
    }),
    route('GET', `${BASE}/cloudinit/dump`, (req) => dump(ctx, g(req), String(req.params.type))),
    route('POST', `${BASE}/agent/ping`, (req) => {
      agent(req);
      return { result: {} };
    }),
    route('GET', `${BASE}/agent/network-get-interfaces`, (req) => ({
      result: agentInterfaces(qemuNics(ctx, agent(req))),
    })),
    route('GET', `${BASE}/agent/get-host-name`, (req) => ({
      result: { 'host-name': String(agent(req).config.name ?? '') },
    })),
    route('POST', `${BASE}/agent/exec`, (req) => {
      const guest = agent(req);
      const command = Array.isArray(req.params.command)
        ? req.params.command.map(String)
        : String(req.params.command).split(' ');
      const input = req.params['input-data'];
      // With the node side on, the VM's files live on disk and run the node-shell interpreter.
      const onDisk = agentShellExec(ctx, guest, command, typeof input === 'string' ? input : undefined);
      if (onDisk) {
        const pid = guest.os.nextPid++;
        guest.os.execs[String(pid)] = onDisk;
        return { pid };
      }
      const pid = runCommand(guest.os, command, String(guest.config.name ?? ''));
      if (typeof input === 'string' && command[0] === 'cat' && command.length === 1) {
        guest.os.execs[String(pid)] = { exitcode: 0, out: input, err: '' };
      }
      return { pid };
    }),
    route('GET', `${BASE}/agent/exec-status`, (req) => {
      const guest = agent(req);
      const result = guest.os.execs[String(req.params.pid)];
      if (!result) throw new SimApiError(500, `Agent error: Invalid parameter 'pid'`);
      const out: Record<string, unknown> = { exited: 1, exitcode: result.exitcode };
      if (result.out) out['out-data'] = result.out;
      if (result.err) out['err-data'] = result.err;
      return out;
    }),
    route('POST', `${BASE}/agent/file-write`, (req) => {
      const guest = agent(req);
      const content = String(req.params.content ?? '');
      // encode=1 (default): PVE base64-encodes plain content for QGA; encode=0 means it already is.
      const text = req.params.encode === 0 ? Buffer.from(content, 'base64').toString('utf8') : content;
      const written = agentShellWrite(ctx, guest, String(req.params.file), text);
      if (written === 'missing-dir') {
        throw new SimApiError(
          500,
          `Agent error: Failed to open file '${String(req.params.file)}': No such file or directory`,
        );
      }
      if (written) return null;
      guest.os.files[String(req.params.file)] = { content: text };
      return null;
    }),
    route('GET', `${BASE}/agent/file-read`, (req) => {
      const guest = agent(req);
      const onDisk = agentShellRead(ctx, guest, String(req.params.file));
      const file =
        onDisk === undefined
          ? guest.os.files[String(req.params.file)]
          : onDisk === null
            ? undefined
            : { content: onDisk };
      if (!file)
        throw new SimApiError(
          500,
          `Agent error: Failed to open file '${String(req.params.file)}': No such file or directory`,
        );
      return { content: file.content, 'bytes-read': Buffer.byteLength(file.content) };
    }),
  ];
}
