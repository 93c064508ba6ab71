/**
 * `phoenix destroy`: an engine plan with nothing desired over everything Phoenix owns, for every
 * provider in the registry — guests, host objects, DNS records, NFS exports, and whatever else a
 * provider adds. Deletes run dependents first (the executor reverses edges for deletes).
 * Protected resources are refused; objects Phoenix does not own — unmanaged ones, and foreign
 * ones sitting on a declared id — are listed and never touched; kinds a provider keeps by design
 * (storage definitions, packages) are listed with the reason. A guest Phoenix may manage but
 * that does not carry its marker yet (imported, not applied since) is refused too: Phoenix
 * deletes only what carries its marker.
 */
import {
  buildConfigGraph,
  digestOf,
  makePlan,
  type PlanResult,
  type ResourceChange,
  type UnmanagedEntry,
} from '../engine/index.ts';
import { CliError } from '../errors.ts';
import type { Phoenix } from './create-phoenix.ts';
import { resolveTarget } from './operations.ts';
import { providerOf } from './providers.ts';

export interface DestroyPlan {
  planned: PlanResult;
  /** Protected resources: never deleted. */
  refused: string[];
  /** Resources without Phoenix's ownership marker (e.g. imported, not applied yet): never deleted. */
  notOwned: string[];
  /** Declared addresses held by something Phoenix does not own (left alone). */
  foreign: { address: string; reason: string }[];
  /** Phoenix's resources of kinds destroy leaves in place, with the reason. */
  kept: { address: string; reason: string }[];
}

export async function planDestroy(phoenix: Phoenix, targets: string[] = []): Promise<DestroyPlan> {
  // A target may also be a managed guest that left the config (found below, or refused as unknown).
  const wanted =
    targets.length > 0 ? new Set(targets.map((t) => resolveTarget(phoenix, t, { undeclaredGuests: true }))) : undefined;
  // Nothing desired: each handler discovers what carries Phoenix's marker, by its own rules.
  // A handler that cannot discover (no observeAll: e.g. files on a node) is asked about the
  // declared resources of its kind instead, so what the config put there is found too.
  const undiscoverable = phoenix.resources.filter((r) => !phoenix.registry.get(r.kind)?.observeAll);
  const observed = await makePlan({
    resources: undiscoverable,
    registry: phoenix.registry,
    kinds: phoenix.registry.kinds(),
    prune: true,
    observeConcurrency: 16,
  });
  const declared = new Map(phoenix.resources.map((r) => [r.address, r]));
  for (const address of wanted ?? []) {
    if (declared.has(address) || observed.observations.has(address)) continue;
    throw new CliError(`unknown resource '${address}'`, {
      code: 'E_UNKNOWN_TARGET',
      hint: `${address} is neither declared nor something Phoenix manages; use a guest id, a guest name or an address`,
    });
  }
  const { graph } = buildConfigGraph({ resources: phoenix.resources });
  const refused: string[] = [];
  const notOwned: string[] = [];
  const kept: DestroyPlan['kept'] = [];
  const deletes: ResourceChange[] = [];
  for (const found of observed.observations.values()) {
    if (wanted && !wanted.has(found.address)) continue;
    const keep = providerOf(phoenix.providers, found.kind)?.keptOnDestroy?.[found.kind];
    if (keep) {
      kept.push({ address: found.address, reason: keep });
      continue;
    }
    if (found.owned === false) {
      notOwned.push(found.address);
      continue;
    }
    const resource = declared.get(found.address);
    if (resource?.protected || found.protected) {
      refused.push(found.address);
      continue;
    }
    deletes.push({
      address: found.address,
      kind: found.kind,
      action: 'delete',
      before: found.observed,
      after: null,
      attributes: [],
      reasons: ['phoenix destroy'],
      // What it depends on (the executor deletes dependents first): the config graph's edges
      // for declared resources, what the system says for the others.
      dependsOn: (graph.has(found.address) ? graph.dependenciesOf(found.address) : (found.dependsOn ?? [])).filter(
        (d) => observed.observations.has(d),
      ),
      observedDigest: digestOf({ node: found.node, observed: found.observed }),
      desiredDigest: '',
    });
  }
  // Something Phoenix does not own on an address the config declares (e.g. a vmid): foreign.
  const foreign = observed.plan.unmanaged
    .filter((u) => declared.has(u.address) && (!wanted || wanted.has(u.address)))
    .map((u) => ({ address: u.address, reason: `${u.summary}: not managed by Phoenix (foreign), left alone` }));
  const foreignAddresses = new Set(foreign.map((f) => f.address));
  // Only a failure to observe stops a destroy; the drift of the observed declared ones is moot.
  const diagnostics = observed.plan.diagnostics.filter((d) => d.severity === 'error' && d.code === 'E_OBSERVE');
  const errored = diagnostics.length > 0;
  const unmanaged: UnmanagedEntry[] = [
    ...observed.plan.unmanaged
      .filter((u) => foreignAddresses.has(u.address))
      .map((u) => ({ ...u, summary: `${u.summary} (foreign: on a declared id, not Phoenix's)` })),
    ...observed.plan.unmanaged.filter((u) => !foreignAddresses.has(u.address)),
  ];
  const plan = {
    ...observed.plan,
    changes: deletes.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true })),
    drift: [],
    unmanaged,
    diagnostics,
    errored,
    applyable: !errored,
    complete: !errored && targets.length === 0,
    options: { prune: true, targets },
  };
  return { planned: { ...observed, plan }, refused, notOwned, foreign, kept };
}
