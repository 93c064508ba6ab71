/**
 * `swarm.stack`: one stack environment deployed as a Swarm stack through the Docker API.
 *
 * Observe costs one `GET /services` for all stacks (label filter), so a converged apply is
 * one read and zero writes. A stack is redeployed when its digest label differs from the
 * desired digest, or when a service was changed by hand (replicas, image, env, args differ
 * from what the digest stands for): that is drift, and apply reverts it.
 * Deploy order: networks → new secret/config versions → services (create/update/remove) →
 * secret/config versions no service references any more. Health: every replicated service
 * has its desired running tasks; a failed task ends the wait with the task's own error.
 */
import type {
  AnyResourceHandler,
  ApplyResponse,
  DiffResponse,
  HealthResponse,
  ObservedResource,
  ResourceHandler,
  UnmanagedResource,
} from '../../engine/handler.ts';
import {
  isNotSwarmManager,
  type DockerClient,
  type ServiceObject,
  type ServiceSpec,
  type TaskObject,
} from '../../clients/docker/client.ts';
import { resolveSecret, type SecretContext } from '../../config/secrets.ts';
import { stableStringify } from '../../engine/plan/digest.ts';
import { ProviderError } from '../../errors.ts';
import { DIGEST_LABEL, MANAGED_LABEL, NAMESPACE_LABEL } from './convert.ts';
import { STACK_KIND, stackAddress, stackNamespace, type StackDesired } from './derive.ts';
import { driftReasons, serviceFacts, type StackObserved, type StackServiceObserved } from './drift.ts';

export type { StackObserved, StackServiceObserved };

export interface StacksHandlerOptions {
  /** The Swarm manager's Docker client. */
  manager: () => DockerClient;
  /** Where secret references resolve: a context, or the environment's resolver. */
  secrets: SecretContext | ((ref: string) => Promise<string>);
}

const ENV_LABEL = 'phoenix.stack.environment';
const STACK_LABEL = 'phoenix.stack.name';

function observedFrom(services: ServiceObject[]): Map<string, StackObserved> {
  const byNs = new Map<string, StackObserved>();
  for (const svc of services) {
    const ns = svc.Spec.Labels?.[NAMESPACE_LABEL];
    if (!ns) continue;
    const entry = byNs.get(ns) ?? { namespace: ns, digest: svc.Spec.Labels?.[DIGEST_LABEL] ?? null, services: {} };
    if (entry.digest !== (svc.Spec.Labels?.[DIGEST_LABEL] ?? null)) entry.digest = null; // half-deployed: redeploy
    entry.services[svc.Spec.Name.slice(ns.length + 1)] = { ...serviceFacts(svc.Spec), updatedAt: svc.UpdatedAt };
    byNs.set(ns, entry);
  }
  return byNs;
}

function versionedName(base: string, version: string): string {
  return `${base}_${version}`;
}

function stackLabels(d: StackDesired): Record<string, string> {
  return {
    [NAMESPACE_LABEL]: d.namespace,
    [MANAGED_LABEL]: 'true',
    [STACK_LABEL]: d.stack,
    [ENV_LABEL]: d.environment,
  };
}

/** Desired service specs with Phoenix's labels and the versioned secret/config names filled in. */
function finalSpecs(
  d: StackDesired,
  ids: { secrets: Map<string, string>; configs: Map<string, string> },
): ServiceSpec[] {
  return d.converted.services.map((spec) => {
    const copy = structuredClone(spec);
    copy.Labels = { ...copy.Labels, ...stackLabels(d), [DIGEST_LABEL]: d.digest };
    const c = copy.TaskTemplate.ContainerSpec;
    const fill = (kind: 'secrets' | 'configs', list: { source: string; File: unknown }[] | undefined) =>
      list?.map((ref) => {
        const declared = d.converted[kind].find((x) => x.source === ref.source)!;
        const own =
          kind === 'secrets'
            ? d.secrets.find((s) => s.source === ref.source)
            : d.configs.find((s) => s.source === ref.source);
        const name = declared.external || !own ? declared.name : versionedName(declared.name, own.version);
        const id = ids[kind].get(name);
        if (!id)
          throw new ProviderError(`stack ${d.namespace}: ${kind.slice(0, -1)} ${name} does not exist`, {
            code: 'E_STACK_DEPLOY',
          });
        return kind === 'secrets'
          ? { File: ref.File, SecretID: id, SecretName: name }
          : { File: ref.File, ConfigID: id, ConfigName: name };
      });
    if (c.Secrets) c.Secrets = fill('secrets', c.Secrets);
    if (c.Configs) c.Configs = fill('configs', c.Configs);
    return copy;
  });
}

