/**
 * Brings one existing guest to its declared state: re-reads it, diffs, and performs only the
 * operations the diff asks for (config write, disk grow, firewall, snapshots, template
 * conversion, power state). Used after create/clone, for updates, and to finish the work of an
 * interrupted apply — it is idempotent by construction because it starts from a fresh read.
 */
import { ProviderError } from '../../errors.ts';
import { vmBootDiskKey } from './attributes.ts';
import { diffFirewall, diffGuest, type GuestChange, type ObservedGuest } from './diff.ts';
import {
  ensureRunning,
  ensureStopped,
  guestApiOf,
  guestStatus,
  hasPendingChanges,
  restart,
  waitTask,
  waitUnlocked,
  type GuestRef,
  type OpsContext,
} from './guest-ops.ts';
import { lxcConfigParams } from './lxc-config.ts';
import { apiKind, CREATING_MARKER, readGuest } from './observe.ts';
import { formatPropertyString } from './property-string.ts';
import type { GuestSpec } from './spec.ts';
import { vmConfigParams } from './vm-config.ts';

const CONFIG_EFFECTS = new Set(['in-place', 'restart', 'cloud-init']);

/** `start: false` leaves a stopped guest stopped (a phased create: the engine starts it later). */
export async function convergeGuest(
  ctx: OpsContext,
  spec: GuestSpec,
  g: GuestRef,
  options: { start?: boolean } = {},
): Promise<ObservedGuest> {
  await waitUnlocked(ctx, g);
  const status = await guestStatus(ctx, g);
  if (!status)
    throw new ProviderError(`guest ${g.vmid} disappeared while being configured`, {
      code: 'E_PVE_GONE',
      resource: g.address,
    });
  const observed = await readGuest(ctx.client, { ...g, status: status.status }, spec);
  if (!observed)
    throw new ProviderError(`guest ${g.vmid} disappeared while being configured`, {
      code: 'E_PVE_GONE',
      resource: g.address,
    });
  const diff = diffGuest(spec, observed);
  const replace = diff.changes.filter((c) => c.effect === 'replace');
  if (replace.length > 0) {
    throw new ProviderError(`guest ${g.vmid} cannot be updated in place: ${replace.map((c) => c.path).join(', ')}`, {
      code: 'E_PVE_NEEDS_REPLACE',
      resource: g.address,
      hint: 'run `phoenix plan` again: the change needs a replacement',
    });
  }
  await writeConfig(ctx, spec, g, observed, diff.changes);
  await growDisks(ctx, g, observed, diff.changes);
  if (diff.changes.some((c) => c.effect === 'firewall') && spec.firewall) await applyFirewall(ctx, spec, g, observed);
  for (const c of diff.changes) {
    if (!c.path.startsWith('snapshot.')) continue;
    const name = c.path.slice('snapshot.'.length);
    const description = spec.snapshots.find((s) => s.name === name)?.description;
    await waitTask(
      ctx,
      g.node,
      await guestApiOf(ctx.client, g.type).snapshot(g.node, g.vmid, name, description),
      g.address,
    );
  }
  if (diff.changes.some((c) => c.effect === 'convert')) await convertToTemplate(ctx, g);
  const wantRunning = spec.running && !spec.isTemplate;
  const cloudInitRestart =
    spec.type === 'vm' && spec.cloudInit?.policy !== 'ignore' && diff.changes.some((c) => c.effect === 'cloud-init');
  if (!wantRunning) {
    if (!spec.isTemplate) await ensureStopped(ctx, g);
  } else if (diff.action === 'update-restart' && status.status === 'running') {
    if (cloudInitRestart) await ctx.client.qemu.regenerateCloudinit(g.node, g.vmid);
    // Restart only for what is really waiting: a write that put back the running value (an
    // out-of-band change that was only pending) leaves nothing pending, and the guest alone.
    if (cloudInitRestart || (await hasPendingChanges(ctx, g))) await restart(ctx, g, spec.restart);
    else await ctx.note?.({ restart: 'skipped: nothing pending after the config write' });
  } else if (options.start === false && status.status !== 'running') {
    return { ...observed, status: status.status };
  } else {
    await ensureRunning(ctx, g);
  }
  return { ...observed, status: wantRunning ? 'running' : 'stopped' };
}

function configKeysOf(changes: GuestChange[]): Set<string> {
  const keys = new Set<string>();
  for (const c of changes) if (CONFIG_EFFECTS.has(c.effect)) keys.add(c.path.split('.')[0] ?? c.path);
  return keys;
}

