/**
 * `portainer.environment`: the Swarm registered in Portainer as an agent environment. Phoenix
 * reaches Portainer with its own API key, created once (log in as the administrator — created
 * first on a fresh instance — then `POST /users/{id}/tokens`) and kept encrypted in the state
 * file; it is never in the config, a plan, a log or an event. The environment is created with
 * the documented multipart call, TLS to the agent verified against the internal root.
 * A converged apply costs one request: `GET /endpoints?name=`.
 */
import { PortainerApiError, type PortainerClient, type PortainerEnvironment } from '../../clients/portainer/index.ts';
import type { ApplyResponse, DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import { API_KEY_SECRET, portainerClientFor, type PortainerDeps } from './deps.ts';
import { AGENT_PORT, type PortainerSettings } from './settings.ts';

export const ENVIRONMENT_KIND = 'portainer.environment';

export function environmentAddress(name: string): string {
  return `portainer.environment.${name}`;
}

export interface EnvironmentDesired {
  name: string;
  /** Where Portainer reaches the agent: the manager's agent, which knows the whole Swarm. */
  url: string;
  settings: PortainerSettings;
}

export interface EnvironmentObserved {
  /** How it was seen: with Phoenix's stored API key. */
  access: 'api-key';
  environment?: { id: number; url: string; type: number; tls: boolean; skipVerify: boolean };
}

export function agentUrl(s: PortainerSettings): string {
  return `tcp://${s.server.ip}:${AGENT_PORT}`;
}

const ADMIN = 'admin';

export function portainerEnvironmentHandler(
  deps: PortainerDeps,
  /** The configured Portainer (to reach it when deleting, where only the observation is given). */
  current?: PortainerSettings,
): ResourceHandler<EnvironmentDesired, EnvironmentObserved> & {
  client(s: PortainerSettings): Promise<PortainerClient>;
} {
  const clients = new Map<string, ReturnType<typeof portainerClientFor>>();
  const client = (s: PortainerSettings) => {
    const key = `${s.server.ip}:${s.port}`;
    let get = clients.get(key);
    if (!get) clients.set(key, (get = portainerClientFor(deps, s)));
    return get();
  };

  function summarize(e: PortainerEnvironment): NonNullable<EnvironmentObserved['environment']> {
    return {
      id: e.Id,
      url: e.URL,
      type: e.Type,
      tls: e.TLSConfig?.TLS ?? false,
      skipVerify: e.TLSConfig?.TLSSkipVerify ?? false,
    };
  }

  /** Waits (bounded) for the status endpoint: Portainer starts after its stack is deployed. */
  async function ready(api: PortainerClient, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + (deps.readyTimeoutMs ?? 120_000);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await api.status();
        return;
      } catch (error) {
        const transient = error instanceof PortainerApiError && (error.retryable || error.status === undefined);
        if (!transient || Date.now() > deadline || signal?.aborted) throw error;
        await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2_000)));
      }
    }
  }

  /** A working API key: the stored one, or a new one (administrator created first when fresh). */
  async function apiKey(api: PortainerClient, s: PortainerSettings, signal?: AbortSignal): Promise<string> {
    const stored = deps.vault().get(API_KEY_SECRET);
    if (stored) {
      try {
        await api.environmentsNamed(stored, '\0probe');
        return stored;
      } catch (error) {
        if (!(error instanceof PortainerApiError && error.status === 401)) throw error;
      }
    }
    if (!s.adminPassword)
      throw new ProviderError('platform.portainer.adminPassword is not set: Phoenix cannot log in to Portainer', {
        code: 'E_PORTAINER_PASSWORD',
        hint: 'set platform.portainer.adminPassword to a secret reference, e.g. env:PHOENIX_PORTAINER_PASSWORD',
      });
    const password = await deps.resolveSecret(s.adminPassword);
    await ready(api, signal);
    // Started with --admin-password-file, Portainer has its administrator; a fresh one without it gets one now.
    if (!(await api.adminExists())) await api.adminInit(ADMIN, password);
    const { jwt, userId } = await api.login(ADMIN, password);
    const { raw } = await api.createApiKey(jwt, userId, `phoenix ${new Date().toISOString().slice(0, 10)}`, password);
    deps.vault().put(API_KEY_SECRET, raw);
    return raw;
  }

  async function register(d: EnvironmentDesired, signal?: AbortSignal): Promise<void> {
    const api = await client(d.settings);
    const key = await apiKey(api, d.settings, signal);
    const existing = await api.environmentsNamed(key, d.name);
    for (const e of existing) {
      const o = summarize(e);
      if (o.url === d.url && o.tls && !o.skipVerify && o.type === 2) return;
      // Settings that differ (an environment left skipping verification): registered again.
      await api.deleteEnvironment(key, e.Id);
    }
    await api.createAgentEnvironment(key, { name: d.name, url: d.url, caCert: await deps.rootPem() });
  }

  return {
    kind: ENVIRONMENT_KIND,
    client,

    async observe({ resource }) {
      const d = resource.desired;
      // Nothing registered that Phoenix can see is "missing" (null): created — with a new API key
      // first when it has none or Portainer refuses the stored one.
      const stored = deps.vault().get(API_KEY_SECRET);
      if (!stored) return { observed: null };
      const api = await client(d.settings);
      try {
        const [found] = await api.environmentsNamed(stored, d.name);
        return { observed: found ? { access: 'api-key', environment: summarize(found) } : null };
      } catch (error) {
        if (error instanceof PortainerApiError && error.status === 401) return { observed: null };
        // Not reachable yet (its stack is not deployed): nothing registered can be seen.
        if (error instanceof PortainerApiError && error.status === undefined) return { observed: null };
        throw error;
      }
    },

    diff({ resource, observed }): DiffResponse {
      const d = resource.desired;
      const base = { changes: [], requiresReplace: [], requiresRestart: false };
      if (!observed || !observed.environment)
        return {
          ...base,
          action: 'create',
          reasons: [`register the Swarm in Portainer as agent environment "${d.name}" (${d.url})`],
        };
      const e = observed.environment;
      const changes: DiffResponse['changes'] = [];
      if (e.url !== d.url) changes.push({ path: 'url', before: e.url, after: d.url });
      if (!e.tls || e.skipVerify)
        changes.push({ path: 'tls', before: e.tls ? 'skip verify' : 'off', after: 'verified (internal root)' });
      if (e.type !== 2) changes.push({ path: 'type', before: String(e.type), after: '2 (agent)' });
      if (changes.length === 0) return { ...base, action: 'noop', reasons: [] };
      return { ...base, action: 'update', changes, reasons: ['environment settings differ'] };
    },

    async create({ resource, ctx }): Promise<ApplyResponse<EnvironmentObserved>> {
      await register(resource.desired, ctx.signal);
      return {};
    },
    async update({ resource, ctx }): Promise<ApplyResponse<EnvironmentObserved>> {
      await register(resource.desired, ctx.signal);
      return {};
    },
    async delete({ observed }): Promise<ApplyResponse<EnvironmentObserved>> {
      const stored = deps.vault().get(API_KEY_SECRET);
      if (!stored || !observed?.environment || !current) return {};
      await (await client(current)).deleteEnvironment(stored, observed.environment.id);
      return {};
    },

    /** Portainer's own view of the environment: status 1 is up (it reached the agent). */
    async health({ resource }) {
      const d = resource.desired;
      const stored = deps.vault().get(API_KEY_SECRET);
      if (!stored) return { status: 'pending', message: 'Phoenix has no Portainer API key yet' };
      const [found] = await (await client(d.settings)).environmentsNamed(stored, d.name);
      if (!found) return { status: 'pending', message: `environment "${d.name}" is not registered` };
      if (found.Status === 2)
        return { status: 'pending', message: `environment "${d.name}" is down: Portainer cannot reach the agent` };
      return { status: 'healthy', message: `environment "${d.name}" registered (id ${found.Id})` };
    },

    estimateDuration: () => 5_000,
  };
}
