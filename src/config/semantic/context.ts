/**
 * Shared helpers for semantic checks: located diagnostics and lookups of guests, templates,
 * storage, bridges and nodes by the names the config uses to refer to them.
 */
import type { Diagnostic, Severity } from '../../errors.ts';
import type { LoadedConfig } from '../index.ts';
import type { Bridge, Guest, PhoenixConfig, Storage, Template } from '../schema.ts';
import type { PathSegment } from '../source-map.ts';

export interface CheckContext {
  loaded: LoadedConfig;
  config: PhoenixConfig;
  out: Diagnostic[];
  report(path: readonly PathSegment[], code: string, message: string, hint: string, severity?: Severity): void;
  guestsById: Map<number, { guest: Guest; index: number }>;
  guestsByName: Map<string, { guest: Guest; index: number }>;
  templatesByName: Map<string, { template: Template; index: number }>;
  storageById: Map<string, Storage>;
  nodeNames: Set<string>;
}

export function createContext(loaded: LoadedConfig): CheckContext {
  const config = loaded.config;
  const out: Diagnostic[] = [];
  const guestsById = new Map<number, { guest: Guest; index: number }>();
  const guestsByName = new Map<string, { guest: Guest; index: number }>();
  config.guests.forEach((guest, index) => {
    if (!guestsById.has(guest.id)) guestsById.set(guest.id, { guest, index });
    if (!guestsByName.has(guest.name)) guestsByName.set(guest.name, { guest, index });
  });
  const templatesByName = new Map<string, { template: Template; index: number }>();
  config.templates.forEach((template, index) => {
    if (!templatesByName.has(template.name)) templatesByName.set(template.name, { template, index });
  });
  return {
    loaded,
    config,
    out,
    report(path, code, message, hint, severity = 'error') {
      out.push({ severity, code, message, hint, location: loaded.locate(path) });
    },
    guestsById,
    guestsByName,
    templatesByName,
    storageById: new Map(config.storage.map((s) => [s.id, s])),
    nodeNames: new Set(config.cluster.nodes.map((n) => n.name)),
  };
}

/** The guest a `GuestRef` (vmid or name) points at. */
export function findGuest(ctx: CheckContext, ref: number | string): { guest: Guest; index: number } | undefined {
  return typeof ref === 'number' ? ctx.guestsById.get(ref) : ctx.guestsByName.get(ref);
}

/** Bridges usable on `node`: those bound to it and those without a node (all nodes). */
export function bridgesOn(config: PhoenixConfig, node: string): Bridge[] {
  return config.network.bridges.filter((b) => b.node === undefined || b.node === node);
}

export function guestLabel(guest: Guest): string {
  return `${guest.id} (${guest.name})`;
}

/** "a", "b" or "c" for hints. */
export function listNames(names: Iterable<string | number>, max = 8): string {
  const all = [...names].map(String);
  if (all.length === 0) return '(none declared)';
  const shown = all.slice(0, max).join(', ');
  return all.length > max ? `${shown}, ...` : shown;
}

/** A storage id must exist, hold `content`, and be available on `node`. */
export function checkStorageRef(
  ctx: CheckContext,
  path: (string | number)[],
  id: string,
  content: string,
  node?: string,
): void {
  const storage = ctx.storageById.get(id);
  if (!storage) {
    ctx.report(
      path,
      'E_UNKNOWN_STORAGE',
      `storage "${id}" is not declared`,
      `declare it in the storage section or use one of: ${listNames(ctx.storageById.keys())}`,
    );
    return;
  }
  if (!(storage.content as string[]).includes(content)) {
    ctx.report(
      path,
      'E_STORAGE_CONTENT',
      `storage "${id}" does not hold ${content} (content: ${storage.content.join(', ')})`,
      `add ${content} to storage "${id}" content, or use another storage`,
    );
  }
  if (node && storage.nodes && !storage.nodes.includes(node)) {
    ctx.report(
      path,
      'E_STORAGE_NODE',
      `storage "${id}" is not available on node "${node}"`,
      `add ${node} to storage "${id}" nodes, or use another storage`,
    );
  }
}