async function writeConfig(
  ctx: OpsContext,
  spec: GuestSpec,
  g: GuestRef,
  observed: ObservedGuest,
  changes: GuestChange[],
): Promise<void> {
  const keys = configKeysOf(changes);
  const markerLeft =
    typeof observed.config.description === 'string' && observed.config.description.startsWith(CREATING_MARKER);
  if (keys.size === 0 && !markerLeft) return;
  const all = spec.type === 'lxc' ? lxcConfigParams(spec, observed.config) : vmConfigParams(spec, observed.config);
  const params: Record<string, string | number> = {};
  for (const key of keys) {
    const value = all[key];
    if (value !== undefined) params[key] = value;
  }
  // New mount points are allocated with the `STORAGE:SIZE` syntax; existing ones are grown by resize.
  for (const m of spec.mounts) {
    const key = `mp${m.index}`;
    if (keys.has(key) && observed.config[key] === undefined) {
      params[key] = formatPropertyString(
        { volume: `${m.storage}:${m.sizeGiB}`, mp: m.path, backup: m.backup },
        'volume',
      );
    }
  }
  const remove: string[] = [];
  for (const c of changes) {
    const key = c.path.split('.')[0] ?? c.path;
    if (CONFIG_EFFECTS.has(c.effect) && c.after === undefined && !c.path.includes('.') && params[key] === undefined)
      remove.push(key);
  }
  if (markerLeft && spec.description === undefined) remove.push('description');
  if (remove.length > 0) params.delete = [...new Set(remove)].join(',');
  if (Object.keys(params).length === 0) return;
  if (spec.type === 'lxc') {
    await ctx.client.lxc.updateConfig(g.node, g.vmid, params);
  } else {
    await waitTask(ctx, g.node, await ctx.client.qemu.updateConfigAsync(g.node, g.vmid, params), g.address);
  }
}

async function growDisks(ctx: OpsContext, g: GuestRef, observed: ObservedGuest, changes: GuestChange[]): Promise<void> {
  for (const c of changes) {
    if (c.effect !== 'resize' || c.after === undefined || c.before === undefined) continue;
    const prefix = c.path.split('.')[0] ?? '';
    const disk = prefix === 'disk' ? vmBootDiskKey(observed.config) : prefix;
    if (!disk) continue;
    try {
      const upid = await guestApiOf(ctx.client, g.type).resize(g.node, g.vmid, disk, c.after);
      await waitTask(ctx, g.node, upid, g.address);
    } catch (error) {
      // A resumed apply may find the disk already grown; PVE says so instead of doing nothing.
      if (error instanceof Error && /already at specified size/.test(error.message)) continue;
      throw error;
    }
  }
}

async function applyFirewall(ctx: OpsContext, spec: GuestSpec, g: GuestRef, observed: ObservedGuest): Promise<void> {
  const fw = spec.firewall;
  if (!fw) return;
  const scope = { level: 'guest' as const, node: g.node, kind: apiKind(g.type), vmid: g.vmid };
  await ctx.client.firewall.setOptions(scope, {
    enable: fw.enabled ? 1 : 0,
    policy_in: fw.policyIn,
    policy_out: fw.policyOut,
  });
  if (!diffFirewall(fw, observed.firewall).some((c) => c.path === 'firewall.rules')) return;
  // Rules are positional: replace the whole list (delete from the bottom, then add in order).
  const existing = await ctx.client.firewall.rules(scope);
  for (const r of [...existing].sort((a, b) => b.pos - a.pos)) await ctx.client.firewall.deleteRule(scope, r.pos);
  // PVE inserts a new rule at the top: adding them last-to-first leaves them in declared order.
  for (const r of [...fw.rules].reverse()) {
    await ctx.client.firewall.createRule(scope, {
      type: r.type,
      action: r.action,
      proto: r.proto,
      dport: r.dport,
      sport: r.sport,
      source: r.source,
      dest: r.dest,
      comment: r.comment,
      enable: r.enable === false ? 0 : 1,
    });
  }
}

async function convertToTemplate(ctx: OpsContext, g: GuestRef): Promise<void> {
  await ensureStopped(ctx, g);
  const upid = await guestApiOf(ctx.client, g.type).template(g.node, g.vmid);
  await waitTask(ctx, g.node, upid, g.address);
  // LXC returns no UPID for the conversion worker (spec §4.4): wait until the flag shows.
  const deadline = Date.now() + ctx.taskTimeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const s = await guestStatus(ctx, g);
    if (s?.template && !s.lock) return;
    await ctx.sleep(200);
  }
}
