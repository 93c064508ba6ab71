/**
 * Helpers for the model's own tests (and the conformance suite before the HTTP layer lands):
 * a model with no faults, calls with a chosen caller, and waiting for a task's end.
 */
import { SimApiError, type SimCaller, type SimFaultOracle, type SimMethod } from '../contract.ts';
import { createSimModel, type SimModelHandle, type SimModelOptions } from './index.ts';
import type { TaskRecord } from './tasks.ts';

export const NO_FAULTS: SimFaultOracle = { taskFailure: () => undefined, lockTimeout: () => false };

export function testModel(overrides: Partial<SimModelOptions> = {}): SimModelHandle {
  return createSimModel({
    nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
    speed: 0,
    faults: NO_FAULTS,
    seed: 42,
    ...overrides,
  });
}

export async function callAs(
  model: SimModelHandle,
  caller: SimCaller,
  method: SimMethod,
  route: string,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  const r = model.routes().find((x) => x.method === method && x.route === route);
  if (!r) throw new Error(`no route ${method} ${route}`);
  return r.handler({ method, route, params, caller });
}

/** Runs a call that returns a UPID and waits for the task to finish. */
export async function runTask(
  model: SimModelHandle,
  method: SimMethod,
  route: string,
  params: Record<string, unknown>,
): Promise<TaskRecord> {
  const upid = await model.call(method, route, params);
  if (typeof upid !== 'string') throw new Error(`expected a UPID, got ${JSON.stringify(upid)}`);
  const task = await model.waitTask(upid);
  if (!task) throw new Error(`task ${upid} vanished`);
  return task;
}

/** The SimApiError a call throws (fails the test if it does not throw one). */
export async function apiError(promise: Promise<unknown> | (() => unknown)): Promise<SimApiError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof SimApiError) return error;
    throw error;
  }
  throw new Error('expected a SimApiError, but the call succeeded');
}

export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
