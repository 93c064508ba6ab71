/**
 * Where guests go in a Proxmox cluster, decided from the config alone (no I/O):
 *
 * - `placeGuests`: a guest with `node: auto` is placed once by `cluster.placement` (spread or
 *   pack by the declared cores/memory of nodes and guests, never two members of one
 *   anti-affinity group on one node). A decision recorded earlier (the state file) is kept as
 *   long as its node is declared, so adding a guest never moves the others; `--rebalance`
 *   passes no records and shows the moves.
 * - `cloneRoutes`: how a guest cloned from a source on another node is made. PVE clones to
 *   another node (`target`) only when every volume of the source is on shared storage (and a
 *   full clone's target storage is shared too); otherwise the clone is made from a copy of the
 *   template on the guest's node (declared in `templates[].copies`, or derived: the next free
 *   vmid after the template's).
 */
import type { Guest, PhoenixConfig, VmTemplate } from './schema.ts';

export interface PlacementDecision {
  node: string;
  /** declared: `node:` names it; recorded: placed by an earlier run; placed: decided now. */
  how: 'declared' | 'recorded' | 'placed';
}

export interface PlacementProblem {
  vmid: number;
  index: number;
  code: 'E_PLACEMENT';
  message: string;
  hint: string;
}

export interface PlacementResult {
  decisions: Map<number, PlacementDecision>;
  problems: PlacementProblem[];
}

export const AUTO_NODE = 'auto';

/** Members of each anti-affinity group, as vmids (names resolved; unknown refs skipped). */
function antiAffinityOf(config: PhoenixConfig): Map<number, string[]> {
  const byName = new Map(config.guests.map((g) => [g.name, g.id]));
  const groupsOf = new Map<number, string[]>();
  for (const group of config.cluster.placement.antiAffinity) {
    for (const ref of group.guests) {
      const vmid = typeof ref === 'number' ? ref : byName.get(ref);
      if (vmid === undefined) continue;
      groupsOf.set(vmid, [...(groupsOf.get(vmid) ?? []), group.name]);
    }
  }
  return groupsOf;
}

/**
 * `offline`: nodes the cluster reports down (createPhoenix asks only when a guest needs a new
 * node): a new guest is never placed there; guests already placed never move.
 */
export function placeGuests(
  config: PhoenixConfig,
  recorded: ReadonlyMap<number, string> = new Map(),
  offline: ReadonlySet<string> = new Set(),
): PlacementResult {
  const nodes = config.cluster.nodes;
  const declaredNodes = new Set(nodes.map((n) => n.name));
  const decisions = new Map<number, PlacementDecision>();
  const problems: PlacementProblem[] = [];
  const used = new Map(nodes.map((n) => [n.name, { cores: 0, memory: 0, groups: new Set<string>() }]));
  const groupsOf = antiAffinityOf(config);
  const account = (guest: Guest, node: string): void => {
    const u = used.get(node);
    if (!u) return;
    if (!guest.isTemplate) {
      u.cores += guest.cores;
      u.memory += guest.memory;
    }
    for (const group of groupsOf.get(guest.id) ?? []) u.groups.add(group);
  };
  const pending: { guest: Guest; index: number }[] = [];
  config.guests.forEach((guest, index) => {
    if (guest.node !== AUTO_NODE) {
      decisions.set(guest.id, { node: guest.node, how: 'declared' });
      account(guest, guest.node);
      return;
    }
    const before = recorded.get(guest.id);
    if (before !== undefined && declaredNodes.has(before)) {
      decisions.set(guest.id, { node: before, how: 'recorded' });
      account(guest, before);
      return;
    }
    pending.push({ guest, index });
  });
  const policy = config.cluster.placement.policy;
  for (const { guest, index } of pending) {
    if (nodes.length === 0) {
      problems.push({
        vmid: guest.id,
        index,
        code: 'E_PLACEMENT',
        message: `guest ${guest.id} has node: auto but cluster.nodes is empty`,
        hint: 'declare the nodes (with cores and memory) under cluster.nodes',
      });
      continue;
    }
    const online = nodes.filter((n) => !offline.has(n.name));
    if (online.length === 0) {
      problems.push({
        vmid: guest.id,
        index,
        code: 'E_PLACEMENT',
        message: `guest ${guest.id} cannot be placed: every node is offline (${nodes.map((n) => n.name).join(', ')})`,
        hint: 'bring a node back online, or name the node with `node:` to create the guest once it is back',
      });
      continue;
    }
    const groups = groupsOf.get(guest.id) ?? [];
    const free = online.filter((n) => !groups.some((g) => used.get(n.name)?.groups.has(g)));
    if (free.length === 0) {
      problems.push({
        vmid: guest.id,
        index,
        code: 'E_PLACEMENT',
        message: `guest ${guest.id} cannot be placed: every ${offline.size > 0 ? 'online ' : ''}node already holds a member of anti-affinity group ${groups.join(', ')}${offline.size > 0 ? ` (offline: ${[...offline].sort().join(', ')})` : ''}`,
        hint: 'add a node, or take a guest out of the anti-affinity group',
      });
      continue;
    }
    const load = (name: string): number => {
      const node = nodes.find((n) => n.name === name);
      const u = used.get(name) ?? { cores: 0, memory: 0 };
      // Declared capacity makes the figures comparable between unequal nodes; without it, absolute use.
      const mem = node?.memory ? (u.memory + guest.memory) / node.memory : u.memory + guest.memory;
      const cores = node?.cores ? (u.cores + guest.cores) / node.cores : u.cores + guest.cores;
      return mem * 1000 + cores;
    };
    const fits = free.filter((n) => {
      const u = used.get(n.name) ?? { cores: 0, memory: 0 };
      return (
        (n.memory === undefined || u.memory + guest.memory <= n.memory) &&
        (n.cores === undefined || u.cores + guest.cores <= n.cores)
      );
    });
    const candidates = fits.length > 0 ? fits : free;
    const ranked = [...candidates].sort((a, b) => {
      const d = load(a.name) - load(b.name);
      return (policy === 'pack' ? -d : d) || nodes.indexOf(a) - nodes.indexOf(b);
    });
    const chosen = ranked[0];
    if (!chosen) continue;
    decisions.set(guest.id, { node: chosen.name, how: 'placed' });
    account(guest, chosen.name);
  }
  return { decisions, problems };
}

