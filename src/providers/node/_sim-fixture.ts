/**
 * Test-only: the node provider on the simulator's real SSH server. Starts the server with a
 * guest directory, connects a real `SshClient`, and offers a `GuestAgent` double that runs
 * agent commands through the same interpreter on the VM's file tree. `converge` drives a
 * handler the way the engine does (observe → diff → create/update) and returns the action.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshClient } from '../../clients/ssh/ssh-client.ts';
import { generateKeyPair } from '../../clients/ssh/_test-peers.ts';
import { NoopHook } from '../../engine/hook.ts';
import type { ApplyContext, DiffAction, Resource, ResourceHandler } from '../../engine/handler.ts';
import { simGuestExec } from '../../sim/ssh/guest-exec.ts';
import { startSimSshServer, type SimSshServer } from '../../sim/ssh/server.ts';
import type { GuestAgent } from './guest-agent.ts';
import { shellResolver, type ShellResolver } from './resolver.ts';

export interface SimFixture {
  server: SimSshServer;
  ssh: SshClient;
  shells: ShellResolver;
  agent: GuestAgent;
  running: Set<number>;
  /** Host directory of the simulated machines (`guests/<vmid>/root` is a guest's filesystem). */
  dataDir: string;
  close(): Promise<void>;
}

export async function startSimFixture(guests: Record<number, 'lxc' | 'qemu'>): Promise<SimFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'phoenix-node-'));
  const key = generateKeyPair();
  const running = new Set(Object.keys(guests).map(Number));
  const directory = {
    guestExists: (vmid: number) => guests[vmid] !== undefined,
    guestRunning: (vmid: number) => running.has(vmid),
    guestType: (vmid: number) => guests[vmid],
  };
  const server = await startSimSshServer({ dataDir, node: 'pve', authorizedKeys: [key.publicKey], guests: directory });
  const ssh = new SshClient({
    host: server.host,
    port: server.port,
    username: 'root',
    privateKey: key.privateKey,
    hostKey: { fingerprint: server.fingerprint },
  });
  const results = new Map<number, { code: number; stdout: string; stderr: string }>();
  let nextPid = 1;
  const vm = simGuestExec(dataDir, 'pve', directory);
  const agent: GuestAgent = {
    async exec(_node, vmid, argv) {
      if (!running.has(vmid)) throw new Error(`VM ${vmid} is not running`);
      const pid = nextPid++;
      results.set(pid, vm.exec(vmid, argv));
      return { pid };
    },
    async execStatus(_node, _vmid, pid) {
      const result = results.get(pid);
      if (!result) throw new Error(`no such pid ${pid}`);
      return { exited: true, exitcode: result.code, outData: result.stdout, errData: result.stderr };
    },
    async fileWrite(_node, vmid, path, content) {
      vm.writeFile(vmid, path, content);
    },
  };
  return {
    server,
    ssh,
    shells: shellResolver({ node: (name) => (name === 'pve' ? ssh : undefined), agent }),
    agent,
    running,
    dataDir,
    close: async () => {
      await ssh.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function applyContext(): ApplyContext {
  return { signal: new AbortController().signal, hook: new NoopHook(), journal: { note: () => undefined }, attempt: 1 };
}

/** One engine-like pass: observe, diff, and create/update when needed. Returns the planned action. */
export async function converge<D, O>(handler: ResourceHandler<D, O>, resource: Resource<D>): Promise<DiffAction> {
  const ctx = applyContext();
  const { observed } = await handler.observe({ ctx, resource });
  const diff = await handler.diff({ resource, observed });
  const change = {
    address: resource.address,
    kind: resource.kind,
    action: diff.action,
    before: observed,
    after: resource.desired,
    attributes: diff.changes,
    reasons: diff.reasons,
    dependsOn: [],
    observedDigest: '',
    desiredDigest: '',
  };
  if (diff.action === 'create') await handler.create({ ctx, resource, change });
  if (diff.action === 'update' || diff.action === 'replace') {
    await handler.update({ ctx, resource, observed: observed as O, change, restart: false });
  }
  return diff.action;
}

export function resource<D>(address: string, kind: string, desired: D): Resource<D> {
  return { address, kind, desired, dependsOn: [], node: 'pve' };
}
