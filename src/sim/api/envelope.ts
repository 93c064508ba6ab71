/**
 * Some PVE answers carry top-level keys next to `data`: `total` (task log line count) and
 * `changes` (pending network diff), spec §1. A handler returns `withExtras(data, {...})`;
 * the HTTP layer puts `extras` beside `data` in the JSON envelope (`isEnvelope` detects it).
 */
import type { SimMethod, SimRequest, SimRoute } from '../contract.ts';

export interface SimEnvelope {
  readonly simEnvelope: true;
  data: unknown;
  extras: Record<string, unknown>;
}

export function withExtras(data: unknown, extras: Record<string, unknown>): SimEnvelope {
  return { simEnvelope: true, data, extras };
}

export function isEnvelope(value: unknown): value is SimEnvelope {
  return typeof value === 'object' && value !== null && (value as { simEnvelope?: unknown }).simEnvelope === true;
}

export function route(method: SimMethod, path: string, handler: (req: SimRequest) => unknown): SimRoute {
  return { method, route: path, handler };
}

/** Integer param (the HTTP layer already converted it); undefined when absent. */
export function intParam(params: Record<string, unknown>, key: string): number | undefined {
  const v = params[key];
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

export function strParam(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  return v === undefined || v === null ? undefined : String(v);
}
