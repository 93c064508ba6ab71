/** Adapts the Proxmox client's QEMU agent calls (PVE's field names) to the node provider's `GuestAgent`. */
import type { QemuApi } from '../../clients/proxmox/api/qemu.ts';
import type { GuestAgent } from './guest-agent.ts';

export function guestAgentFromQemuApi(
  qemu: Pick<QemuApi, 'agentExec' | 'agentExecStatus' | 'agentFileWrite'> & Partial<Pick<QemuApi, 'agentFileRead'>>,
): GuestAgent {
  return {
    exec: (node, vmid, argv, input) => qemu.agentExec(node, vmid, argv, input),
    async execStatus(node, vmid, pid) {
      const status = await qemu.agentExecStatus(node, vmid, pid);
      return {
        exited: Boolean(status.exited),
        exitcode: status.exitcode,
        outData: status['out-data'],
        errData: status['err-data'],
      };
    },
    async fileWrite(node, vmid, path, content) {
      await qemu.agentFileWrite(node, vmid, path, content);
    },
    ...(qemu.agentFileRead
      ? {
          fileRead: async (node: string, vmid: number, path: string) =>
            (await qemu.agentFileRead!(node, vmid, path)).content,
        }
      : {}),
  };
}
