/**
 * VMs are reached through the QEMU guest agent via the Proxmox API, not SSH (issue 5). This file
 * takes a narrow `GuestAgent` interface so the node provider does not depend on the Proxmox
 * client; the wiring code adapts the client (`/nodes/{node}/qemu/{vmid}/agent/...`) to it.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { ProviderError } from '../../errors.ts';
import { commandFailed, modeString } from '../../clients/ssh/ssh-client.ts';
import type { ExecResult, TargetShell } from './shell.ts';

export interface AgentExecStatus {
  exited: boolean;
  exitcode?: number;
  outData?: string;
  errData?: string;
}

/** The guest-agent calls Phoenix uses (PVE: agent/exec, agent/exec-status, agent/file-write, agent/file-read). */
export interface GuestAgent {
  exec(node: string, vmid: number, argv: readonly string[], input?: string): Promise<{ pid: number }>;
  execStatus(node: string, vmid: number, pid: number): Promise<AgentExecStatus>;
  fileWrite(node: string, vmid: number, path: string, content: string): Promise<void>;
  fileRead?(node: string, vmid: number, path: string): Promise<string>;
}

/** PVE's agent/file-write takes at most 60 KiB of content. */
export const AGENT_FILE_WRITE_MAX = 60 * 1024;

export interface VmShellOptions {
  /** Bound on how long a command may run (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
}

export function vmShell(node: string, vmid: number, agent: GuestAgent, options: VmShellOptions = {}): TargetShell {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  const where = `${node}/VM ${vmid}`;
  const exec = async (argv: readonly string[]): Promise<ExecResult> => {
    const { pid } = await agent.exec(node, vmid, argv);
    const deadline = Date.now() + timeoutMs;
    for (let poll = 0; Date.now() < deadline && poll < Math.ceil(timeoutMs / pollMs) + 1; poll += 1) {
      const status = await agent.execStatus(node, vmid, pid);
      if (status.exited) {
        return { code: status.exitcode ?? 0, stdout: status.outData ?? '', stderr: status.errData ?? '' };
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new ProviderError(`\`${argv.join(' ')}\` on ${where} did not finish within ${timeoutMs} ms`, {
      code: 'E_AGENT_TIMEOUT',
      hint: 'check that the command terminates and the guest agent is responsive',
    });
  };
  return {
    target: { kind: 'vm', node, vmid },
    exec,
    ...(agent.fileRead ? { readFile: (path: string) => agent.fileRead!(node, vmid, path) } : {}),
    async writeFile(path, content, writeOptions) {
      const text = typeof content === 'string' ? content : content.toString('utf8');
      if (Buffer.byteLength(text) > AGENT_FILE_WRITE_MAX) {
        throw new ProviderError(`file ${path} for ${where} is larger than the guest agent's 60 KiB write limit`, {
          code: 'E_AGENT_FILE_TOO_LARGE',
          hint: 'ship large files inside the VM image or through a stack instead',
        });
      }
      const temp = posix.join(
        posix.dirname(path),
        `.${posix.basename(path)}.phoenix-${randomBytes(6).toString('hex')}`,
      );
      await agent.fileWrite(node, vmid, temp, text);
      const steps: string[][] = [['chmod', modeString(writeOptions.mode ?? '0644'), temp]];
      if (writeOptions.owner !== undefined || writeOptions.group !== undefined) {
        steps.push([
          'chown',
          `${writeOptions.owner ?? ''}${writeOptions.group !== undefined ? `:${writeOptions.group}` : ''}`,
          temp,
        ]);
      }
      steps.push(['mv', '-f', temp, path]);
      for (const argv of steps) {
        const result = await exec(argv);
        if (result.code !== 0) {
          await exec(['rm', '-f', temp]).catch(() => undefined);
          throw commandFailed(where, argv, result);
        }
      }
    },
  };
}
