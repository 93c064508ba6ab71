/**
 * `node.file`: a file with content, mode and owner on a node or in a guest. Observation is the
 * content's SHA-256 plus mode/owner, so an out-of-band edit shows up as drift without the content
 * (which may be a secret) ever entering a plan.
 */
import { posix } from 'node:path';
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { describeTarget, observeFile, sha256Hex, type FileObservation, type TargetRef } from './shell.ts';
import type { ShellResolver } from './resolver.ts';
import { commandFailed, modeString } from '../../clients/ssh/ssh-client.ts';

export const FILE_KIND = 'node.file';

export interface ManagedFile {
  target: TargetRef;
  path: string;
  content: string;
  mode: string;
  owner: string;
  group: string;
  /** Content is secret: the plan shows neither content nor hash. */
  sensitive?: boolean;
}

/** What the handler observes: the file's state plus where it is (so a delete knows where to act). */
export interface ObservedFile extends FileObservation {
  target: TargetRef;
  path: string;
}

export function fileAttributeChanges(desired: ManagedFile, observed: FileObservation): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const sha = sha256Hex(desired.content);
  if (observed.sha256 !== sha) {
    changes.push(
      desired.sensitive
        ? { path: 'content', before: null, after: null, sensitive: true }
        : { path: 'content', before: `sha256:${observed.sha256}`, after: `sha256:${sha}` },
    );
  }
  if (observed.mode !== modeString(desired.mode))
    changes.push({ path: 'mode', before: observed.mode, after: modeString(desired.mode) });
  if (observed.owner !== desired.owner) changes.push({ path: 'owner', before: observed.owner, after: desired.owner });
  if (observed.group !== desired.group) changes.push({ path: 'group', before: observed.group, after: desired.group });
  return changes;
}

export function diffFile(desired: ManagedFile, observed: FileObservation | null): DiffResponse {
  const after = { path: desired.path, mode: modeString(desired.mode), owner: desired.owner, group: desired.group };
  if (observed === null) {
    return {
      action: 'create',
      changes: [],
      requiresReplace: [],
      requiresRestart: false,
      reasons: [`${desired.path} does not exist on ${describeTarget(desired.target)}`],
      after,
    };
  }
  const changes = fileAttributeChanges(desired, observed);
  const reasons = changes.map((c) =>
    c.path === 'content'
      ? `${desired.path} content differs from the declared content`
      : `${desired.path} ${c.path} changed`,
  );
  const before = { path: desired.path, mode: observed.mode, owner: observed.owner, group: observed.group };
  return {
    action: changes.length > 0 ? 'update' : 'noop',
    changes,
    requiresReplace: [],
    requiresRestart: false,
    reasons,
    before,
    after,
  };
}

export function fileHandler(shells: ShellResolver): ResourceHandler<ManagedFile, ObservedFile> {
  const write = async (desired: ManagedFile): Promise<{ observed: ObservedFile }> => {
    const shell = shells(desired.target);
    // A fresh guest has no /etc/traefik: the file's directory is created first (pct push does not).
    const mkdir = ['mkdir', '-p', posix.dirname(desired.path)];
    const made = await shell.exec(mkdir);
    if (made.code !== 0) throw commandFailed(describeTarget(shell.target), mkdir, made);
    await shell.writeFile(desired.path, desired.content, {
      mode: desired.mode,
      owner: desired.owner,
      group: desired.group,
    });
    return {
      observed: {
        target: desired.target,
        path: desired.path,
        sha256: sha256Hex(desired.content),
        mode: modeString(desired.mode),
        owner: desired.owner,
        group: desired.group,
      },
    };
  };
  return {
    kind: FILE_KIND,
    async observe({ resource }) {
      const { target, path } = resource.desired;
      const found = await observeFile(shells(target), path);
      return { observed: found && { target, path, ...found } };
    },
    diff: ({ resource, observed }) => diffFile(resource.desired, observed),
    create: ({ resource }) => write(resource.desired),
    update: ({ resource }) => write(resource.desired),
    async delete({ observed, address }) {
      if (!observed) return {};
      const result = await shells(observed.target).exec(['rm', '-f', observed.path]);
      if (result.code !== 0) throw commandFailed(address, ['rm', '-f', observed.path], result);
      return {};
    },
  };
}
