/**
 * `portainer.server`: the Portainer stack on the Swarm (stack.ts), deployed through the
 * manager's Docker API. Observe is one `GET /services` for the stack; it is redeployed when its
 * digest label differs or the administrator password changed (a new versioned Docker secret,
 * the old one removed once the service moved to it). Health: Portainer's status endpoint.
 */
import { scrypt } from 'node:crypto';
import { isNotSwarmManager, type ServiceObject, type ServiceSpec } from '../../clients/docker/client.ts';
import { PortainerApiError } from '../../clients/portainer/index.ts';
import type { ApplyResponse, DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import { DIGEST_LABEL, MANAGED_LABEL, NAMESPACE_LABEL } from '../stacks/convert.ts';
import { portainerClientFor, type PortainerDeps } from './deps.ts';
import type { PortainerSettings } from './settings.ts';
import { ADMIN_SECRET, adminSecretName, type PortainerStack } from './stack.ts';

export const SERVER_KIND = 'portainer.server';
export const SERVER_ADDRESS = 'portainer.server';

export interface ServerDesired {
  settings: PortainerSettings;
  stack: PortainerStack;
}

export interface ServerObserved {
  namespace: string;
  /** Digest label shared by every service; null when they disagree (half deployed). */
  digest: string | null;
  services: string[];
  /** Docker secret the server reads its password from. */
  secret: string | null;
  /** The secret name the current password maps to (computed from the reference, never the value). */
  wantedSecret: string | null;
  image?: string;
}

/** A slow salted KDF of the password: a name that changes with it and reveals nothing. */
export function passwordVersion(password: string): Promise<string> {
  return new Promise((resolve, reject) =>
    scrypt(password, 'phoenix-portainer-admin-password', 16, { N: 1 << 14, r: 8, p: 1 }, (error, key) =>
      error ? reject(error) : resolve(key.toString('hex').slice(0, 12)),
    ),
  );
}

function needPassword(s: PortainerSettings): string {
  if (!s.adminPassword)
    throw new ProviderError('platform.portainer.adminPassword is not set', {
      code: 'E_PORTAINER_PASSWORD',
      hint: 'set platform.portainer.adminPassword to a secret reference, e.g. env:PHOENIX_PORTAINER_PASSWORD',
    });
  return s.adminPassword;
}

export function portainerServerHandler(deps: PortainerDeps): ResourceHandler<ServerDesired, ServerObserved> {
  const clients = new Map<string, ReturnType<typeof portainerClientFor>>();
  const portainer = (s: PortainerSettings) => {
    const key = `${s.server.ip}:${s.port}`;
    let get = clients.get(key);
    if (!get) clients.set(key, (get = portainerClientFor(deps, s)));
    return get();
  };

  async function listStack(namespace: string): Promise<ServiceObject[]> {
    return deps
      .docker()
      .listServices({ label: [`${NAMESPACE_LABEL}=${namespace}`] })
      .catch((error: unknown) => {
        // Before the Swarm is formed nothing of it can exist.
        if (isNotSwarmManager(error)) return [] as ServiceObject[];
        throw error;
      });
  }

  async function deploy(d: ServerDesired): Promise<void> {
    const docker = deps.docker();
    const { stack } = d;
    const ns = stack.namespace;
    const labels = { [NAMESPACE_LABEL]: ns, [MANAGED_LABEL]: 'true' };
    const nets = await docker.listNetworks({ label: [`${NAMESPACE_LABEL}=${ns}`] });
    for (const net of stack.converted.networks) {
      if (net.external || nets.some((n) => n.Name === net.name)) continue;
      await docker.createNetwork({
        Name: net.name,
        Driver: 'overlay',
        Attachable: net.attachable,
        CheckDuplicate: true,
        Labels: { ...net.labels, ...labels },
      });
    }
    // The password is resolved here and only here; Swarm keeps it, Portainer reads it at start.
    const password = await deps.resolveSecret(needPassword(d.settings));
    const secretName = adminSecretName(await passwordVersion(password));
    const secrets = await docker.listSecrets();
    let secretId = secrets.find((s) => s.Spec.Name === secretName)?.ID;
    secretId ??= await docker.createSecret(secretName, Buffer.from(password), labels);
    const current = await docker.listServices({ label: [`${NAMESPACE_LABEL}=${ns}`] });
    for (const base of stack.converted.services) {
      const spec: ServiceSpec = structuredClone(base);
      spec.Labels = { ...spec.Labels, ...labels, [DIGEST_LABEL]: stack.digest };
      const c = spec.TaskTemplate.ContainerSpec;
      if (c.Secrets)
        c.Secrets = (c.Secrets as { source: string; File: unknown }[]).map((ref) => {
          if (ref.source !== ADMIN_SECRET)
            throw new ProviderError(`portainer stack: unknown secret ${ref.source}`, { code: 'E_PORTAINER_STACK' });
          return { File: ref.File, SecretID: secretId, SecretName: secretName };
        });
      const existing = current.find((s) => s.Spec.Name === spec.Name);
      if (existing) await docker.updateService(existing, spec);
      else await docker.createService(spec);
    }
    for (const svc of current) {
      if (!stack.converted.services.some((s) => s.Name === svc.Spec.Name))
        await docker.removeService(svc.ID, svc.Spec.Name);
    }
    // Earlier password versions: removed once no service references them.
    const prefix = adminSecretName('');
    for (const s of secrets) {
      if (s.Spec.Name.startsWith(prefix) && s.Spec.Name !== secretName && s.Spec.Labels?.[MANAGED_LABEL] === 'true')
        await docker.removeSecret(s.ID, s.Spec.Name);
    }
  }

  return {
    kind: SERVER_KIND,

    async observe({ resource }) {
      const d = resource.desired;
      const services = await listStack(d.stack.namespace);
      if (services.length === 0) return { observed: null };
      const digests = new Set(services.map((s) => s.Spec.Labels?.[DIGEST_LABEL] ?? ''));
      const server = services.find((s) => s.Spec.Name === `${d.stack.namespace}_portainer`);
      const secret =
        (server?.Spec.TaskTemplate?.ContainerSpec?.Secrets as { SecretName?: string }[] | undefined)?.[0]?.SecretName ??
        null;
      const ref = d.settings.adminPassword;
      const wantedSecret = ref ? adminSecretName(await passwordVersion(await deps.resolveSecret(ref))) : null;
      return {
        observed: {
          namespace: d.stack.namespace,
          digest: digests.size === 1 ? [...digests][0]! || null : null,
          services: services.map((s) => s.Spec.Name).sort(),
          secret,
          wantedSecret,
          ...(server ? { image: String(server.Spec.TaskTemplate?.ContainerSpec?.Image ?? '') } : {}),
        },
      };
    },

    diff({ resource, observed }): DiffResponse {
      const d = resource.desired;
      const base = { changes: [], requiresReplace: [], requiresRestart: false };
      if (!observed)
        return {
          ...base,
          action: 'create',
          reasons: [`deploy Portainer ${d.settings.version} as stack ${d.stack.namespace}`],
        };
      const changes: DiffResponse['changes'] = [];
      const reasons: string[] = [];
      if (observed.digest !== d.stack.digest) {
        changes.push({ path: 'stack', before: observed.digest ?? 'drifted', after: d.stack.digest });
        reasons.push('stack definition changed');
      }
      if (observed.wantedSecret !== null && observed.secret !== observed.wantedSecret) {
        // Names only: a version is a KDF of the password, never the password.
        changes.push({
          path: 'adminPasswordSecret',
          before: observed.secret ?? undefined,
          after: observed.wantedSecret,
        });
        reasons.push('administrator password changed');
      }
      if (changes.length === 0) return { ...base, action: 'noop', reasons: [] };
      return { ...base, action: 'update', changes, reasons };
    },

    async create({ resource }): Promise<ApplyResponse<ServerObserved>> {
      await deploy(resource.desired);
      return {};
    },
    async update({ resource }): Promise<ApplyResponse<ServerObserved>> {
      await deploy(resource.desired);
      return {};
    },
    async delete({ observed }): Promise<ApplyResponse<ServerObserved>> {
      const docker = deps.docker();
      const ns = observed?.namespace ?? 'portainer';
      const filter = { label: [`${NAMESPACE_LABEL}=${ns}`] };
      for (const svc of await docker.listServices(filter)) await docker.removeService(svc.ID, svc.Spec.Name);
      for (const s of await docker.listSecrets(filter))
        if (s.Spec.Labels?.[MANAGED_LABEL] === 'true') await docker.removeSecret(s.ID, s.Spec.Name);
      for (const n of await docker.listNetworks(filter))
        if (n.Labels?.[MANAGED_LABEL] === 'true') await docker.removeNetwork(n.Id, n.Name).catch(() => undefined);
      return {};
    },

    async health({ resource }) {
      try {
        const status = await (await portainer(resource.desired.settings)).status();
        return { status: 'healthy', message: `Portainer ${status.Version ?? ''} is up`.trim() };
      } catch (error) {
        if (error instanceof PortainerApiError && (error.retryable || error.status === undefined))
          return { status: 'pending', message: `waiting for Portainer's status endpoint: ${error.message}` };
        throw error;
      }
    },

    estimateDuration: () => 30_000,
  };
}
