/**
 * The same interpreter for the simulator's QEMU guest-agent routes: `agent/exec` and
 * `agent/file-write` of a VM can run here so VM files land in `<dataDir>/guests/<vmid>/root/`
 * like container files do, and the node provider's VM shell (stat, sha256sum, chmod, chown, mv)
 * works against the simulator. For the cluster model to wire in; nothing here talks HTTP.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteArgv } from '../../util/shell-quote.ts';
import { runCommandLine, type GuestDirectory, type ShellResult } from './interpreter.ts';
import { SimTree } from './sim-tree.ts';

export interface SimGuestExec {
  exec(vmid: number, argv: readonly string[], stdin?: string): ShellResult;
  writeFile(vmid: number, path: string, content: string): void;
  tree(vmid: number): SimTree;
}

export function simGuestExec(dataDir: string, node: string, guests: GuestDirectory): SimGuestExec {
  const trees = new Map<number, SimTree>();
  const tree = (vmid: number): SimTree => {
    let found = trees.get(vmid);
    if (!found) {
      found = new SimTree(join(dataDir, 'guests', String(vmid)));
      trees.set(vmid, found);
    }
    return found;
  };
  return {
    tree,
    exec: (vmid, argv, stdin) =>
      runCommandLine({ node, tree: tree(vmid), guests, guestTree: tree }, quoteArgv(argv), Buffer.from(stdin ?? '')),
    writeFile(vmid, path, content) {
      writeFileSync(tree(vmid).resolve(path), content);
    },
  };
}
