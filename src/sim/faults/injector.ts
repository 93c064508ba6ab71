/**
 * Decides, per request, which fault (if any) to inject, and answers the model's
 * `SimFaultOracle` questions (lock timeouts, failed tasks) for the request that started the
 * work (tracked with AsyncLocalStorage, so task timers inherit it). All randomness comes from
 * one seeded PRNG: the same seed and request sequence replays the same faults.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SimFaultOracle } from '../contract.ts';
import { globMatches, type FaultConfig, type FaultRule } from './config.ts';
import { createPrng, type Prng } from './prng.ts';

export interface RequestScope {
  method: string;
  path: string;
  route: string;
}

export type EdgeFault =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'drop'; latencyMs: number }
  | { kind: 'status'; status: 500 | 595 | 596 | 599; message: string; latencyMs: number };

const STATUS_TEXT = {
  595: 'Connection refused',
  596: 'Connection timed out',
  599: 'Too many redirections',
} as const;

export class FaultInjector implements SimFaultOracle {
  private config: FaultConfig = { rules: [] };
  private prng: Prng = createPrng(1);
  private readonly scope = new AsyncLocalStorage<RequestScope>();
  /** Count of injected faults by kind, for tests and the control endpoint. */
  readonly counts: Record<string, number> = {};

  constructor(config?: FaultConfig) {
    if (config) this.configure(config);
  }

  configure(config: FaultConfig): void {
    this.config = { seed: config.seed ?? 1, rules: config.rules };
    this.prng = createPrng(this.config.seed ?? 1);
    for (const key of Object.keys(this.counts)) delete this.counts[key];
  }

  current(): FaultConfig {
    return this.config;
  }

  /** Runs `fn` with `scope` as the request the oracle answers for. */
  run<T>(scope: RequestScope, fn: () => T): T {
    // AsyncLocalStorage slows every promise once used; without rules nobody asks for the scope.
    if (this.config.rules.length === 0) return fn();
    return this.scope.run(scope, fn);
  }

  private rulesFor(scope: RequestScope | undefined): FaultRule[] {
    return this.config.rules.filter((rule) => {
      if (!scope) return rule.route === undefined && (rule.method ?? '*') === '*';
      if (rule.method && rule.method !== '*' && rule.method !== scope.method) return false;
      return !rule.route || globMatches(rule.route, scope.path) || globMatches(rule.route, scope.route);
    });
  }

  private roll(rate: number | undefined, kind: string): boolean {
    if (!rate) return false;
    const hit = this.prng.next() < rate;
    if (hit) this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    return hit;
  }

  private latency(rules: FaultRule[]): number {
    let total = 0;
    for (const rule of rules) {
      const l = rule.latencyMs;
      if (l === undefined) continue;
      total += typeof l === 'number' ? l : l[0] + this.prng.next() * Math.max(0, l[1] - l[0]);
    }
    return Math.round(total);
  }

  /** The fault to apply at the HTTP edge for this request. */
  edgeFault(scope: RequestScope): EdgeFault {
    if (this.config.rules.length === 0) return { kind: 'none', latencyMs: 0 };
    const rules = this.rulesFor(scope);
    const latencyMs = this.latency(rules);
    for (const rule of rules) {
      if (this.roll(rule.drop, 'drop')) return { kind: 'drop', latencyMs };
      for (const status of [595, 596, 599] as const) {
        if (this.roll(rule[`status${status}`], String(status))) {
          return { kind: 'status', status, message: STATUS_TEXT[status], latencyMs };
        }
      }
      if (this.roll(rule.error500, '500')) {
        return { kind: 'status', status: 500, message: rule.message ?? 'injected fault: internal error', latencyMs };
      }
    }
    return { kind: 'none', latencyMs };
  }

  taskFailure(taskType: string, _node: string): string | undefined {
    for (const rule of this.rulesFor(this.scope.getStore())) {
      if (rule.taskType && rule.taskType !== taskType) continue;
      if (this.roll(rule.taskFailure, 'taskFailure')) return rule.message ?? `injected fault: ${taskType} failed`;
    }
    return undefined;
  }

  lockTimeout(_vmid: number): boolean {
    return this.rulesFor(this.scope.getStore()).some((rule) => this.roll(rule.lockTimeout, 'lockTimeout'));
  }
}
