/**
 * `phoenix start|stop|restart <id>`: power operations through the engine — a plan of power
 * steps walked by the executor under the environment's lease, with a journal, in DAG order and
 * in parallel where independent. Start brings up what the resource depends on first (and waits
 * for it to be healthy); stop takes down what depends on it first (reverse dependency order), so
 * a service is never left running without what it needs. Any kind whose handler has `power`
 * takes part.
 */
import {
  buildConfigGraph,
  digestOf,
  makePlan,
  PLAN_FORMAT_VERSION,
  planDigest,
  type AnyResourceHandler,
  type ExecuteResult,
  type HandlerRegistry,
  type Plan,
  type ResourceChange,
} from '../engine/index.ts';
import type { Hook } from '../engine/hook.ts';
import type { Phoenix } from './create-phoenix.ts';
import { applyPlan, resolveTarget, type ApplyLease } from './operations.ts';

export type PowerAction = 'start' | 'stop' | 'restart';

export interface PowerStep {
  address: string;
  action: 'start' | 'stop';
}

/** The ordered steps for a power action on the given resources (pure; exported for tests). */
export function powerSteps(
  phoenix: Pick<Phoenix, 'resources' | 'registry'>,
  addresses: string[],
  action: PowerAction,
): PowerStep[] {
  const { graph } = buildConfigGraph({ resources: phoenix.resources });
  const order = graph.topologicalOrder();
  const powerable = new Set(
    phoenix.resources
      .filter((r) => {
        const handler = phoenix.registry.get(r.kind);
        return handler?.power !== undefined && (handler.powerable?.(r) ?? true);
      })
      .map((r) => r.address),
  );
  const closure = (start: string[], next: (a: string) => string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const a = stack.pop() as string;
      if (seen.has(a)) continue;
      seen.add(a);
      stack.push(...next(a));
    }
    return seen;
  };
  const up = closure(addresses, (a) => graph.dependenciesOf(a));
  const down = closure(addresses, (a) => graph.dependentsOf(a));
  const starts = order
    .filter((a) => up.has(a) && powerable.has(a))
    .map((address) => ({ address, action: 'start' as const }));
  const stops = [...order]
    .reverse()
    .filter((a) => down.has(a) && powerable.has(a))
    .map((address) => ({ address, action: 'stop' as const }));
  if (action === 'start') return starts;
  if (action === 'stop') return stops;
  // Restart: stop the resource and its dependents, then start them again in dependency order.
  const restartStarts = order
    .filter((a) => down.has(a) && powerable.has(a))
    .map((address) => ({ address, action: 'start' as const }));
  return [...stops, ...restartStarts];
}

/** The handlers of a power phase: `update` runs the handler's `power`; health gates only a start. */
function powerRegistry(
  base: HandlerRegistry,
  action: 'start' | 'stop',
  write: (line: string) => void,
  label: (a: string) => string,
): HandlerRegistry {
  return {
    get(kind) {
      const h = base.get(kind);
      if (!h?.power) return undefined;
      const power = h.power.bind(h);
      const handler: AnyResourceHandler = {
        kind,
        observe: (req) => h.observe(req),
        diff: (req) => h.diff(req),
        create: () => Promise.reject(new Error('a power step never creates')),
        delete: () => Promise.reject(new Error('a power step never deletes')),
        async update(req) {
          write(`${label(req.resource.address)}: ${action === 'start' ? 'starting' : 'stopping'}\n`);
          await power({ ctx: req.ctx, resource: req.resource, action, observed: req.observed });
          return {};
        },
        ...(action === 'start' && h.health ? { health: (req) => h.health!(req) } : {}),
      };
      return handler;
    },
  };
}

export interface PowerOptions {
  hook?: Hook;
  signal?: AbortSignal;
  /** The lease the caller took (a restart's stop and start phases then run under one lease). */
  lease?: ApplyLease;
}

export async function powerResources(
  phoenix: Phoenix,
  ids: string[],
  action: PowerAction,
  write: (line: string) => void,
  options: PowerOptions = {},
): Promise<ExecuteResult[]> {
  const addresses = ids.map((id) => resolveTarget(phoenix, id));
  const steps = powerSteps(phoenix, addresses, action);
  const involved = [...new Set(steps.map((s) => s.address))];
  if (involved.length === 0) return [];
  // One observation of what is involved (and what it depends on), like a targeted plan.
  const observed = await makePlan({
    resources: phoenix.resources,
    registry: phoenix.registry,
    targets: involved,
    hook: options.hook,
    signal: options.signal,
  });
  const { graph } = buildConfigGraph({ resources: phoenix.resources });
  const names = new Map(phoenix.resources.map((r) => [r.address, r]));
  const label = (a: string): string => {
    const d = (names.get(a)?.desired ?? {}) as { name?: unknown };
    return typeof d.name === 'string' ? `${a} (${d.name})` : a;
  };
  const results: ExecuteResult[] = [];
  const phases: ('start' | 'stop')[] = action === 'restart' ? ['stop', 'start'] : [action];
  for (const phase of phases) {
    const phaseSteps = steps.filter((s) => s.action === phase);
    const inPhase = new Set<string>();
    const changes: ResourceChange[] = [];
    for (const step of phaseSteps) {
      const found = observed.observations.get(step.address);
      if (!found) {
        write(`${step.address}: does not exist (run phoenix apply first), skipped\n`);
        continue;
      }
      inPhase.add(step.address);
      changes.push({
        address: step.address,
        kind: found.kind,
        action: 'update',
        before: null,
        after: { power: phase },
        attributes: [{ path: 'power', before: null, after: phase === 'start' ? 'running' : 'stopped' }],
        reasons: [`phoenix ${action}`],
        dependsOn: [],
        observedDigest: digestOf({ node: found.node, observed: found.observed }),
        desiredDigest: digestOf({ power: phase }),
      });
    }
    // Start: after what it depends on. Stop: after what depends on it.
    for (const c of changes) {
      const next = phase === 'start' ? graph.dependenciesOf(c.address) : graph.dependentsOf(c.address);
      c.dependsOn = next.filter((a) => inPhase.has(a)).sort();
    }
    if (changes.length === 0) continue;
    const plan: Plan = {
      formatVersion: PLAN_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      changes,
      drift: [],
      unmanaged: [],
      diagnostics: [],
      complete: false,
      applyable: true,
      errored: false,
      observedDigest: planDigest(changes),
      options: { prune: false, targets: addresses },
    };
    const result = await applyPlan(
      { ...phoenix, registry: { ...phoenix.registry, ...powerRegistry(phoenix.registry, phase, write, label) } },
      { plan, resources: observed.resources, observations: observed.observations },
      // A power plan changes no declared attribute: the post-apply plan has nothing to verify.
      { hook: options.hook, signal: options.signal, verify: false, ...(options.lease ? { lease: options.lease } : {}) },
    );
    results.push(result);
    if (!result.succeeded) break;
  }
  return results;
}
