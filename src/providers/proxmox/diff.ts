/**
 * Desired guest vs observed guest → the action and the attribute-level changes with reasons.
 * Pure: the observed side is what `observe.ts` read (one cluster read + one config read).
 */
import { readAttribute, vmBootDiskKey, type Attribute, type Effect } from './attributes.ts';
import { lxcAttributes } from './lxc-config.ts';
import { MANAGED_TAG, type FirewallRuleSpec, type FirewallSpec, type GuestSpec, type GuestType } from './spec.ts';
import { vmAttributes } from './vm-config.ts';

export interface ObservedFirewall {
  options: Record<string, unknown>;
  rules: Record<string, unknown>[];
}

/** One guest as read from PVE. `config` is the raw `GET .../config` answer. */
export interface ObservedGuest {
  vmid: number;
  type: GuestType;
  node: string;
  name?: string;
  status: string;
  template: boolean;
  tags: string[];
  managed: boolean;
  /** Tagged for another environment (its identity). */
  foreign?: string;
  /** Tagged by a version without environments: adopted, not deletable until re-tagged. */
  legacy?: boolean;
  lock?: string;
  config: Record<string, unknown>;
  firewall?: ObservedFirewall;
  snapshots?: string[];
}

export type GuestAction = 'noop' | 'create' | 'update' | 'update-restart' | 'replace';

export interface GuestChange {
  path: string;
  before: string | undefined;
  after: string | undefined;
  effect: Effect;
  sensitive?: boolean;
}

export interface GuestDiff {
  action: GuestAction;
  changes: GuestChange[];
  reasons: string[];
  /** Set when the guest runs on another node than declared (migration/HA): same guest. */
  movedFrom?: string;
}

/** The observed config as the attribute readers see it (VM boot disk aliased as `disk`). */
export function attributeView(type: GuestType, config: Record<string, unknown>): Record<string, unknown> {
  if (type !== 'vm') return config;
  const key = vmBootDiskKey(config);
  return key === undefined ? config : { ...config, disk: config[key] };
}

export function desiredAttributes(spec: GuestSpec): Attribute[] {
  return spec.type === 'lxc' ? lxcAttributes(spec) : vmAttributes(spec);
}

export function diffGuest(spec: GuestSpec, observed: ObservedGuest | undefined): GuestDiff {
  if (!observed) return { action: 'create', changes: [], reasons: ['not present in the cluster'] };
  const reasons: string[] = [];
  const changes: GuestChange[] = [];
  const diff: GuestDiff = { action: 'noop', changes, reasons };
  if (observed.node !== spec.node && spec.migrate) {
    changes.push({ path: 'node', before: observed.node, after: spec.node, effect: 'migrate' });
  } else if (observed.node !== spec.node) {
    diff.movedFrom = observed.node;
    reasons.push(
      `runs on node ${observed.node}, declared on ${spec.node} (moved: managed where it is, never replaced)`,
    );
  }
  if (observed.type !== spec.type) {
    reasons.push(`is a ${observed.type === 'vm' ? 'VM' : 'container'} in PVE but declared as ${spec.type}`);
    changes.push({ path: 'type', before: observed.type, after: spec.type, effect: 'replace' });
    return { ...diff, action: 'replace' };
  }
  if (observed.template && !spec.isTemplate) {
    changes.push({ path: 'template', before: '1', after: '0', effect: 'replace' });
    reasons.push('is a template in PVE; a template cannot be turned back into a guest');
  }
  const view = attributeView(spec.type, observed.config);
  for (const a of desiredAttributes(spec)) {
    const before = readAttribute(view, a.path);
    if (before === a.value) continue;
    changes.push(classify(a, before));
  }
  if (spec.isTemplate && !observed.template) {
    changes.push({ path: 'template', before: '0', after: '1', effect: 'convert' });
  }
  if (spec.firewall) changes.push(...diffFirewall(spec.firewall, observed.firewall));
  for (const snap of spec.snapshots) {
    if (observed.snapshots && !observed.snapshots.includes(snap.name)) {
      changes.push({ path: `snapshot.${snap.name}`, before: undefined, after: 'present', effect: 'in-place' });
    }
  }
  const wantRunning = spec.running && !spec.isTemplate;
  const isRunning = observed.status === 'running';
  if (!observed.template && wantRunning !== isRunning) {
    changes.push({
      path: 'status',
      before: isRunning ? 'running' : 'stopped',
      after: wantRunning ? 'running' : 'stopped',
      effect: 'power',
    });
  }
  if (changes.length === 0) return diff;
  diff.action = actionFor(spec, changes, isRunning && wantRunning);
  if (!observed.tags.includes(MANAGED_TAG)) reasons.push('adopting: the ownership tag is added');
  for (const c of changes) reasons.push(reasonFor(spec, c));
  return diff;
}

