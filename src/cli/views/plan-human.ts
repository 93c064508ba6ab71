/**
 * The plan for people, in the shape Terraform users read fluently: one block per change with
 * a symbol (`+` create, `~` update, `-/+` replace, `-` delete), attribute lines
 * `~ memory: 1024 → 2048`, markers `(forces replacement)` / `(requires restart)`, and the
 * summary line. Secrets print as `(sensitive)`. Pure: returns text, never writes.
 */
import type { AttributeChange, Plan, ResourceChange } from '../../engine/plan/types.ts';
import { planHasChanges, summarizePlan } from '../../engine/plan/types.ts';
import { colors, type Colors } from './color.ts';
import { formatValue } from './format-value.ts';

export interface HumanPlanOptions {
  color: boolean;
}

export function renderPlanHuman(plan: Plan, options: HumanPlanOptions): string {
  const c = colors(options.color);
  const out: string[] = [];
  const changes = plan.changes.filter((ch) => ch.action !== 'noop' && ch.action !== 'read');
  if (changes.length > 0) {
    out.push('Phoenix will perform the following actions:', '');
    for (const change of changes) out.push(...renderChange(change, c), '');
  }
  if (plan.unmanaged.length > 0) {
    out.push(c.dim('Not managed by Phoenix (left alone; adopt with `phoenix import`):'));
    for (const u of plan.unmanaged) out.push(c.dim(`  ${u.address}: ${u.summary}`));
    out.push('');
  }
  if (plan.errored && plan.applyable) {
    // Only unreachable nodes: what does not depend on them can still be applied.
    const s = summarizePlan(plan);
    out.push(
      c.red(c.bold('Planning incomplete.')) +
        ` Some resources could not be read (below); for the rest: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`,
    );
  } else if (plan.errored) {
    out.push(c.red(c.bold('Planning failed.')) + ' Apply is not possible until the errors below are fixed.');
  } else if (!planHasChanges(plan)) {
    out.push(c.green(c.bold('No changes.')) + ' Your infrastructure matches the configuration.');
  } else {
    const s = summarizePlan(plan);
    out.push(`${c.bold('Plan:')} ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`);
  }
  if (!plan.complete && !plan.errored && plan.options.targets.length > 0) {
    out.push(c.yellow(`Note: limited to --target ${plan.options.targets.join(', ')} and dependencies.`));
  }
  for (const d of plan.diagnostics) {
    const label = d.severity === 'error' ? c.red(c.bold('Error:')) : c.yellow(c.bold('Warning:'));
    out.push('', `${label} ${d.message}`);
    if (d.hint) out.push(`  ${c.dim('hint:')} ${d.hint}`);
  }
  return `${out.join('\n')}\n`;
}

const HEADLINES: Record<string, string> = {
  create: 'will be created',
  update: 'will be updated in place',
  'update-restart': 'will be updated in place (requires restart)',
  replace: 'must be replaced',
  delete: 'will be destroyed',
};

function symbolOf(action: ResourceChange['action'], c: Colors): string {
  if (action === 'create') return c.green('+');
  if (action === 'delete') return c.red('-');
  if (action === 'replace') return `${c.red('-')}/${c.green('+')}`;
  return c.yellow('~');
}

function renderChange(change: ResourceChange, c: Colors): string[] {
  const lines = [
    `  ${c.dim(`# ${change.address} ${HEADLINES[change.action] ?? change.action}`)}`,
    `  ${symbolOf(change.action, c)} ${c.bold(change.address)} ${c.dim(`(${change.kind})`)}`,
  ];
  if (change.action === 'create') {
    const sensitive = new Set(change.attributes.filter((a) => a.sensitive).map((a) => a.path));
    for (const [key, value] of entriesOf(change.after)) {
      lines.push(`      ${c.green('+')} ${key}: ${sensitive.has(key) ? '(sensitive)' : formatValue(value)}`);
    }
  } else if (change.action === 'delete') {
    for (const reason of change.reasons) lines.push(`      ${c.dim(`# ${reason}`)}`);
  } else {
    for (const attribute of change.attributes) lines.push(renderAttribute(attribute, c));
    if (change.attributes.length === 0)
      for (const reason of change.reasons) lines.push(`      ${c.dim(`# ${reason}`)}`);
  }
  return lines;
}

function renderAttribute(a: AttributeChange, c: Colors): string {
  const marks = [
    a.forcesReplacement ? c.red('(forces replacement)') : '',
    a.requiresRestart ? c.yellow('(requires restart)') : '',
  ].filter(Boolean);
  const tail = marks.length > 0 ? ` ${marks.join(' ')}` : '';
  const full = (v: unknown): string => formatValue(v, { full: true });
  if (a.sensitive) return `      ${c.yellow('~')} ${a.path}: (sensitive)${tail}`;
  if (Array.isArray(a.before) || Array.isArray(a.after)) return renderList(a, c, tail);
  if (a.before === undefined) return `      ${c.green('+')} ${a.path}: ${full(a.after)}${tail}`;
  if (a.after === undefined) return `      ${c.red('-')} ${a.path}: ${full(a.before)}${tail}`;
  return `      ${c.yellow('~')} ${a.path}: ${full(a.before)} → ${full(a.after)}${tail}`;
}

/**
 * A list (firewall rules, ACL entries ...) position by position, one item a line and in full:
 * an item that changed is shown as removed and added, an unchanged one bare for context.
 */
function renderList(a: AttributeChange, c: Colors, tail: string): string {
  const before = Array.isArray(a.before) ? (a.before as unknown[]) : [];
  const after = Array.isArray(a.after) ? (a.after as unknown[]) : [];
  const lines = [`      ${c.yellow('~')} ${a.path}:${tail}`];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const was = i < before.length ? formatValue(before[i], { full: true }) : undefined;
    const now = i < after.length ? formatValue(after[i], { full: true }) : undefined;
    if (was === now) {
      lines.push(`          [${i}] ${c.dim(now ?? '')}`);
      continue;
    }
    if (was !== undefined) lines.push(`        ${c.red('-')} [${i}] ${was}`);
    if (now !== undefined) lines.push(`        ${c.green('+')} [${i}] ${now}`);
  }
  return lines.join('\n');
}

function entriesOf(value: unknown): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
