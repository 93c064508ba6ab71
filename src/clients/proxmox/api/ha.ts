/** PVE HA: groups and resources (`/cluster/ha`, pve-ha-manager), answers validated at the edge. */
import { z } from 'zod';
import { apiPath } from '../encode.ts';
import { requestParsed } from '../responses.ts';
import type { ProxmoxTransport } from '../types.ts';

const HaResourceSchema = z.looseObject({
  sid: z.string(),
  state: z.string().optional(),
  group: z.string().optional(),
  max_restart: z.coerce.number().optional(),
  max_relocate: z.coerce.number().optional(),
  comment: z.string().optional(),
  digest: z.string().optional(),
});
export type HaResourceRow = z.infer<typeof HaResourceSchema>;

const HaGroupSchema = z.looseObject({
  group: z.string(),
  nodes: z.string(),
  restricted: z.coerce.number().optional(),
  nofailback: z.coerce.number().optional(),
  comment: z.string().optional(),
  digest: z.string().optional(),
});
export type HaGroupRow = z.infer<typeof HaGroupSchema>;

type Params = Record<string, string | number | undefined>;

export interface HaApi {
  resources(): Promise<HaResourceRow[]>;
  createResource(params: Params & { sid: string }): Promise<void>;
  updateResource(sid: string, params: Params): Promise<void>;
  deleteResource(sid: string): Promise<void>;
  groups(): Promise<HaGroupRow[]>;
  createGroup(params: Params & { group: string; nodes: string }): Promise<void>;
  updateGroup(group: string, params: Params): Promise<void>;
  deleteGroup(group: string): Promise<void>;
}

export function haApi(t: ProxmoxTransport): HaApi {
  return {
    resources: () => requestParsed(t, z.array(HaResourceSchema), 'GET', '/cluster/ha/resources'),
    createResource: async (params) => {
      await t.request('POST', '/cluster/ha/resources', params, { retryUnsafe: false });
    },
    updateResource: async (sid, params) => {
      await t.request('PUT', apiPath`/cluster/ha/resources/${sid}`, params);
    },
    deleteResource: async (sid) => {
      await t.request('DELETE', apiPath`/cluster/ha/resources/${sid}`);
    },
    groups: () => requestParsed(t, z.array(HaGroupSchema), 'GET', '/cluster/ha/groups'),
    createGroup: async (params) => {
      await t.request('POST', '/cluster/ha/groups', params, { retryUnsafe: false });
    },
    updateGroup: async (group, params) => {
      await t.request('PUT', apiPath`/cluster/ha/groups/${group}`, params);
    },
    deleteGroup: async (group) => {
      await t.request('DELETE', apiPath`/cluster/ha/groups/${group}`);
    },
  };
}