function classify(a: Attribute, before: string | undefined): GuestChange {
  const change: GuestChange = { path: a.path, before, after: a.value, effect: a.effect };
  if (a.sensitive) change.sensitive = true;
  // A mount point that does not exist yet is simply added; only moving an existing one needs a new guest.
  if (a.effect === 'replace' && before === undefined && /^mp\d+\./.test(a.path)) change.effect = 'restart';
  if (a.effect === 'resize' && before !== undefined && a.value !== undefined) {
    // Disks only grow (spec A.4/A.5 resize): a smaller declared size needs a new guest.
    if (sizeBytes(a.value) < sizeBytes(before)) change.effect = 'replace';
  }
  return change;
}

function sizeBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) return Number.NaN;
  const exp = ['', 'K', 'M', 'G', 'T'].indexOf(m[2] ?? '');
  return Number(m[1]) * 1024 ** exp;
}

function actionFor(spec: GuestSpec, changes: GuestChange[], staysRunning: boolean): GuestAction {
  if (changes.some((c) => c.effect === 'replace')) return 'replace';
  const restart = changes.some(
    (c) => c.effect === 'restart' || (c.effect === 'cloud-init' && spec.cloudInit?.policy !== 'ignore'),
  );
  return restart && staysRunning ? 'update-restart' : 'update';
}

function reasonFor(spec: GuestSpec, c: GuestChange): string {
  const what = `${c.path}: ${c.sensitive ? '(sensitive)' : show(c.before)} → ${c.sensitive ? '(sensitive)' : show(c.after)}`;
  switch (c.effect) {
    case 'migrate':
      return `${what} (rebalance: migrated ${spec.type === 'vm' ? 'online' : 'in restart mode'}, never replaced)`;
    case 'replace':
      return `${what} (forces replacement)`;
    case 'restart':
      return `${what} (takes effect after a restart)`;
    case 'cloud-init':
      return spec.cloudInit?.policy === 'ignore'
        ? `${what} (cloud-init: written now, a running guest is left alone until its next boot)`
        : `${what} (cloud-init: regenerated, running guest restarted)`;
    case 'resize':
      return `${what} (disk grown online)`;
    default:
      return what;
  }
}

function show(v: string | undefined): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

/** Canonical one-line form of a firewall rule, used to compare rule lists position by position. */
export function ruleKey(r: FirewallRuleSpec | Record<string, unknown>): string {
  const get = (k: string) => {
    const v = (r as Record<string, unknown>)[k];
    return v === undefined || v === null || v === '' ? '' : String(v);
  };
  const enable =
    get('enable') === '' ? '1' : get('enable') === 'true' ? '1' : get('enable') === 'false' ? '0' : get('enable');
  return [
    get('type'),
    get('action'),
    get('proto'),
    get('source'),
    get('dest'),
    get('sport'),
    get('dport'),
    enable,
    get('comment'),
  ].join('|');
}

export function diffFirewall(desired: FirewallSpec, observed: ObservedFirewall | undefined): GuestChange[] {
  const out: GuestChange[] = [];
  const opts = observed?.options ?? {};
  const want: Record<string, string | undefined> = {
    enable: desired.enabled ? '1' : '0',
    policy_in: desired.policyIn,
    policy_out: desired.policyOut,
  };
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue;
    const have = opts[k] === undefined ? (k === 'enable' ? '0' : undefined) : String(opts[k]);
    if (have !== v) out.push({ path: `firewall.${k}`, before: have, after: v, effect: 'firewall' });
  }
  const haveRules = [...(observed?.rules ?? [])].sort((a, b) => Number(a.pos ?? 0) - Number(b.pos ?? 0)).map(ruleKey);
  const wantRules = desired.rules.map(ruleKey);
  if (haveRules.join('\n') !== wantRules.join('\n')) {
    out.push({
      path: 'firewall.rules',
      before: haveRules.length === 0 ? undefined : `${haveRules.length} rule(s)`,
      after: `${wantRules.length} rule(s)`,
      effect: 'firewall',
    });
  }
  return out;
}
