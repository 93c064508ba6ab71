/**
 * Compose (a validated, interpolated document) → the Swarm objects `docker stack deploy` makes:
 * services `<ns>_<svc>`, overlay networks `<ns>_<net>` (and `<ns>_default`), secrets and
 * configs `<ns>_<name>`, all labelled `com.docker.stack.namespace=<ns>` so `docker stack ls`
 * and Portainer list the stack. Keys Phoenix does not translate are reported, not dropped:
 * a silently ignored `deploy.resources` is a production incident later.
 */
import type { ServiceSpec } from '../../clients/docker/client.ts';
import type { ComposeDocument } from './compose.ts';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';
export const MANAGED_LABEL = 'phoenix.managed';
export const DIGEST_LABEL = 'phoenix.stack.digest';

export interface StackNetwork {
  name: string;
  external: boolean;
  attachable: boolean;
  encrypted: boolean;
  labels: Record<string, string>;
}

/** A secret or config the services reference; `source` is the compose-level name. */
export interface StackObjectRef {
  source: string;
  /** The Docker object's base name (`<ns>_<source>`); the deploy step appends a content version. */
  name: string;
  external: boolean;
}

export interface ConvertedStack {
  namespace: string;
  services: ServiceSpec[];
  networks: StackNetwork[];
  secrets: StackObjectRef[];
  configs: StackObjectRef[];
}

const SUPPORTED_SERVICE_KEYS = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'deploy',
  'labels',
  'ports',
  'networks',
  'secrets',
  'configs',
  'init',
  'volumes',
  'stop_grace_period',
  'hostname',
  'user',
  'working_dir',
  'healthcheck',
  'read_only',
  'tty',
  'stop_signal',
]);
const SUPPORTED_DEPLOY_KEYS = new Set([
  'replicas',
  'mode',
  'labels',
  'endpoint_mode',
  'placement',
  'restart_policy',
  'update_config',
]);

export interface ConvertProblem {
  path: string;
  message: string;
}

/** Shell-like split of a compose string command (quotes group words; no expansion). */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || current) words.push(current);
      current = '';
      has = false;
    } else current += ch;
  }
  if (has || current) words.push(current);
  return words;
}

/** Compose durations (`1m30s`, `500ms`, `10s`) → nanoseconds. */
export function durationNs(text: string | number): number {
  if (typeof text === 'number') return text * 1e9;
  const units: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g;
  let consumed = 0;
  for (const match of text.matchAll(re)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`invalid duration "${text}"`);
  return Math.round(total);
}

function keyValues(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const item of value as string[]) {
      const at = item.indexOf('=');
      out[at < 0 ? item : item.slice(0, at)] = at < 0 ? '' : item.slice(at + 1);
    }
    return out;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) out[k] = v === null ? '' : String(v);
  return out;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ports(list: any[], path: string, problems: ConvertProblem[]): Record<string, unknown>[] {
  return list.map((port, index) => {
    if (typeof port === 'object') {
      return {
        Protocol: port.protocol ?? 'tcp',
        TargetPort: Number(port.target),
        ...(port.published !== undefined ? { PublishedPort: Number(port.published) } : {}),
        PublishMode: port.mode ?? 'ingress',
      };
    }
    const match = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(String(port));
    if (!match) {
      problems.push({
        path: `${path}/${index}`,
        message: `unsupported port "${String(port)}" (use HOST:CONTAINER or the long syntax)`,
      });
      return {};
    }
    return {
      Protocol: match[3] ?? 'tcp',
      TargetPort: Number(match[2]),
      ...(match[1] ? { PublishedPort: Number(match[1]) } : {}),
      PublishMode: 'ingress',
    };
  });
}

interface VolumeContext {
  ns: string;
  nsLabel: Record<string, string>;
  path: string;
  problems: ConvertProblem[];
  declared: Record<string, unknown>;
}

/**
 * Service volumes → Swarm mounts: an absolute or relative source is a bind mount; a name must be
 * declared in the top-level `volumes` and becomes the volume `<ns>_<name>` (as `docker stack
 * deploy` names it), or its own name when external.
 */
