/**
 * `/cluster/ha` (pve-ha-manager `API2/HA/Resources.pm`, `Groups.pm`, `Status.pm`): HA groups
 * and resources with PVE's shapes and error texts, and the CRM's view of each service in
 * `status/current`. Recovery when a node goes offline is `state/ha.ts`.
 */
import { SimApiError, type SimRoute } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import { haDigest, normalizeSid, type HaGroupRecord, type HaResourceRecord } from '../state/ha.ts';
import { intParam, route, strParam } from './envelope.ts';

const STATES = ['started', 'stopped', 'disabled', 'ignored'] as const;

function resourceRow(r: HaResourceRecord): Record<string, unknown> {
  return { ...r, type: r.sid.split(':')[0], digest: haDigest(r) };
}

function groupRow(g: HaGroupRecord): Record<string, unknown> {
  return { ...g, type: 'group', digest: haDigest(g) };
}

function requireSid(ctx: SimContext, raw: unknown): HaResourceRecord {
  const sid = normalizeSid(ctx, String(raw));
  const found = sid ? ctx.ha.resources.get(sid) : undefined;
  if (!found) throw new SimApiError(500, `no such resource '${String(raw)}'`);
  return found;
}

/** `enabled` is an alias of `started` (Resources.pm). */
function stateParam(value: string | undefined): HaResourceRecord['state'] | undefined {
  if (value === undefined) return undefined;
  const state = value === 'enabled' ? 'started' : value;
  return (STATES as readonly string[]).includes(state) ? (state as HaResourceRecord['state']) : undefined;
}

function checkGroup(ctx: SimContext, group: string | undefined): void {
  if (group !== undefined && !ctx.ha.groups.has(group))
    throw new SimApiError(500, `ha group '${group}' does not exist`);
}

function checkGroupNodes(ctx: SimContext, nodes: string): void {
  for (const part of nodes.split(',')) {
    const [node, priority] = part.split(':');
    if (!node || !ctx.nodes.has(node) || (priority !== undefined && !/^\d+$/.test(priority)))
      throw new SimApiError(400, 'Parameter verification failed.', {
        nodes: `invalid format - no such node '${part}'`,
      });
  }
}

function applyDelete(target: Record<string, unknown>, text: string | undefined, allowed: string[]): void {
  for (const key of (text ?? '').split(/[,;\s]+/).filter(Boolean)) {
    if (!allowed.includes(key))
      throw new SimApiError(400, 'Parameter verification failed.', { delete: `invalid option '${key}'` });
    delete target[key];
  }
}

