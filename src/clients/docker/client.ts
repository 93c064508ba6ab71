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

export class DockerClient {
  private readonly docker: Docker;
  readonly stats: DockerCallStats = { total: 0, mutating: 0, mutations: [] };
  readonly name: string;

  constructor(endpoint: DockerEndpoint) {
    if ('socketPath' in endpoint) {
      this.docker = new Docker({ socketPath: endpoint.socketPath });
      this.name = endpoint.socketPath;
    } else {
      this.docker = new Docker({
        protocol: 'https',
        host: endpoint.host,
        port: endpoint.port,
        ca: endpoint.tls.ca,
        cert: endpoint.tls.cert,
        key: endpoint.tls.key,
        version: 'v1.41',
        ...(endpoint.dial ? { agent: new DialAgent(endpoint.dial) } : {}),
      });
      this.name = `${endpoint.host}:${endpoint.port}`;
    }
  }

  private async call<T>(operation: string, mutating: string | undefined, run: () => Promise<T>): Promise<T> {
    this.stats.total += 1;
    if (mutating !== undefined) {
      this.stats.mutating += 1;
      this.stats.mutations.push(mutating);
    }
    try {
      return await run();
    } catch (error) {
      throw toApiError(operation, error);
    }
  }

  resetStats(): void {
    this.stats.total = 0;
    this.stats.mutating = 0;
    this.stats.mutations = [];
  }

  info(): Promise<{ Swarm: { LocalNodeState: string; NodeID: string; ControlAvailable: boolean }; Name: string }> {
    return this.call('info', undefined, () => this.docker.info());
  }

  // --- swarm ---
  swarmInspect(): Promise<SwarmInfo> {
    return this.call('swarm inspect', undefined, () => this.docker.swarmInspect() as Promise<SwarmInfo>);
  }
  swarmInit(listenAddr: string, advertiseAddr: string): Promise<string> {
    return this.call('swarm init', `swarm-init ${advertiseAddr}`, () =>
      this.docker.swarmInit({ ListenAddr: listenAddr, AdvertiseAddr: advertiseAddr, ForceNewCluster: false }),
    );
  }
  /** The token is passed straight through and appears in no log or error text. */
  async swarmJoin(remote: string, token: string, listenAddr: string, advertiseAddr: string): Promise<void> {
    await this.call('swarm join', `swarm-join ${remote}`, () =>
      this.docker.swarmJoin({
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
    return this.call('node ls', undefined, () => this.docker.listNodes() as Promise<NodeObject[]>);
  }
  async updateNode(node: NodeObject, spec: NodeObject['Spec']): Promise<void> {
    await this.call('node update', `update-node ${node.Description.Hostname}`, () =>
      this.docker.getNode(node.ID).update({ version: node.Version.Index, ...spec }),
    );
  }

  // --- networks ---
  listNetworks(filters?: Filters): Promise<NetworkObject[]> {
    return this.call(
      'network ls',
      undefined,
      () => this.docker.listNetworks(filters ? { filters } : {}) as Promise<NetworkObject[]>,
    );
  }
  async createNetwork(spec: Record<string, unknown> & { Name: string }): Promise<void> {
    await this.call('network create', `create-network ${spec.Name}`, () => this.docker.createNetwork(spec as never));
  }
  async removeNetwork(id: string, name: string): Promise<void> {
    await this.call('network rm', `remove-network ${name}`, () => this.docker.getNetwork(id).remove());
  }

  // --- secrets and configs (data base64 in, never read back) ---
  listSecrets(filters?: Filters): Promise<NamedObject[]> {
    return this.call(
      'secret ls',
      undefined,
      () => this.docker.listSecrets(filters ? { filters } : {}) as Promise<NamedObject[]>,
    );
  }
  async createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = await this.call('secret create', `create-secret ${name}`, () =>
      this.docker.createSecret({ Name: name, Labels: labels, Data: data.toString('base64') }),
    );
    return (created as unknown as { id: string }).id;
  }
  async removeSecret(id: string, name: string): Promise<void> {
    await this.call('secret rm', `remove-secret ${name}`, () => this.docker.getSecret(id).remove());
  }
  listConfigs(filters?: Filters): Promise<NamedObject[]> {
    return this.call(
      'config ls',
      undefined,
      () => this.docker.listConfigs(filters ? { filters } : {}) as Promise<NamedObject[]>,
    );
  }
  async createConfig(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = await this.call('config create', `create-config ${name}`, () =>
      this.docker.createConfig({ Name: name, Labels: labels, Data: data.toString('base64') }),
    );
    return (created as unknown as { id: string }).id;
  }
  async removeConfig(id: string, name: string): Promise<void> {
    await this.call('config rm', `remove-config ${name}`, () => this.docker.getConfig(id).remove());
  }

  // --- services and tasks ---
  listServices(filters?: Filters): Promise<ServiceObject[]> {
    return this.call(
      'service ls',
      undefined,
      () => this.docker.listServices(filters ? { filters } : {}) as Promise<ServiceObject[]>,
    );
  }
  async createService(spec: ServiceSpec): Promise<void> {
    // No registry lookup (the CLI's --no-resolve-image): images are local or pinned by the user.
    await this.call('service create', `create-service ${spec.Name}`, () => this.docker.createService(spec as never));
  }
  async updateService(service: ServiceObject, spec: ServiceSpec): Promise<void> {
    await this.call('service update', `update-service ${spec.Name}`, () =>
      this.docker.getService(service.ID).update({ version: service.Version.Index, ...spec } as never),
    );
  }
  async removeService(id: string, name: string): Promise<void> {
    await this.call('service rm', `remove-service ${name}`, () => this.docker.getService(id).remove());
  }
  listTasks(filters?: Filters): Promise<TaskObject[]> {
    return this.call(
      'task ls',
      undefined,
      () => this.docker.listTasks(filters ? { filters } : {}) as Promise<TaskObject[]>,
    );
  }

  /** Import a root filesystem tarball as an image (`docker import`); nothing is pulled. */
  async importImage(tarball: Readable, repo: string, tag: string): Promise<void> {
    await this.call('image import', `import-image ${repo}:${tag}`, async () => {
      const stream = await this.docker.importImage(tarball, { repo, tag });
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((line) => line.error !== undefined);
          if (error) reject(error);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        }),
      );
    });
  }
}
