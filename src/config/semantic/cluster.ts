/**
 * Multi-node checks: how each guest cloned across nodes will be made (a clone straight to the
 * target node, or a clone of a per-node template copy — said before anything is created, at the
 * guest's `node`), anti-affinity members and HA groups that must exist, template copies on
 * declared nodes with free ids.
 */
import { cloneRoutes, type CloneRoute } from '../placement.ts';
import { findGuest, listNames, type CheckContext } from './context.ts';

export function checkCluster(ctx: CheckContext): void {
  const { config } = ctx;
  const indexOf = new Map(config.guests.map((g, i) => [g.id, i]));
  // One finding per source, node and route (a hundred clones of one template say it once).
  const grouped = new Map<string, CloneRoute[]>();
  for (const route of cloneRoutes(config)) {
    const key = `${route.kind}|${route.from}|${route.node}`;
    grouped.set(key, [...(grouped.get(key) ?? []), route]);
  }
  for (const routes of grouped.values()) {
    const route = routes[0];
    const gi = route ? indexOf.get(route.guest) : undefined;
    if (!route || gi === undefined) continue;
    const path = ['guests', gi, 'node'];
    const ids = routes.map((r) => r.guest);
    const who =
      ids.length === 1
        ? `guest ${route.guest}`
        : `guests ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
    if (route.kind === 'impossible') {
      ctx.report(
        path,
        'E_CROSS_NODE_CLONE',
        `${who} on ${route.node} cannot be cloned from ${route.from} on ${route.sourceNode}: ${route.why}`,
        'put the guest on the source node, move the source to shared storage, or clone from a template of the templates section (Phoenix then makes a per-node copy)',
      );
    } else if (route.kind === 'target') {
      ctx.report(
        path,
        'W_CLONE_TARGET',
        `${who} ${ids.length === 1 ? 'is' : 'are'} cloned from ${route.from} on ${route.sourceNode} straight to ${route.node}: ${route.why}`,
        'nothing to do: this says how the clone will be made',
        'warning',
      );
    } else {
      ctx.report(
        path,
        'W_CLONE_COPY',
        `${who} on ${route.node} will be cloned from template copy ${route.copyVmid} on ${route.node}, not from ${route.from} on ${route.sourceNode}: ${route.why}`,
        route.derived
          ? `to choose the copy's id, add copies: [{ node: ${route.node}, vmid: <id> }] to template ${route.template}`
          : 'nothing to do: the copy is declared in the template',
        'warning',
      );
    }
  }
  const vmids = new Set<number>([...config.guests.map((g) => g.id)]);
  config.templates.forEach((t, ti) => {
    if (t.kind !== 'vm') return;
    vmids.add(t.vmid);
    t.copies.forEach((c, ci) => {
      if (!ctx.nodeNames.has(c.node))
        ctx.report(
          ['templates', ti, 'copies', ci, 'node'],
          'E_UNKNOWN_NODE',
          `node "${c.node}" is not in cluster.nodes`,
          `use one of: ${listNames(ctx.nodeNames)}`,
        );
      if (c.node === t.node)
        ctx.report(
          ['templates', ti, 'copies', ci, 'node'],
          'E_TEMPLATE_COPY',
          `template ${t.name} already lives on ${c.node}: a copy there is the template itself`,
          'remove this copy',
        );
      if (vmids.has(c.vmid))
        ctx.report(
          ['templates', ti, 'copies', ci, 'vmid'],
          'E_DUPLICATE_ID',
          `vmid ${c.vmid} of the copy of template ${t.name} on ${c.node} is already used`,
          'give the copy a vmid no guest or template uses',
        );
      vmids.add(c.vmid);
    });
  });
  config.cluster.placement.antiAffinity.forEach((group, ai) =>
    group.guests.forEach((ref, ri) => {
      if (!findGuest(ctx, ref))
        ctx.report(
          ['cluster', 'placement', 'antiAffinity', ai, 'guests', ri],
          'E_UNKNOWN_GUEST',
          `anti-affinity group ${group.name}: no guest ${JSON.stringify(ref)}`,
          `known guests: ${listNames(ctx.guestsByName.keys())}`,
        );
    }),
  );
  const groups = new Set(config.host.ha.groups.map((g) => g.name));
  config.host.ha.groups.forEach((group, hi) =>
    group.nodes.forEach((n, ni) => {
      const name = typeof n === 'string' ? n : n.node;
      if (!ctx.nodeNames.has(name))
        ctx.report(
          ['host', 'ha', 'groups', hi, 'nodes', ni],
          'E_UNKNOWN_NODE',
          `HA group ${group.name}: node "${name}" is not in cluster.nodes`,
          `use one of: ${listNames(ctx.nodeNames)}`,
        );
    }),
  );
  config.guests.forEach((guest, gi) => {
    const local = [guest.disk?.storage, ...guest.mounts.map((m) => m.storage)].find((id) => {
      const s = id === undefined ? undefined : ctx.storageById.get(id);
      return s !== undefined && !s.shared && s.type !== 'nfs';
    });
    if (guest.ha && guest.ha.state === 'started' && local !== undefined)
      ctx.report(
        ['guests', gi, 'ha'],
        'W_HA_LOCAL_STORAGE',
        `guest ${guest.id} is HA-managed but its storage "${local}" is not shared: PVE's HA manager cannot recover it on another node`,
        'put its disks on shared storage (NFS, Ceph, ...) for HA to move it',
        'warning',
      );
    if (guest.ha?.group !== undefined && !groups.has(guest.ha.group))
      ctx.report(
        ['guests', gi, 'ha', 'group'],
        'E_UNKNOWN_HA_GROUP',
        `HA group "${guest.ha.group}" is not declared`,
        `declare it under host.ha.groups or use one of: ${listNames(groups)}`,
      );
  });
}
