/**
 * References made by guests: node, template or clone source (and whether it may be cloned),
 * disk storage, bridges, mounts, dependencies. A reference that does not resolve is an error
 * whose hint lists what does exist.
 */
import { AUTO_NODE } from '../placement.ts';
import type { Guest } from '../schema.ts';
import { checkStorageRef, findGuest, guestLabel, listNames, type CheckContext } from './context.ts';
import { checkFirewall, checkInterfaces, checkMounts } from './guest-parts.ts';

export function checkGuestReferences(ctx: CheckContext): void {
  ctx.config.guests.forEach((guest, gi) => {
    checkNode(ctx, guest, gi);
    checkSource(ctx, guest, gi);
    checkStorage(ctx, guest, gi);
    checkInterfaces(ctx, guest, gi);
    checkMounts(ctx, guest, gi);
    checkFirewall(ctx, guest, gi);
    guest.dependsOn.forEach((ref, di) => {
      const target = findGuest(ctx, ref);
      if (!target) {
        ctx.report(
          ['guests', gi, 'dependsOn', di],
          'E_UNKNOWN_GUEST',
          `dependsOn: no guest ${JSON.stringify(ref)}`,
          `known guests: ${listNames(ctx.guestsByName.keys())}`,
        );
      } else if (target.guest === guest) {
        ctx.report(
          ['guests', gi, 'dependsOn', di],
          'E_DEPENDENCY_CYCLE',
          `guest ${guestLabel(guest)} depends on itself`,
          'remove this entry',
        );
      }
    });
  });
}

function checkNode(ctx: CheckContext, guest: Guest, gi: number): void {
  // Still `auto`: placement failed and said why (E_PLACEMENT).
  if (ctx.nodeNames.has(guest.node) || guest.node === AUTO_NODE) return;
  ctx.report(
    ['guests', gi, 'node'],
    'E_UNKNOWN_NODE',
    `node "${guest.node}" is not in cluster.nodes`,
    `declare it under cluster.nodes or use one of: ${listNames(ctx.nodeNames)}`,
  );
}

function checkSource(ctx: CheckContext, guest: Guest, gi: number): void {
  if (guest.template !== undefined && guest.clone) {
    ctx.report(
      ['guests', gi, 'clone'],
      'E_SOURCE',
      'set either template or clone, not both',
      'a guest is created from one template or cloned from one source',
    );
    return;
  }
  if (guest.template !== undefined) {
    const found = ctx.templatesByName.get(guest.template);
    if (!found) {
      ctx.report(
        ['guests', gi, 'template'],
        'E_UNKNOWN_TEMPLATE',
        `template "${guest.template}" is not declared`,
        `declare it in templates or use one of: ${listNames(ctx.templatesByName.keys())}`,
      );
    } else if (found.template.kind !== guest.type) {
      ctx.report(
        ['guests', gi, 'template'],
        'E_TEMPLATE_KIND',
        `template "${guest.template}" is a ${found.template.kind} template, but guest ${guest.id} is a ${guest.type}`,
        `use a template with kind: ${guest.type}`,
      );
    }
    return;
  }
  if (!guest.clone) {
    if (!guest.isTemplate || guest.type === 'lxc') {
      ctx.report(
        ['guests', gi],
        'E_SOURCE',
        `guest ${guestLabel(guest)} has neither template nor clone`,
        'add "template: <name from templates>" or "clone: { from: <vmid or name> }"',
      );
    }
    return;
  }
  checkCloneSource(ctx, guest, gi);
}

function checkCloneSource(ctx: CheckContext, guest: Guest, gi: number): void {
  const clone = guest.clone;
  if (!clone) return;
  const path = ['guests', gi, 'clone', 'from'];
  const template = ctx.config.templates.find(
    (t) => t.kind === 'vm' && (t.vmid === clone.from || t.name === clone.from),
  );
  if (template) {
    if (guest.type !== 'vm')
      ctx.report(
        path,
        'E_TEMPLATE_KIND',
        `clone source "${template.name}" is a VM template, but guest ${guest.id} is an LXC container`,
        'clone containers from a container template guest',
      );
    if (clone.snapshot)
      ctx.report(
        ['guests', gi, 'clone', 'snapshot'],
        'E_CLONE_SNAPSHOT',
        `template "${template.name}" has no snapshots`,
        'remove snapshot: templates are cloned from their base state',
      );
    return;
  }
  const source = findGuest(ctx, clone.from);
  if (!source) {
    const known = [...ctx.config.templates.flatMap((t) => (t.kind === 'vm' ? [t.vmid] : [])), ...ctx.guestsById.keys()];
    ctx.report(
      path,
      'E_UNKNOWN_CLONE_SOURCE',
      `clone source ${JSON.stringify(clone.from)} is neither a VM template nor a guest`,
      `use one of: ${listNames(known)}`,
    );
    return;
  }
  const from = source.guest;
  if (from === guest) {
    ctx.report(
      path,
      'E_CLONE_SELF',
      `guest ${guestLabel(guest)} cannot be cloned from itself`,
      'clone from a template',
    );
    return;
  }
  if (from.type !== guest.type) {
    ctx.report(
      path,
      'E_TEMPLATE_KIND',
      `clone source ${guestLabel(from)} is a ${from.type}, but guest ${guest.id} is a ${guest.type}`,
      'clone from a source of the same type',
    );
  }
  if (from.isTemplate) {
    if (clone.snapshot)
      ctx.report(
        ['guests', gi, 'clone', 'snapshot'],
        'E_CLONE_SNAPSHOT',
        `template ${guestLabel(from)} has no snapshots to clone from`,
        'remove snapshot',
      );
    return;
  }
  if (!clone.snapshot) {
    ctx.report(
      path,
      'E_CLONE_NOT_TEMPLATE',
      `clone source ${guestLabel(from)} is not a template and no snapshot is named`,
      `set isTemplate: true on ${from.name}, or clone from one of its snapshots with "snapshot: <name>"`,
    );
    return;
  }
  if (!from.snapshots.some((s) => s.name === clone.snapshot)) {
    ctx.report(
      ['guests', gi, 'clone', 'snapshot'],
      'E_CLONE_SNAPSHOT',
      `guest ${guestLabel(from)} has no snapshot "${clone.snapshot}"`,
      `declare it in ${from.name}.snapshots or use one of: ${listNames(from.snapshots.map((s) => s.name))}`,
    );
  }
  if (!clone.full) {
    ctx.report(
      ['guests', gi, 'clone', 'full'],
      'E_LINKED_CLONE',
      'a linked clone (full: false) needs a template as its source',
      'use full: true, or clone from a template',
    );
  }
}

function checkStorage(ctx: CheckContext, guest: Guest, gi: number): void {
  if (!guest.disk) {
    if (guest.type === 'lxc' && !guest.clone)
      ctx.report(
        ['guests', gi],
        'E_MISSING_FIELD',
        `LXC guest ${guestLabel(guest)} needs a disk (its root filesystem)`,
        'add "disk: { storage: <id>, size: <GiB> }" here or under defaults.lxc',
      );
    return;
  }
  checkStorageRef(
    ctx,
    ['guests', gi, 'disk', 'storage'],
    guest.disk.storage,
    guest.type === 'lxc' ? 'rootdir' : 'images',
    guest.node,
  );
}