function volumeMounts(list: unknown, ctx: VolumeContext): Record<string, unknown>[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown, index: number) => {
    let type: string | undefined;
    let source: string | undefined;
    let target: string | undefined;
    let readOnly = false;
    if (typeof entry === 'string') {
      const parts = entry.split(':');
      if (parts.length === 1) [target] = parts;
      else [source, target] = parts;
      readOnly = parts[2]?.split(',').includes('ro') ?? false;
    } else if (entry !== null && typeof entry === 'object') {
      const e = entry as { type?: string; source?: string; target?: string; read_only?: boolean };
      ({ type, source, target } = e);
      readOnly = e.read_only === true;
    }
    if (!target) {
      ctx.problems.push({ path: `${ctx.path}/volumes/${index}`, message: 'a volume needs a target path' });
      return [];
    }
    const bind = type === 'bind' || (type === undefined && source !== undefined && /^[./~]/.test(source));
    if (bind) return [{ Type: 'bind', Source: source, Target: target, ReadOnly: readOnly }];
    if (type !== undefined && type !== 'volume') {
      ctx.problems.push({ path: `${ctx.path}/volumes/${index}`, message: `volume type "${type}" is not supported` });
      return [];
    }
    if (source === undefined) return [{ Type: 'volume', Target: target, ReadOnly: readOnly }];
    if (!(source in ctx.declared)) {
      ctx.problems.push({
        path: `${ctx.path}/volumes/${index}`,
        message: `volume "${source}" is not declared in the top-level volumes`,
      });
      return [];
    }
    const def = (ctx.declared[source] ?? {}) as { external?: boolean; name?: string };
    const name = def.external ? (def.name ?? source) : (def.name ?? `${ctx.ns}_${source}`);
    return [
      { Type: 'volume', Source: name, Target: target, ReadOnly: readOnly, VolumeOptions: { Labels: ctx.nsLabel } },
    ];
  });
}

export interface ConvertOptions {
  namespace: string;
  /** Replicas per service from the stack environment; they override `deploy.replicas`. */
  replicas: Readonly<Record<string, number>>;
}

