/**
 * Adapts the cluster model's guest map (`SimContext.guests`) to the SSH server's `GuestDirectory`,
 * seen from one node: like real `pct`, a guest that lives on another node does not exist here.
 * Structural input, so the SSH side does not depend on the model's internals.
 */
import type { GuestDirectory } from './interpreter.ts';

export interface ModelGuestView {
  type: 'qemu' | 'lxc';
  node: string;
  status: string;
}

export function guestDirectoryFor(node: string, guests: ReadonlyMap<number, ModelGuestView>): GuestDirectory {
  const here = (vmid: number): ModelGuestView | undefined => {
    const guest = guests.get(vmid);
    return guest && guest.node === node ? guest : undefined;
  };
  return {
    guestExists: (vmid) => here(vmid) !== undefined,
    guestRunning: (vmid) => here(vmid)?.status === 'running',
    guestType: (vmid) => here(vmid)?.type,
  };
}
