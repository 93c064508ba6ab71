/**
 * `swarm.cluster`: the Swarm formed over the guests with roles `swarm-manager`/`swarm-worker`.
 * Init on the manager with the guest's own address; workers join with the worker token read
 * from the manager at the moment of joining (a local variable: never returned, logged, stored
 * or put in an error); node labels and availability as declared.
 * Dissolving a Swarm is never done by Phoenix: a delete is refused.
 */
import type { ResourceHandler, HealthResponse } from '../../engine/handler.ts';
import type { DockerClient, NodeObject } from '../../clients/docker/client.ts';
import { ProviderError } from '../../errors.ts';
import type { TargetRef } from '../node/shell.ts';

export const CLUSTER_KIND = 'swarm.cluster';
export const CLUSTER_ADDRESS = 'swarm.cluster';

export type Availability = 'active' | 'pause' | 'drain';

export interface SwarmNodeDesired {
  /** Guest name = hostname of the Docker host. */
  name: string;
  /** Address other nodes reach it on (advertise address). */
  address: string;
  role: 'manager' | 'worker';
  labels: Record<string, string>;
  availability: Availability;
}

export interface SwarmDesired {
  nodes: SwarmNodeDesired[];
  /** The manager guest (planned as created while that guest does not exist yet). */
  target?: TargetRef;
}

export interface SwarmNodeObserved {
  role: string;
  availability: string;
  labels: Record<string, string>;
}

export interface SwarmObserved {
  nodes: Record<string, SwarmNodeObserved>;
}

export interface SwarmClients {
  /** The Docker client of a Swarm guest, by guest name. */
  node(name: string): DockerClient;
}

const SWARM_PORT = 2377;

function managerOf(d: SwarmDesired): SwarmNodeDesired {
  const managers = d.nodes.filter((n) => n.role === 'manager');
  if (managers.length !== 1)
    throw new ProviderError(`a Swarm needs exactly one swarm-manager guest (found ${managers.length})`, {
      code: 'E_SWARM_CONFIG',
    });
  return managers[0]!;
}

function sortedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

function observeNodes(nodes: NodeObject[]): SwarmObserved {
  const out: SwarmObserved = { nodes: {} };
  for (const n of nodes) {
    out.nodes[n.Description.Hostname] = {
      role: n.Spec.Role,
      availability: n.Spec.Availability,
      labels: sortedLabels(n.Spec.Labels),
    };
  }
  return out;
}

export function swarmClusterHandler(clients: SwarmClients): ResourceHandler<SwarmDesired, SwarmObserved> {
  async function observe(d: SwarmDesired): Promise<SwarmObserved | null> {
    const manager = clients.node(managerOf(d).name);
    const info = await manager.info();
    if (info.Swarm.LocalNodeState !== 'active') return null;
    if (!info.Swarm.ControlAvailable) {
      throw new ProviderError(`${managerOf(d).name} is in a Swarm but not as a manager`, { code: 'E_SWARM_STATE' });
    }
    return observeNodes(await manager.listNodes());
  }

  async function converge(d: SwarmDesired): Promise<SwarmObserved> {
    const m = managerOf(d);
    const manager = clients.node(m.name);
    if ((await manager.info()).Swarm.LocalNodeState !== 'active') {
      await manager.swarmInit(`0.0.0.0:${SWARM_PORT}`, m.address);
    }
    let nodes = await manager.listNodes();
    for (const w of d.nodes.filter((n) => n.role === 'worker')) {
      if (nodes.some((n) => n.Description.Hostname === w.name)) continue;
      const worker = clients.node(w.name);
      const state = (await worker.info()).Swarm.LocalNodeState;
      if (state === 'active') {
        throw new ProviderError(`${w.name} is already in another Swarm`, {
          code: 'E_SWARM_STATE',
          hint: `run "docker swarm leave" on ${w.name}`,
        });
      }
      // Read at the moment of use; the token lives only in this scope.
      const token = (await manager.swarmInspect()).JoinTokens.Worker;
      await worker.swarmJoin(`${m.address}:${SWARM_PORT}`, token, `0.0.0.0:${SWARM_PORT}`, w.address);
    }
    // A joined node shows up on the manager shortly after the join returns.
    for (let i = 0; i < 50; i += 1) {
      nodes = await manager.listNodes();
      if (d.nodes.every((want) => nodes.some((n) => n.Description.Hostname === want.name))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const want of d.nodes) {
      const node = nodes.find((n) => n.Description.Hostname === want.name);
      if (!node)
        throw new ProviderError(`${want.name} did not appear in the Swarm after joining`, { code: 'E_SWARM_JOIN' });
      const labels = sortedLabels(want.labels);
      if (
        node.Spec.Availability !== want.availability ||
        node.Spec.Role !== want.role ||
        JSON.stringify(sortedLabels(node.Spec.Labels)) !== JSON.stringify(labels)
      ) {
        await manager.updateNode(node, {
          ...node.Spec,
          Labels: labels,
          Availability: want.availability,
          Role: want.role,
        });
      }
    }
    return observeNodes(await manager.listNodes());
  }

  return {
    kind: CLUSTER_KIND,
    async observe({ resource }) {
      return { observed: await observe(resource.desired) };
    },
    diff({ resource, observed }) {
      const base = { requiresReplace: [], requiresRestart: false };
      if (!observed) return { ...base, action: 'create', changes: [], reasons: ['form the Swarm'] };
      const reasons: string[] = [];
      const changes: { path: string; before: unknown; after: unknown }[] = [];
      for (const want of resource.desired.nodes) {
        const seen = observed.nodes[want.name];
        if (!seen) {
          reasons.push(`${want.name} joins as ${want.role}`);
          changes.push({ path: `nodes.${want.name}`, before: undefined, after: want.role });
          continue;
        }
        if (seen.availability !== want.availability)
          changes.push({
            path: `nodes.${want.name}.availability`,
            before: seen.availability,
            after: want.availability,
          });
        if (seen.role !== want.role)
          changes.push({ path: `nodes.${want.name}.role`, before: seen.role, after: want.role });
        if (JSON.stringify(seen.labels) !== JSON.stringify(sortedLabels(want.labels)))
          changes.push({ path: `nodes.${want.name}.labels`, before: seen.labels, after: sortedLabels(want.labels) });
      }
      if (changes.length > reasons.length) reasons.push('node settings differ');
      return { ...base, action: changes.length === 0 ? 'noop' : 'update', changes, reasons };
    },
    async create({ resource }) {
      return { observed: await converge(resource.desired) };
    },
    async update({ resource }) {
      return { observed: await converge(resource.desired) };
    },
    delete() {
      return Promise.reject(
        new ProviderError('Phoenix does not dissolve a Swarm; remove it by hand if that is intended', {
          code: 'E_SWARM_DELETE',
        }),
      );
    },
    async health({ resource }): Promise<HealthResponse> {
      const nodes = await clients.node(managerOf(resource.desired).name).listNodes();
      const notReady = nodes
        .filter((n) => n.Status.State !== 'ready')
        .map((n) => `${n.Description.Hostname} ${n.Status.State}`);
      return notReady.length === 0
        ? { status: 'healthy' }
        : { status: 'pending', message: `waiting for ${notReady.join(', ')}` };
    },
  };
}
