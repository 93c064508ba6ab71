/**
 * Task list, status, log and stop (spec §4, A.3).
 */
import { accessOf, callerId, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import { requireNode } from '../state/context.ts';
import { isUpid, type TaskRecord } from '../state/tasks.ts';
import { intParam, route, strParam, withExtras } from './envelope.ts';

function findTask(ctx: SimContext, node: unknown, upid: unknown): TaskRecord {
  requireNode(ctx, node);
  const text = String(upid);
  if (!isUpid(text))
    throw new SimApiError(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
  const task = ctx.tasks.get(text);
  if (!task || task.node !== node)
    throw new SimApiError(400, 'Parameter verification failed.', { upid: 'no such task' });
  return task;
}

function splitUser(user: string): { user: string; tokenid?: string } {
  const i = user.indexOf('!');
  return i < 0 ? { user } : { user: user.slice(0, i), tokenid: user.slice(i + 1) };
}

/** A list row: token tasks split into user + tokenid; running ones read `RUNNING` (pve-manager Tasks.pm). */
export function listRow(t: TaskRecord): Record<string, unknown> {
  const row: Record<string, unknown> = {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    ...splitUser(t.user),
  };
  if (t.status === 'stopped') {
    row.status = t.exitstatus;
    row.endtime = t.endtime;
  } else row.status = 'RUNNING';
  return row;
}

/** `upid_normalize_status_type`: ok, warning, error, or unknown (no status yet). */
function statusType(t: TaskRecord): string {
  if (t.status !== 'stopped' || !t.exitstatus) return 'unknown';
  if (t.exitstatus === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(t.exitstatus)) return 'warning';
  return 'error';
}

/** The task's user is the caller (a user also owns the tasks of its tokens). */
export function ownsTask(req: SimRequest, taskUser: string): boolean {
  return (
    taskUser === callerId(req.caller) ||
    (taskUser.split('!')[0] === req.caller.userid && req.caller.tokenid === undefined)
  );
}

export function taskRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('GET', '/nodes/{node}/tasks', (req) => {
      const p = req.params;
      requireNode(ctx, p.node);
      const source = strParam(p, 'source') ?? 'archive';
      const vmid = intParam(p, 'vmid');
      const since = intParam(p, 'since');
      const until = intParam(p, 'until');
      const typefilter = strParam(p, 'typefilter');
      const userfilter = strParam(p, 'userfilter');
      // statusfilter replaces the default set unless errors=1, which only drops `ok`.
      const wanted = new Set(['ok', 'warning', 'error', 'unknown']);
      const statusfilter = strParam(p, 'statusfilter');
      if (p.errors === 1) wanted.delete('ok');
      else if (statusfilter !== undefined) {
        wanted.clear();
        for (const f of statusfilter.split(/[,;\s]+/).filter(Boolean)) wanted.add(f.toLowerCase());
      }
      const rows = ctx.tasks
        .list()
        .filter((t) => t.node === p.node)
        // Own tasks, or all with Sys.Audit on the node (spec A.3 permission text).
        .filter((t) => ownsTask(req, t.user) || accessOf(req).has(`/nodes/${t.node}`, ['Sys.Audit']))
        .filter((t) => source === 'all' || (source === 'active' ? t.status === 'running' : t.status === 'stopped'))
        .filter((t) => !userfilter || t.user.toLowerCase().includes(userfilter.toLowerCase()))
        .filter((t) => !typefilter || t.type === typefilter)
        .filter((t) => vmid === undefined || t.id === String(vmid))
        .filter((t) => since === undefined || t.starttime >= since)
        .filter((t) => until === undefined || t.starttime <= until)
        .filter((t) => wanted.has(statusType(t)))
        .sort((a, b) => b.starttime - a.starttime || b.pstart - a.pstart);
      const start = intParam(p, 'start') ?? 0;
      const limit = intParam(p, 'limit') ?? 50;
      return withExtras(rows.slice(start, start + limit).map(listRow), { total: rows.length });
    }),
    route('GET', '/nodes/{node}/tasks/{upid}', (req) => {
      findTask(ctx, req.params.node, req.params.upid);
      return [{ name: 'log' }, { name: 'status' }];
    }),
    route('GET', '/nodes/{node}/tasks/{upid}/status', (req) => {
      const t = findTask(ctx, req.params.node, req.params.upid);
      if (!ownsTask(req, t.user)) accessOf(req).check(`/nodes/${t.node}`, ['Sys.Audit']);
      const out: Record<string, unknown> = {
        upid: t.upid,
        node: t.node,
        pid: t.pid,
        pstart: t.pstart,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        ...splitUser(t.user),
        status: t.status,
      };
      if (t.status === 'stopped') out.exitstatus = t.exitstatus;
      return out;
    }),
    route('GET', '/nodes/{node}/tasks/{upid}/log', (req) => {
      const t = findTask(ctx, req.params.node, req.params.upid);
      if (!ownsTask(req, t.user)) accessOf(req).check(`/nodes/${t.node}`, ['Sys.Audit']);
      const start = intParam(req.params, 'start') ?? 0;
      const limit = intParam(req.params, 'limit') ?? 50;
      const lines = t.log.length > 0 ? t.log : ['no content'];
      const page = lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      return withExtras(page, { total: lines.length });
    }),
    route('DELETE', '/nodes/{node}/tasks/{upid}', (req) => {
      const t = findTask(ctx, req.params.node, req.params.upid);
      if (!ownsTask(req, t.user)) accessOf(req).check(`/nodes/${t.node}`, ['Sys.Modify']);
      ctx.tasks.stop(t.upid);
      return null;
    }),
  ];
}