export function stacksHandler(options: StacksHandlerOptions): ResourceHandler<StackDesired, StackObserved> {
  const client = () => options.manager();
  // Before the Swarm is formed (first apply) no stack can exist: observe as empty.
  const listStackServices = (filters: Record<string, string[]>) =>
    client()
      .listServices(filters)
      .catch((error: unknown) => {
        if (isNotSwarmManager(error)) return [] as ServiceObject[];
        throw error;
      });

  async function deploy(d: StackDesired): Promise<void> {
    const docker = client();
    const nsFilter = { label: [`${NAMESPACE_LABEL}=${d.namespace}`] };
    // Networks (created once; their options are immutable in Swarm).
    const networks = await docker.listNetworks(nsFilter);
    for (const net of d.converted.networks) {
      if (net.external || networks.some((n) => n.Name === net.name)) continue;
      await docker.createNetwork({
        Name: net.name,
        Driver: 'overlay',
        Attachable: net.attachable,
        CheckDuplicate: true,
        Labels: { ...net.labels, [MANAGED_LABEL]: 'true' },
        ...(net.encrypted ? { Options: { encrypted: '' } } : {}),
      });
    }
    // Secrets and configs: a new version is a new object; the value is read here and only here.
    const secretIds = new Map<string, string>();
    const configIds = new Map<string, string>();
    const existingSecrets = await docker.listSecrets();
    for (const s of existingSecrets) secretIds.set(s.Spec.Name, s.ID);
    for (const s of d.secrets) {
      const name = versionedName(`${d.namespace}_${s.source}`, s.version);
      if (secretIds.has(name)) continue;
      const value =
        typeof options.secrets === 'function'
          ? await options.secrets(s.ref)
          : await resolveSecret(s.ref, options.secrets);
      secretIds.set(name, await docker.createSecret(name, Buffer.from(value), stackLabels(d)));
    }
    const existingConfigs = await docker.listConfigs();
    for (const c of existingConfigs) configIds.set(c.Spec.Name, c.ID);
    for (const c of d.configs) {
      const name = versionedName(`${d.namespace}_${c.source}`, c.version);
      if (configIds.has(name)) continue;
      configIds.set(name, await docker.createConfig(name, Buffer.from(c.data, 'base64'), stackLabels(d)));
    }
    // Services.
    const specs = finalSpecs(d, { secrets: secretIds, configs: configIds });
    const current = await docker.listServices(nsFilter);
    for (const spec of specs) {
      const existing = current.find((s) => s.Spec.Name === spec.Name);
      if (existing) await docker.updateService(existing, spec);
      else await docker.createService(spec);
    }
    for (const svc of current) {
      if (!specs.some((s) => s.Name === svc.Spec.Name)) await docker.removeService(svc.ID, svc.Spec.Name);
    }
    // Old versions nothing references any more (rotation: removed only after the services moved).
    const used = new Set(
      specs.flatMap((s) => [
        ...((s.TaskTemplate.ContainerSpec.Secrets ?? []) as { SecretName: string }[]).map((x) => x.SecretName),
        ...((s.TaskTemplate.ContainerSpec.Configs ?? []) as { ConfigName: string }[]).map((x) => x.ConfigName),
      ]),
    );
    for (const s of existingSecrets) {
      if (
        s.Spec.Labels?.[NAMESPACE_LABEL] === d.namespace &&
        s.Spec.Labels?.[MANAGED_LABEL] === 'true' &&
        !used.has(s.Spec.Name)
      ) {
        await docker.removeSecret(s.ID, s.Spec.Name);
      }
    }
    for (const c of existingConfigs) {
      if (
        c.Spec.Labels?.[NAMESPACE_LABEL] === d.namespace &&
        c.Spec.Labels?.[MANAGED_LABEL] === 'true' &&
        !used.has(c.Spec.Name)
      ) {
        await docker.removeConfig(c.ID, c.Spec.Name);
      }
    }
  }

  async function remove(namespace: string): Promise<void> {
    const docker = client();
    const nsFilter = { label: [`${NAMESPACE_LABEL}=${namespace}`] };
    for (const svc of await docker.listServices(nsFilter)) await docker.removeService(svc.ID, svc.Spec.Name);
    for (const s of await docker.listSecrets(nsFilter))
      if (s.Spec.Labels?.[MANAGED_LABEL] === 'true') await docker.removeSecret(s.ID, s.Spec.Name);
    for (const c of await docker.listConfigs(nsFilter))
      if (c.Spec.Labels?.[MANAGED_LABEL] === 'true') await docker.removeConfig(c.ID, c.Spec.Name);
    // Networks stay busy until the removed tasks' containers are gone: retry, bounded.
    for (const net of await docker.listNetworks(nsFilter)) {
      if (net.Labels?.[MANAGED_LABEL] !== 'true') continue;
      for (let attempt = 1; ; attempt += 1) {
        try {
          await docker.removeNetwork(net.Id, net.Name);
          break;
        } catch (error) {
          if (attempt >= 30) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  }

  function failedTask(tasks: TaskObject[], serviceName: string): string | undefined {
    const failed = tasks
      .filter((t) => ['failed', 'rejected'].includes(t.Status.State) && (t.Status.Err ?? '') !== '')
      .sort((a, b) => (b.Status.Timestamp ?? '').localeCompare(a.Status.Timestamp ?? ''))[0];
    return failed ? `service ${serviceName}: task ${failed.Status.State}: ${failed.Status.Err}` : undefined;
  }

  const handler: ResourceHandler<StackDesired, StackObserved> = {
    kind: STACK_KIND,

    async observe({ resource }) {
      const services = await listStackServices({ label: [`${NAMESPACE_LABEL}=${resource.desired.namespace}`] });
      return { observed: observedFrom(services).get(resource.desired.namespace) ?? null };
    },

    async observeAll() {
      // One read for every stack; those Phoenix did not deploy are listed, never touched.
      const services = await listStackServices({ label: [NAMESPACE_LABEL] });
      const found: ObservedResource<StackObserved>[] = [];
      const unmanaged: UnmanagedResource[] = [];
      for (const [ns, observed] of observedFrom(services)) {
        const svc = services.find((s) => s.Spec.Labels?.[NAMESPACE_LABEL] === ns)!;
        const stack = svc.Spec.Labels?.[STACK_LABEL];
        const env = svc.Spec.Labels?.[ENV_LABEL];
        if (svc.Spec.Labels?.[MANAGED_LABEL] === 'true' && stack && env) {
          found.push({ address: stackAddress(stack, env), kind: STACK_KIND, observed });
        } else if (svc.Spec.Labels?.[MANAGED_LABEL] === 'true') {
          // Deployed by another of Phoenix's providers (Portainer's stack): theirs, not a stranger.
          continue;
        } else {
          const count = Object.keys(observed.services).length;
          unmanaged.push({
            address: `stack.${ns}`,
            kind: STACK_KIND,
            summary: `Swarm stack ${ns} (${count} service${count === 1 ? '' : 's'})`,
          });
        }
      }
      return { found, unmanaged };
    },

    diff({ resource, observed }): DiffResponse {
      const d = resource.desired;
      const base = { changes: [], requiresReplace: [], requiresRestart: false };
      if (!observed) return { ...base, action: 'create', reasons: [`deploy stack ${d.namespace}`] };
      const reasons: string[] = [];
      const changes: DiffResponse['changes'] = [];
      if (observed.digest !== d.digest) {
        reasons.push('stack content changed');
        changes.push({ path: 'digest', before: observed.digest ?? undefined, after: d.digest });
      }
      for (const reason of driftReasons(d, observed)) reasons.push(reason);
      if (reasons.length === 0) return { ...base, action: 'noop', reasons: [] };
      if (changes.length === 0) changes.push({ path: 'services', before: 'drifted', after: 'as declared' });
      return { ...base, action: 'update', changes, reasons };
    },

    async create({ resource }): Promise<ApplyResponse<StackObserved>> {
      await deploy(resource.desired);
      return {};
    },
    async update({ resource }): Promise<ApplyResponse<StackObserved>> {
      await deploy(resource.desired);
      return {};
    },
    async delete({ observed, address }): Promise<ApplyResponse<StackObserved>> {
      const [, stack = '', environment = ''] = /^stack\.([^.]+)\.([^.]+)$/.exec(address) ?? [];
      const namespace = observed?.namespace ?? stackNamespace(stack, environment);
      await remove(namespace);
      return {};
    },

    async health({ resource }): Promise<HealthResponse> {
      const d = resource.desired;
      const docker = client();
      const services = await docker.listServices({ label: [`${NAMESPACE_LABEL}=${d.namespace}`] });
      const tasks = await docker.listTasks({ label: [`${NAMESPACE_LABEL}=${d.namespace}`] });
      const waiting: string[] = [];
      for (const svc of services) {
        const mine = tasks.filter((t) => t.ServiceID === svc.ID);
        // Failures count only from this deployment on: one left from an earlier spec says nothing now.
        const since = Date.parse(svc.UpdatedAt ?? '') || 0;
        // A task of the previous spec failing while it is shut down (rolling update) is not a
        // failure of this deployment either: only tasks running the current container spec count.
        const current = stableStringify(svc.Spec.TaskTemplate?.ContainerSpec ?? {});
        const recent = mine.filter(
          (t) =>
            (Date.parse(t.Status.Timestamp ?? '') || 0) >= since - 1000 &&
            stableStringify(t.Spec?.ContainerSpec ?? {}) === current,
        );
        const replicas = svc.Spec.Mode?.Replicated?.Replicas as number | undefined;
        const running = mine.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running').length;
        if (replicas !== undefined && running >= replicas) continue;
        if (
          replicas === undefined &&
          running > 0 &&
          mine.every((t) => t.DesiredState !== 'running' || t.Status.State === 'running')
        )
          continue;
        const failure = failedTask(recent, svc.Spec.Name);
        if (failure) return { status: 'unhealthy', message: failure };
        waiting.push(`${svc.Spec.Name} ${running}/${replicas ?? 'global'}`);
      }
      return waiting.length === 0
        ? { status: 'healthy' }
        : { status: 'pending', message: `waiting for ${waiting.join(', ')}` };
    },

    estimateDuration: () => 10,
  };
  return handler;
}

export type { AnyResourceHandler };
