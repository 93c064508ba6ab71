/**
 * Phoenix's Docker Engine API client (API 1.41), on `dockerode`. It reaches the daemon either
 * through a local unix socket or over TCP with mutual TLS (Phoenix's own client certificate);
 * a plain TCP endpoint cannot be expressed. Every call is counted (mutating or not) so tests and
 * benchmarks can prove that a converged apply changes nothing. Request bodies (secret data) are
 * never logged: the call log holds only the operation and object name.
 */
import Docker from 'dockerode';
import { Agent, type RequestOptions } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ProviderError } from '../../errors.ts';

/**
 * Opens the raw byte stream to `host:port` (direct TCP, or an SSH tunnel through the Proxmox
 * node for guests on an internal network). TLS runs end to end on top of it.
 */
export type Dial = (host: string, port: number) => Promise<Duplex>;

export type DockerEndpoint =
  { socketPath: string } | { host: string; port: number; tls: { ca: string; cert: string; key: string }; dial?: Dial };

/**
 * An endpoint known only when first used: the client certificate is read (and its key mode
 * checked) at the first call, a simulated guest's socket is started on demand.
 */
export type LazyDockerEndpoint = { name: string; resolve: () => Promise<DockerEndpoint> };

/** An https agent whose connections come from a dialer; the TLS checks stay Node's own. */
class DialAgent extends Agent {
  constructor(private readonly dial: Dial) {
    super({ keepAlive: false });
  }
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    this.dial(options.host ?? 'localhost', Number(options.port ?? 2376)).then(
      (raw) => callback?.(null, tlsConnect({ ...(options as ConnectionOptions), socket: raw })),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

export interface DockerCallStats {
  total: number;
  mutating: number;
  /** `create-service whoami-testing_whoami`: operation and name only, never a body. */
  mutations: string[];
}

/** A failed Docker API call; `status` is the HTTP status, `message` the daemon's own text. */
export class DockerApiError extends ProviderError {
  readonly status?: number;
  readonly retryable: boolean;
  constructor(operation: string, status: number | undefined, message: string, retryable: boolean, cause: unknown) {
    super(`docker ${operation}: ${message}`, { code: 'E_DOCKER', detail: message, cause });
    this.status = status;
    this.retryable = retryable;
  }
}

/** The daemon is not (yet) a Swarm manager: before `swarm init`, nothing Swarm-scoped exists. */
export function isNotSwarmManager(error: unknown): boolean {
  return error instanceof DockerApiError && error.status === 503 && /not a swarm manager/i.test(error.message);
}

const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

function toApiError(operation: string, error: unknown): DockerApiError {
  const e = error as { statusCode?: number; json?: { message?: string } | null; message?: string; code?: string };
  const message = e.json?.message ?? e.message ?? String(error);
  const retryable = (e.code !== undefined && TRANSIENT.has(e.code)) || e.statusCode === 502 || e.statusCode === 504;
  return new DockerApiError(operation, e.statusCode, message.trim(), retryable, error);
}

/* The API's own object shapes, reduced to the fields Phoenix reads. */
export interface Versioned {
  ID: string;
  Version: { Index: number };
}
export interface SwarmInfo extends Versioned {
  JoinTokens: { Worker: string; Manager: string };
}
export interface NodeObject extends Versioned {
  Spec: { Name?: string; Labels?: Record<string, string>; Role: 'worker' | 'manager'; Availability: string };
  Description: { Hostname: string };
  Status: { State: string; Addr?: string };
}
export interface NamedObject extends Versioned {
  Spec: { Name: string; Labels?: Record<string, string> };
}
export interface NetworkObject {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Attachable: boolean;
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceSpec = Record<string, any> & { Name: string; Labels?: Record<string, string> };
export interface ServiceObject extends Versioned {
  Spec: ServiceSpec;
  UpdatedAt?: string;
}
export interface TaskObject {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState: string;
  /** The task's copy of the service's task template at the time it was created. */
  Spec?: { ContainerSpec?: Record<string, unknown> };
  Status: { State: string; Message?: string; Err?: string; Timestamp?: string };
}

type Filters = Record<string, string[]>;

/**
 * An update's options for docker-modem: `version` in the query only, the spec as the body
 * (given flat, the modem would send the version in the body and the whole spec in the query).
 */
function versioned(version: number, spec: object): { _query: { version: number }; _body: object } {
  return { _query: { version }, _body: spec };
}

export class DockerClient {
  private docker: Promise<Docker> | undefined;
  private readonly endpoint: DockerEndpoint | LazyDockerEndpoint;
  readonly stats: DockerCallStats = { total: 0, mutating: 0, mutations: [] };
  readonly name: string;

  constructor(endpoint: DockerEndpoint | LazyDockerEndpoint) {
    this.endpoint = endpoint;
    this.name =
      'resolve' in endpoint
        ? endpoint.name
        : 'socketPath' in endpoint
          ? endpoint.socketPath
          : `${endpoint.host}:${endpoint.port}`;
  }

  private connect(): Promise<Docker> {
    this.docker ??= (async () => {
      const endpoint = 'resolve' in this.endpoint ? await this.endpoint.resolve() : this.endpoint;
      if ('socketPath' in endpoint) return new Docker({ socketPath: endpoint.socketPath });
      return new Docker({
        protocol: 'https',
        host: endpoint.host,
        port: endpoint.port,
        ca: endpoint.tls.ca,
        cert: endpoint.tls.cert,
        key: endpoint.tls.key,
        version: 'v1.41',
        ...(endpoint.dial ? { agent: new DialAgent(endpoint.dial) } : {}),
      });
    })();
    // A failed resolution (no certificate yet, engine not up) is tried again on the next call.
    this.docker.catch(() => (this.docker = undefined));
    return this.docker;
  }

  private async call<T>(
    operation: string,
    mutating: string | undefined,
    run: (docker: Docker) => Promise<T>,
  ): Promise<T> {
    this.stats.total += 1;
    if (mutating !== undefined) {
      this.stats.mutating += 1;
      this.stats.mutations.push(mutating);
    }
    try {
      return await run(await this.connect());
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw toApiError(operation, error);
    }
  }

  resetStats(): void {
    this.stats.total = 0;
    this.stats.mutating = 0;
    this.stats.mutations = [];
  }

  info(): Promise<{ Swarm: { LocalNodeState: string; NodeID: string; ControlAvailable: boolean }; Name: string }> {
    return this.call('info', undefined, (docker) => docker.info());
  }

  // --- swarm ---
  swarmInspect(): Promise<SwarmInfo> {
    return this.call('swarm inspect', undefined, (docker) => docker.swarmInspect() as Promise<SwarmInfo>);
  }
  swarmInit(listenAddr: string, advertiseAddr: string): Promise<string> {
    return this.call('swarm init', `swarm-init ${advertiseAddr}`, (docker) =>
      docker.swarmInit({ ListenAddr: listenAddr, AdvertiseAddr: advertiseAddr, ForceNewCluster: false }),
    );
  }
  /** The token is passed straight through and appears in no log or error text. */
  async swarmJoin(remote: string, token: string, listenAddr: string, advertiseAddr: string): Promise<void> {
    await this.call('swarm join', `swarm-join ${remote}`, (docker) =>
      docker.swarmJoin({
        RemoteAddrs: [remote],
        JoinToken: token,
        ListenAddr: listenAddr,
        AdvertiseAddr: advertiseAddr,
      }),
    ).catch((error: DockerApiError) => {
      throw new DockerApiError(
        'swarm join',
        error.status,
        error.message.split(token).join('<token>'),
        error.retryable,
        undefined,
      );
    });
  }
  listNodes(): Promise<NodeObject[]> {
    return this.call('node ls', undefined, (docker) => docker.listNodes() as Promise<NodeObject[]>);
  }
  async updateNode(node: NodeObject, spec: NodeObject['Spec']): Promise<void> {
    await this.call('node update', `update-node ${node.Description.Hostname}`, (docker) =>
      docker.getNode(node.ID).update(versioned(node.Version.Index, spec)),
    );
  }

  // --- networks ---
  listNetworks(filters?: Filters): Promise<NetworkObject[]> {
    return this.call(
      'network ls',
      undefined,
      (docker) => docker.listNetworks(filters ? { filters } : {}) as Promise<NetworkObject[]>,
    );
  }
  async createNetwork(spec: Record<string, unknown> & { Name: string }): Promise<void> {
    await this.call('network create', `create-network ${spec.Name}`, (docker) => docker.createNetwork(spec as never));
  }
  async removeNetwork(id: string, name: string): Promise<void> {
    await this.call('network rm', `remove-network ${name}`, (docker) => docker.getNetwork(id).remove());
  }

  // --- secrets and configs (data base64 in, never read back) ---
  listSecrets(filters?: Filters): Promise<NamedObject[]> {
    return this.call(
      'secret ls',
      undefined,
      (docker) => docker.listSecrets(filters ? { filters } : {}) as Promise<NamedObject[]>,
    );
  }
  async createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = await this.call('secret create', `create-secret ${name}`, (docker) =>
      docker.createSecret({ Name: name, Labels: labels, Data: data.toString('base64') }),
    );
    return (created as unknown as { id: string }).id;
  }
  async removeSecret(id: string, name: string): Promise<void> {
    await this.call('secret rm', `remove-secret ${name}`, (docker) => docker.getSecret(id).remove());
  }
  listConfigs(filters?: Filters): Promise<NamedObject[]> {
    return this.call(
      'config ls',
      undefined,
      (docker) => docker.listConfigs(filters ? { filters } : {}) as Promise<NamedObject[]>,
    );
  }
  async createConfig(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = await this.call('config create', `create-config ${name}`, (docker) =>
      docker.createConfig({ Name: name, Labels: labels, Data: data.toString('base64') }),
    );
    return (created as unknown as { id: string }).id;
  }
  async removeConfig(id: string, name: string): Promise<void> {
    await this.call('config rm', `remove-config ${name}`, (docker) => docker.getConfig(id).remove());
  }

  // --- services and tasks ---
  listServices(filters?: Filters): Promise<ServiceObject[]> {
    return this.call(
      'service ls',
      undefined,
      (docker) => docker.listServices(filters ? { filters } : {}) as Promise<ServiceObject[]>,
    );
  }
  async createService(spec: ServiceSpec): Promise<void> {
    // No registry lookup (the CLI's --no-resolve-image): images are local or pinned by the user.
    await this.call('service create', `create-service ${spec.Name}`, (docker) => docker.createService(spec as never));
  }
  async updateService(service: ServiceObject, spec: ServiceSpec): Promise<void> {
    await this.call('service update', `update-service ${spec.Name}`, (docker) =>
      docker.getService(service.ID).update(versioned(service.Version.Index, spec) as never),
    );
  }
  async removeService(id: string, name: string): Promise<void> {
    await this.call('service rm', `remove-service ${name}`, (docker) => docker.getService(id).remove());
  }
  listTasks(filters?: Filters): Promise<TaskObject[]> {
    return this.call(
      'task ls',
      undefined,
      (docker) => docker.listTasks(filters ? { filters } : {}) as Promise<TaskObject[]>,
    );
  }

  /** Import a root filesystem tarball as an image (`docker import`); nothing is pulled. */
  async importImage(tarball: Readable, repo: string, tag: string): Promise<void> {
    await this.call('image import', `import-image ${repo}:${tag}`, async (docker) => {
      const stream = await docker.importImage(tarball, { repo, tag });
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((line) => line.error !== undefined);
          if (error) reject(error);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        }),
      );
    });
  }
}
