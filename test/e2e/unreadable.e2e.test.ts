/**
 * Issue 9: a config file or subdirectory the user cannot read is a located error naming the
 * path and the reason, never an internal error with a stack trace. Root reads everything, so
 * the CLI runs as `nobody` (setpriv) over a config owned by nobody with one path made mode 000.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliChild, stackFree, type ChildOptions } from './_cli-child.ts';

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
// Needs root (to switch user) and setpriv; under CI a missing piece fails instead of skipping.
const canRun = Boolean(setpriv) && isRoot;
const NOBODY = 65534;

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-eacces-'));
  chmodSync(dir, 0o755);
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function asNobody(): ChildOptions {
  return { asUser: { uid: NOBODY, gid: NOBODY, setpriv: setpriv as string }, timeoutMs: 25_000 };
}

/** Makes the copy nobody's, then takes every permission off `relative`. */
function lockOut(relative: string): void {
  const walk = (path: string): void => {
    chownSync(path, NOBODY, NOBODY);
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  chmodSync(join(dir, relative), 0o000);
}

describe.runIf(canRun || process.env['CI'] === 'true')('unreadable config paths (as nobody)', () => {
  it('has setpriv and root to run these checks', () => {
    expect(setpriv, 'setpriv (util-linux) is needed').toBeDefined();
    expect(isRoot, 'these checks switch to nobody and need root').toBe(true);
  });

  it('a subdirectory: validate names it and why, exit 1, no stack', async () => {
    lockOut('guests');
    const r = await runCliChild(['validate', dir], asNobody());
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/guests: .*cannot read folder \S+\/guests: permission denied \(EACCES\)/);
    expect(r.stderr).toMatch(/hint: .*readable/);
    expect(stackFree(r.stderr + r.stdout)).toBe(true);
  });

  it('a config file: validate and plan name it and why, exit 1, no stack', async () => {
    lockOut('edge.yaml');
    for (const argv of [
      ['validate', dir],
      ['plan', '-c', dir],
    ]) {
      const r = await runCliChild(argv, asNobody());
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/edge\.yaml: .*cannot read file \S+\/edge\.yaml: permission denied \(EACCES\)/);
      expect(stackFree(r.stderr + r.stdout)).toBe(true);
    }
  });

  it('a stack compose file: validate locates the reference and says why', async () => {
    lockOut('stacks/whoami/whoami.compose.yaml');
    const r = await runCliChild(['validate', dir], asNobody());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /whoami\.yaml:\d+:\d+: error: compose file stacks\/whoami\/whoami\.compose\.yaml cannot be read: permission denied \(EACCES\)/,
    );
    expect(stackFree(r.stderr + r.stdout)).toBe(true);
  });
});