/** Writes the decided nodes into the config (every later stage reads `guest.node`). */
export function applyPlacement(config: PhoenixConfig, result: PlacementResult): void {
  for (const guest of config.guests) {
    const decision = result.decisions.get(guest.id);
    if (decision && guest.node === AUTO_NODE) guest.node = decision.node;
  }
}

export type CloneRoute =
  | { kind: 'target'; guest: number; from: number; sourceNode: string; node: string; why: string }
  | {
      kind: 'copy';
      guest: number;
      from: number;
      template: string;
      sourceNode: string;
      node: string;
      copyVmid: number;
      derived: boolean;
      why: string;
    }
  | { kind: 'impossible'; guest: number; from: number; sourceNode: string; node: string; why: string };

function isShared(config: PhoenixConfig, storage: string | undefined): boolean {
  const s = config.storage.find((x) => x.id === storage);
  return s !== undefined && (s.shared || s.type === 'nfs');
}

/** The VM template (templates section) a guest is made from, by `template:` or `clone.from`. */
export function vmTemplateOf(config: PhoenixConfig, guest: Guest): VmTemplate | undefined {
  const ref = guest.clone?.from ?? guest.template;
  if (ref === undefined) return undefined;
  return config.templates.find((t): t is VmTemplate => t.kind === 'vm' && (t.vmid === ref || t.name === ref));
}

/**
 * The route of every guest whose clone source is on another node than the guest (nodes already
 * decided). Derived copy ids are the next vmids after the template's that nothing declares.
 */
export function cloneRoutes(config: PhoenixConfig): CloneRoute[] {
  const routes: CloneRoute[] = [];
  const taken = new Set<number>(config.guests.map((g) => g.id));
  for (const t of config.templates) {
    if (t.kind !== 'vm') continue;
    taken.add(t.vmid);
    for (const c of t.copies) taken.add(c.vmid);
  }
  const derivedCopies = new Map<string, number>();
  for (const guest of config.guests) {
    const template = vmTemplateOf(config, guest);
    const sourceGuest =
      template || !guest.clone
        ? undefined
        : config.guests.find((g) => g.id === guest.clone?.from || g.name === guest.clone?.from);
    const sourceNode = template?.node ?? sourceGuest?.node;
    const from = template?.vmid ?? sourceGuest?.id;
    if (sourceNode === undefined || from === undefined || sourceNode === guest.node) continue;
    const sourceStorages = template
      ? [template.storage]
      : [sourceGuest?.disk?.storage, ...(sourceGuest?.mounts ?? []).map((m) => m.storage)].filter(
          (s): s is string => s !== undefined,
        );
    const full = guest.clone?.full ?? true;
    const localSource = sourceStorages.find((s) => !isShared(config, s));
    const localTarget = full && guest.disk && !isShared(config, guest.disk.storage) ? guest.disk.storage : undefined;
    const base = { guest: guest.id, from, sourceNode, node: guest.node };
    if (!localSource && !localTarget) {
      routes.push({
        ...base,
        kind: 'target',
        why: `its source ${from} on ${sourceNode} is on shared storage (${sourceStorages.join(', ')}): PVE clones straight to ${guest.node}`,
      });
      continue;
    }
    const reason = localSource
      ? `storage "${localSource}" of source ${from} is not shared`
      : `the clone's disk storage "${localTarget}" is not shared`;
    if (!template) {
      routes.push({
        ...base,
        kind: 'impossible',
        why: `${reason}, so PVE cannot clone it from ${sourceNode} to ${guest.node}`,
      });
      continue;
    }
    const declared = template.copies.find((c) => c.node === guest.node);
    let copyVmid = declared?.vmid ?? derivedCopies.get(`${template.name}|${guest.node}`);
    if (copyVmid === undefined) {
      copyVmid = template.vmid + 1;
      while (taken.has(copyVmid)) copyVmid++;
      taken.add(copyVmid);
      derivedCopies.set(`${template.name}|${guest.node}`, copyVmid);
    }
    routes.push({
      ...base,
      kind: 'copy',
      template: template.name,
      copyVmid,
      derived: declared === undefined,
      why: `${reason}, so PVE cannot clone it to ${guest.node} (can't clone VM to node '${guest.node}' (VM uses local storage)): cloned from ${declared ? 'the declared' : 'a derived'} copy ${copyVmid} of template ${template.name} on ${guest.node}`,
    });
  }
  return routes;
}
