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
import { existsSync } from 'node:fs';
import {
  buildConfigGraph,
  digestOf,
  makePlan,
  type PlanResult,
  type ResourceChange,
  type UnmanagedEntry,
} from '../engine/index.ts';
import { CliError } from '../errors.ts';
import { IMPORT_EVENT, type Phoenix } from './create-phoenix.ts';
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

export interface DestroyOptions {
  /**
   * A target that is neither declared nor found any more is gone (the check after a destroy that
   * deleted it), not an unknown resource.
   */
  goneTargetsDone?: boolean;
}

export async function planDestroy(
  phoenix: Phoenix,
  targets: string[] = [],
  options: DestroyOptions = {},
): Promise<DestroyPlan> {
  // A target may also be a managed guest that left the config (found below, or refused as unknown).
  const typed = new Map(targets.map((t) => [resolveTarget(phoenix, t, { undeclaredGuests: true }), t]));
  const wanted = targets.length > 0 ? new Set(typed.keys()) : undefined;
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
    if (declared.has(address) || observed.observations.has(address) || options.goneTargetsDone) continue;
    throw new CliError(`unknown resource '${typed.get(address) ?? address}'`, {
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
  // Something without Phoenix's marker on an address the config declares (e.g. a vmid): adopted
  // with `phoenix import` but not tagged by an apply since, it is Phoenix's yet not deletable
  // (refused); anything else there is foreign (listed, left alone).
  const onDeclared = observed.plan.unmanaged.filter(
    (u) => declared.has(u.address) && (!wanted || wanted.has(u.address)),
  );
  const adopted = new Set(onDeclared.map((u) => u.address).filter((a) => imported(phoenix, a)));
  for (const u of onDeclared) if (adopted.has(u.address) && !notOwned.includes(u.address)) notOwned.push(u.address);
  const foreign = onDeclared
    .filter((u) => !adopted.has(u.address))
    .map((u) => ({ address: u.address, reason: `${u.summary}: not managed by Phoenix (foreign), left alone` }));
  const foreignAddresses = new Set(foreign.map((f) => f.address));
  // Only a failure to observe stops a destroy; the drift of the observed declared ones is moot.
  const diagnostics = observed.plan.diagnostics.filter((d) => d.severity === 'error' && d.code === 'E_OBSERVE');
  const errored = diagnostics.length > 0;
  const unmanaged: UnmanagedEntry[] = [
    ...observed.plan.unmanaged
      .filter((u) => foreignAddresses.has(u.address))
      .map((u) => ({ ...u, summary: `${u.summary} (foreign: on a declared id, not Phoenix's)` })),
    ...observed.plan.unmanaged.filter((u) => !foreignAddresses.has(u.address) && !notOwned.includes(u.address)),
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
    options: { prune: true, targets: [...typed.keys()], destroy: true },
  };
  return { planned: { ...observed, plan }, refused, notOwned, foreign, kept };
}

/** Did `phoenix import` adopt this address (recorded in the state file)? */
function imported(phoenix: Phoenix, address: string): boolean {
  if (!existsSync(phoenix.statePath)) return false;
  return phoenix
    .state()
    .events.list({ address, limit: 100 })
    .some((e) => e.type === IMPORT_EVENT);
}