export function haRoutes(ctx: SimContext): SimRoute[] {
  const nodeNames = (): string[] => [...ctx.nodes.keys()];
  return [
    route('GET', '/cluster/ha', () => [{ id: 'groups' }, { id: 'resources' }, { id: 'status' }]),
    route('GET', '/cluster/ha/status', () => [{ name: 'current' }, { name: 'manager_status' }]),
    route('GET', '/cluster/ha/status/current', () => {
      const online = nodeNames().filter((n) => ctx.nodes.get(n)?.online !== false).length;
      const quorate = online * 2 > ctx.nodes.size ? 1 : 0;
      const master = nodeNames().find((n) => ctx.nodes.get(n)?.online !== false) ?? '';
      const rows: Record<string, unknown>[] = [
        { id: 'quorum', type: 'quorum', node: master, status: quorate ? 'OK' : 'No quorum on node', quorate },
      ];
      if (ctx.ha.resources.size > 0)
        rows.push({
          id: `master`,
          type: 'master',
          node: master,
          status: `${master} (active, ${new Date(ctx.clock.now()).toUTCString()})`,
        });
      for (const r of ctx.ha.resources.values()) {
        const guest = ctx.guests.get(Number(r.sid.split(':')[1]));
        const node = guest?.node ?? '';
        const down = ctx.nodes.get(node)?.online === false;
        const state = down
          ? 'fence'
          : r.state === 'started'
            ? guest?.status === 'running'
              ? 'started'
              : 'starting'
            : r.state;
        rows.push({
          id: `service:${r.sid}`,
          type: 'service',
          sid: r.sid,
          node,
          state,
          crm_state: state,
          request_state: r.state,
          status: `${r.sid} (${node}, ${state})`,
          ...(r.group ? { group: r.group } : {}),
          max_restart: r.max_restart ?? 1,
          max_relocate: r.max_relocate ?? 1,
        });
      }
      return rows;
    }),
    route('GET', '/cluster/ha/status/manager_status', () => ({
      manager_status: {},
      quorum: { node: nodeNames()[0] ?? '', quorate: '1' },
    })),
    route('GET', '/cluster/ha/resources', (req) => {
      const type = strParam(req.params, 'type');
      return [...ctx.ha.resources.values()].filter((r) => !type || r.sid.startsWith(`${type}:`)).map(resourceRow);
    }),
    route('GET', '/cluster/ha/resources/{sid}', (req) => resourceRow(requireSid(ctx, req.params.sid))),
    route('POST', '/cluster/ha/resources', (req) => {
      const p = req.params;
      const sid = normalizeSid(ctx, String(p.sid), strParam(p, 'type'));
      if (!sid)
        throw new SimApiError(400, 'Parameter verification failed.', {
          sid: `unable to parse service id '${String(p.sid)}'`,
        });
      const guest = ctx.guests.get(Number(sid.split(':')[1]));
      const type = sid.startsWith('vm:') ? 'qemu' : 'lxc';
      if (!guest || guest.type !== type)
        throw new SimApiError(500, `${sid.startsWith('vm:') ? 'VM' : 'CT'} ${sid.split(':')[1]} does not exist`);
      if (ctx.ha.resources.has(sid)) throw new SimApiError(500, `resource ID '${sid}' already defined`);
      const group = strParam(p, 'group');
      checkGroup(ctx, group);
      const record: HaResourceRecord = { sid, state: stateParam(strParam(p, 'state')) ?? 'started' };
      if (group !== undefined) record.group = group;
      const maxRestart = intParam(p, 'max_restart');
      const maxRelocate = intParam(p, 'max_relocate');
      if (maxRestart !== undefined) record.max_restart = maxRestart;
      if (maxRelocate !== undefined) record.max_relocate = maxRelocate;
      if (typeof p.comment === 'string') record.comment = p.comment;
      ctx.ha.resources.set(sid, record);
      // The CRM starts a service requested `started` (on the node it is on).
      if (record.state === 'started' && guest.status !== 'running') {
        guest.status = 'running';
        guest.startedAt = ctx.clock.now();
      }
      return null;
    }),
    route('PUT', '/cluster/ha/resources/{sid}', (req) => {
      const p = req.params;
      const record = requireSid(ctx, p.sid);
      if (typeof p.digest === 'string' && p.digest !== haDigest(record))
        throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
      applyDelete(record as unknown as Record<string, unknown>, strParam(p, 'delete'), [
        'group',
        'comment',
        'max_restart',
        'max_relocate',
      ]);
      const group = strParam(p, 'group');
      checkGroup(ctx, group);
      if (group !== undefined) record.group = group;
      const state = stateParam(strParam(p, 'state'));
      if (state) record.state = state;
      const maxRestart = intParam(p, 'max_restart');
      const maxRelocate = intParam(p, 'max_relocate');
      if (maxRestart !== undefined) record.max_restart = maxRestart;
      if (maxRelocate !== undefined) record.max_relocate = maxRelocate;
      if (typeof p.comment === 'string') record.comment = p.comment;
      return null;
    }),
    route('DELETE', '/cluster/ha/resources/{sid}', (req) => {
      const record = requireSid(ctx, req.params.sid);
      ctx.ha.resources.delete(record.sid);
      return null;
    }),
    route('GET', '/cluster/ha/groups', () => [...ctx.ha.groups.values()].map(groupRow)),
    route('GET', '/cluster/ha/groups/{group}', (req) => {
      const group = ctx.ha.groups.get(String(req.params.group));
      if (!group) throw new SimApiError(500, `no such ha group '${String(req.params.group)}'`);
      return groupRow(group);
    }),
    route('POST', '/cluster/ha/groups', (req) => {
      const p = req.params;
      const name = String(p.group);
      if (ctx.ha.groups.has(name)) throw new SimApiError(500, `ha group '${name}' already defined`);
      const nodes = String(p.nodes);
      checkGroupNodes(ctx, nodes);
      const record: HaGroupRecord = { group: name, nodes };
      if (p.restricted !== undefined) record.restricted = Number(p.restricted) ? 1 : 0;
      if (p.nofailback !== undefined) record.nofailback = Number(p.nofailback) ? 1 : 0;
      if (typeof p.comment === 'string') record.comment = p.comment;
      ctx.ha.groups.set(name, record);
      return null;
    }),
    route('PUT', '/cluster/ha/groups/{group}', (req) => {
      const p = req.params;
      const record = ctx.ha.groups.get(String(p.group));
      if (!record) throw new SimApiError(500, `no such ha group '${String(p.group)}'`);
      if (typeof p.digest === 'string' && p.digest !== haDigest(record))
        throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
      applyDelete(record as unknown as Record<string, unknown>, strParam(p, 'delete'), [
        'restricted',
        'nofailback',
        'comment',
      ]);
      if (typeof p.nodes === 'string') {
        checkGroupNodes(ctx, p.nodes);
        record.nodes = p.nodes;
      }
      if (p.restricted !== undefined) record.restricted = Number(p.restricted) ? 1 : 0;
      if (p.nofailback !== undefined) record.nofailback = Number(p.nofailback) ? 1 : 0;
      if (typeof p.comment === 'string') record.comment = p.comment;
      return null;
    }),
    route('DELETE', '/cluster/ha/groups/{group}', (req) => {
      const name = String(req.params.group);
      if (!ctx.ha.groups.has(name)) throw new SimApiError(500, `no such ha group '${name}'`);
      for (const r of ctx.ha.resources.values())
        if (r.group === name) throw new SimApiError(500, `ha group '${name}' is used by service '${r.sid}'`);
      ctx.ha.groups.delete(name);
      return null;
    }),
  ];
}