export function convertCompose(
  doc: ComposeDocument,
  options: ConvertOptions,
  problems: ConvertProblem[],
): ConvertedStack {
  const ns = options.namespace;
  const nsLabel = { [NAMESPACE_LABEL]: ns };
  const networks = new Map<string, StackNetwork>();
  for (const [key, net] of Object.entries(doc.networks ?? {})) {
    const n = (net ?? {}) as {
      external?: boolean;
      name?: string;
      attachable?: boolean;
      driver_opts?: Record<string, string>;
      labels?: unknown;
      driver?: string;
    };
    if (n.driver !== undefined && n.driver !== 'overlay')
      problems.push({ path: `/networks/${key}/driver`, message: 'Swarm stacks use overlay networks' });
    networks.set(key, {
      name: n.external ? (n.name ?? key) : (n.name ?? `${ns}_${key}`),
      external: n.external === true,
      attachable: n.attachable === true,
      encrypted: n.driver_opts?.encrypted !== undefined,
      labels: { ...keyValues(n.labels), ...nsLabel },
    });
  }
  const objects = (kind: 'secrets' | 'configs'): StackObjectRef[] =>
    Object.entries(doc[kind] ?? {}).map(([key, def]) => {
      const d = (def ?? {}) as { external?: boolean; name?: string };
      return { source: key, name: d.external ? (d.name ?? key) : `${ns}_${key}`, external: d.external === true };
    });
  const secrets = objects('secrets');
  const configs = objects('configs');

  const services: ServiceSpec[] = [];
  for (const [name, svc] of Object.entries(doc.services).sort(([a], [b]) => a.localeCompare(b))) {
    const path = `/services/${name}`;
    for (const key of Object.keys(svc)) {
      if (!SUPPORTED_SERVICE_KEYS.has(key))
        problems.push({ path: `${path}/${key}`, message: `not supported by Phoenix's Swarm deploy` });
    }
    const deploy = (svc.deploy ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(deploy)) {
      if (!SUPPORTED_DEPLOY_KEYS.has(key))
        problems.push({ path: `${path}/deploy/${key}`, message: `not supported by Phoenix's Swarm deploy` });
    }
    if (typeof svc.image !== 'string') {
      problems.push({ path: `${path}/image`, message: 'an image is required (Swarm does not build)' });
      continue;
    }
    let serviceNetworks: string[] = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
    if (serviceNetworks.length === 0) {
      serviceNetworks = ['default'];
      if (!networks.has('default')) {
        networks.set('default', {
          name: `${ns}_default`,
          external: false,
          attachable: false,
          encrypted: false,
          labels: nsLabel,
        });
      }
    }
    for (const net of serviceNetworks) {
      if (!networks.has(net))
        problems.push({
          path: `${path}/networks`,
          message: `network "${net}" is not declared in the top-level networks`,
        });
    }
    const refs = (kind: 'secrets' | 'configs', declared: StackObjectRef[]) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ((svc[kind] ?? []) as any[]).map((entry) => {
        const source = typeof entry === 'string' ? entry : String(entry.source);
        if (!declared.some((d) => d.source === source)) {
          problems.push({
            path: `${path}/${kind}`,
            message: `${kind.slice(0, -1)} "${source}" is not declared in the top-level ${kind}`,
          });
        }
        const target = typeof entry === 'string' ? undefined : (entry.target as string | undefined);
        return {
          source,
          File: {
            Name: target ?? (kind === 'secrets' ? source : `/${source}`),
            UID: String(typeof entry === 'object' && entry.uid !== undefined ? entry.uid : '0'),
            GID: String(typeof entry === 'object' && entry.gid !== undefined ? entry.gid : '0'),
            Mode: typeof entry === 'object' && entry.mode !== undefined ? Number(entry.mode) : 0o444,
          },
        };
      });
    // The schema admits strings (interpolated values); Swarm needs the real types.
    if (deploy.mode !== undefined && deploy.mode !== 'replicated' && deploy.mode !== 'global') {
      problems.push({ path: `${path}/deploy/mode`, message: 'must be "replicated" or "global"' });
    }
    if (deploy.endpoint_mode !== undefined && deploy.endpoint_mode !== 'vip' && deploy.endpoint_mode !== 'dnsrr') {
      problems.push({ path: `${path}/deploy/endpoint_mode`, message: 'must be "vip" or "dnsrr"' });
    }
    const declaredReplicas = deploy.replicas === undefined ? 1 : Number(deploy.replicas);
    if (!Number.isInteger(declaredReplicas) || declaredReplicas < 0) {
      problems.push({
        path: `${path}/deploy/replicas`,
        message: `must be a whole number, got "${String(deploy.replicas)}"`,
      });
    }
    const mode =
      deploy.mode === 'global'
        ? { Global: {} }
        : { Replicated: { Replicas: options.replicas[name] ?? declaredReplicas } };
    const placement = deploy.placement as { constraints?: string[] } | undefined;
    const restart = deploy.restart_policy as
      { condition?: string; delay?: string; max_attempts?: number; window?: string } | undefined;
    const environment = keyValues(svc.environment);
    const containerSpec: Record<string, unknown> = {
      Image: svc.image,
      Labels: sorted({ ...keyValues(svc.labels), ...nsLabel }),
      ...(svc.entrypoint !== undefined
        ? { Command: Array.isArray(svc.entrypoint) ? svc.entrypoint : splitCommand(svc.entrypoint) }
        : {}),
      ...(svc.command !== undefined
        ? { Args: Array.isArray(svc.command) ? svc.command.map(String) : splitCommand(String(svc.command)) }
        : {}),
      ...(Object.keys(environment).length > 0
        ? { Env: Object.entries(sorted(environment)).map(([k, v]) => `${k}=${v}`) }
        : {}),
      ...(svc.hostname !== undefined ? { Hostname: svc.hostname } : {}),
      ...(svc.user !== undefined ? { User: svc.user } : {}),
      ...(svc.working_dir !== undefined ? { Dir: svc.working_dir } : {}),
      ...(svc.init !== undefined ? { Init: svc.init === true } : {}),
      ...(svc.read_only !== undefined ? { ReadOnly: svc.read_only === true } : {}),
      ...(svc.tty !== undefined ? { TTY: svc.tty === true } : {}),
      ...(svc.stop_signal !== undefined ? { StopSignal: svc.stop_signal } : {}),
      ...(svc.stop_grace_period !== undefined ? { StopGracePeriod: durationNs(svc.stop_grace_period) } : {}),
      ...(svc.secrets !== undefined ? { Secrets: refs('secrets', secrets) } : {}),
      ...(svc.configs !== undefined ? { Configs: refs('configs', configs) } : {}),
    };
    const mounts = volumeMounts(svc.volumes, { ns, nsLabel, path, problems, declared: doc.volumes ?? {} });
    if (mounts.length > 0) containerSpec.Mounts = mounts;
    services.push({
      Name: `${ns}_${name}`,
      Labels: sorted({ ...keyValues(deploy.labels), ...nsLabel, [IMAGE_LABEL]: svc.image }),
      TaskTemplate: {
        ContainerSpec: containerSpec,
        ...(restart
          ? {
              RestartPolicy: {
                Condition: restart.condition ?? 'any',
                ...(restart.delay ? { Delay: durationNs(restart.delay) } : {}),
                ...(restart.max_attempts !== undefined ? { MaxAttempts: restart.max_attempts } : {}),
                ...(restart.window ? { Window: durationNs(restart.window) } : {}),
              },
            }
          : {}),
        ...(placement?.constraints ? { Placement: { Constraints: placement.constraints } } : {}),
        Networks: serviceNetworks.map((net) => ({ Target: networks.get(net)?.name ?? net, Aliases: [name] })),
      },
      Mode: mode,
      EndpointSpec: {
        Mode: deploy.endpoint_mode === 'dnsrr' ? 'dnsrr' : 'vip',
        ...(svc.ports ? { Ports: ports(svc.ports, `${path}/ports`, problems) } : {}),
      },
    });
  }
  return { namespace: ns, services, networks: [...networks.values()], secrets, configs };
}
