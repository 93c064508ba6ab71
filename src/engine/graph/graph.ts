/**
 * A small directed acyclic graph of resource addresses. An edge `a → b` means "a depends on
 * b": b is applied (created/updated) before a. Deletes reverse this (see transform-destroy-edge).
 * Pure data structure: no I/O, no knowledge of handlers.
 */

export class DependencyGraph {
  private readonly deps = new Map<string, Set<string>>();
  private readonly rdeps = new Map<string, Set<string>>();

  get size(): number {
    return this.deps.size;
  }

  nodes(): string[] {
    return [...this.deps.keys()];
  }

  has(address: string): boolean {
    return this.deps.has(address);
  }

  add(address: string): void {
    if (this.deps.has(address)) return;
    this.deps.set(address, new Set());
    this.rdeps.set(address, new Set());
  }

  remove(address: string): void {
    for (const dep of this.deps.get(address) ?? []) this.rdeps.get(dep)?.delete(address);
    for (const dependent of this.rdeps.get(address) ?? []) this.deps.get(dependent)?.delete(address);
    this.deps.delete(address);
    this.rdeps.delete(address);
  }

  /** `from` depends on `to`. Both nodes must exist. */
  addEdge(from: string, to: string): void {
    const out = this.deps.get(from);
    const back = this.rdeps.get(to);
    if (!out || !back) throw new Error(`edge ${from} -> ${to}: unknown node`);
    out.add(to);
    back.add(from);
  }

  removeEdge(from: string, to: string): void {
    this.deps.get(from)?.delete(to);
    this.rdeps.get(to)?.delete(from);
  }

  /** What `address` depends on (direct). */
  dependenciesOf(address: string): string[] {
    return [...(this.deps.get(address) ?? [])];
  }

  /** What depends on `address` (direct). */
  dependentsOf(address: string): string[] {
    return [...(this.rdeps.get(address) ?? [])];
  }

  edges(): [from: string, to: string][] {
    const out: [string, string][] = [];
    for (const [from, tos] of this.deps) for (const to of tos) out.push([from, to]);
    return out;
  }

  clone(): DependencyGraph {
    const copy = new DependencyGraph();
    for (const node of this.deps.keys()) copy.add(node);
    for (const [from, to] of this.edges()) copy.addEdge(from, to);
    return copy;
  }

  /** Every node `address` depends on, directly or not. */
  ancestors(address: string): Set<string> {
    const seen = new Set<string>();
    const stack = [address];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      for (const dep of this.deps.get(current) ?? []) {
        if (!seen.has(dep)) {
          seen.add(dep);
          stack.push(dep);
        }
      }
    }
    return seen;
  }

  /**
   * Dependencies first; ties broken by address so the order is deterministic.
   * Throws `CycleError` when the graph has a cycle.
   */
  topologicalOrder(): string[] {
    const remaining = new Map<string, number>();
    for (const [node, deps] of this.deps) remaining.set(node, deps.size);
    const ready = [...remaining].filter(([, n]) => n === 0).map(([node]) => node);
    ready.sort();
    const order: string[] = [];
    while (ready.length > 0) {
      const node = ready.shift() as string;
      order.push(node);
      const unlocked: string[] = [];
      for (const dependent of this.rdeps.get(node) ?? []) {
        const left = (remaining.get(dependent) ?? 0) - 1;
        remaining.set(dependent, left);
        if (left === 0) unlocked.push(dependent);
      }
      if (unlocked.length > 0) {
        ready.push(...unlocked);
        ready.sort();
      }
    }
    if (order.length !== this.deps.size) {
      throw new CycleError(this.findCycle() ?? []);
    }
    return order;
  }

  /** One cycle as a list of addresses (first repeated at the end), or undefined. */
  findCycle(): string[] | undefined {
    const state = new Map<string, 'active' | 'done'>();
    const path: string[] = [];
    const visit = (node: string): string[] | undefined => {
      state.set(node, 'active');
      path.push(node);
      for (const dep of [...(this.deps.get(node) ?? [])].sort()) {
        const s = state.get(dep);
        if (s === 'active') return [...path.slice(path.indexOf(dep)), dep];
        if (s === undefined) {
          const found = visit(dep);
          if (found) return found;
        }
      }
      path.pop();
      state.set(node, 'done');
      return undefined;
    };
    for (const node of [...this.deps.keys()].sort()) {
      if (state.has(node)) continue;
      const found = visit(node);
      if (found) return found;
    }
    return undefined;
  }
}

/** The dependencies form a cycle; `cycle` lists it, first node repeated at the end. */
export class CycleError extends Error {
  readonly cycle: string[];

  constructor(cycle: string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}`);
    this.name = 'CycleError';
    this.cycle = cycle;
  }
}
