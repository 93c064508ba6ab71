/**
 * Config `stacks` → one `swarm.stack` resource per stack environment (`stack.whoami.testing`,
 * Docker namespace `whoami-testing`). Each carries its converted Swarm objects, the secret
 * references (never values) with a version per secret, the configs' contents, and a digest
 * over all of it: only a stack environment whose digest changed is redeployed.
 *
 * A secret's version is a slow salted KDF (scrypt) of its value, so a changed value gets a new
 * Docker secret name (Swarm secrets are immutable) without the value or a cheap hash of it
 * ever reaching the plan or state.
 */
import { createHash, scrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource } from '../../engine/handler.ts';
import { stableStringify } from '../../engine/plan/digest.ts';
import type { Stack } from '../../config/schema-platform.ts';
import { STACK_ENVIRONMENTS } from '../../config/schema-platform.ts';
import { resolveSecret, type SecretContext } from '../../config/secrets.ts';
import { ProviderError } from '../../errors.ts';
import type { TargetRef } from '../node/shell.ts';
import { certificateAddress, PHOENIX_DOCKER_CLIENT_CERT } from '../pki/paths.ts';
import { loadCompose, ComposeError } from './compose.ts';
import { convertCompose, type ConvertedStack, type ConvertProblem } from './convert.ts';

export const STACK_KIND = 'swarm.stack';

export interface StackSecret {
  /** Compose-level name. */
  source: string;
  /** The reference (`env:`/`file:`): resolved again at deploy time, never stored resolved. */
  ref: string;
  /** Content version: part of the Docker secret's name. */
  version: string;
}

export interface StackConfigFile {
  source: string;
  /** Path relative to the config directory. */
  path: string;
  /** Base64 content (configs are not secret). */
  data: string;
  version: string;
}

export interface StackDesired {
  stack: string;
  environment: string;
  namespace: string;
  converted: ConvertedStack;
  secrets: StackSecret[];
  configs: StackConfigFile[];
  digest: string;
  target?: TargetRef;
}

export interface DeriveStacksInput {
  stacks: readonly Stack[];
  /** The config directory (compose files, config files) and, without `resolve`, where secrets resolve. */
  secrets: SecretContext;
  /**
   * The environment's secret resolver (the built-in simulator's demo values included); `null`:
   * versions are left unresolved (`phoenix graph`: edges do not depend on them).
   */
  resolve?: ((ref: string) => Promise<string>) | null;
  /** The manager guest (for planning the stacks as created while it does not exist yet). */
  target?: TargetRef;
  /**
   * Labels per Swarm service name (`whoami_whoami`) for the services the gateway routes to
   * (traefik `swarmServiceLabels`): set on the service, so a route change redeploys the stack.
   */
  serviceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Override of the compose schema location (tests, packaged installs). */
  composeSchemaPath?: string;
}

/**
 * The Docker stack namespace of a stack environment: the stack's name for production,
 * `<stack>-<environment>` otherwise (`whoami`, `whoami-testing`) — the Swarm service names the
 * gateway's routes target (gateway/routes.ts `swarmServiceName`).
 */
export function stackNamespace(stack: string, environment: string): string {
  return environment === 'production' ? stack : `${stack}-${environment}`;
}

export function stackAddress(stack: string, environment: string): string {
  return `stack.${stack}.${environment}`;
}

async function secretVersion(value: string, salt: string): Promise<string> {
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(value, `phoenix-docker-secret:${salt}`, 16, { N: 1 << 14, r: 8, p: 1 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  return key.toString('hex').slice(0, 12);
}

export async function deriveStacks(input: DeriveStacksInput): Promise<Resource<StackDesired>[]> {
  const resources: Resource<StackDesired>[] = [];
  const declared = new Set(input.stacks.map((s) => s.name));
  const namespaces = new Map<string, string>();
  for (const stack of input.stacks) {
    for (const dep of stack.dependsOn) {
      if (!declared.has(dep))
        throw new ProviderError(`stack ${stack.name}: dependsOn names ${dep}, which is not a declared stack`, {
          code: 'E_STACK_DEPENDS',
          hint: `declared stacks: ${[...declared].sort().join(', ')}`,
        });
    }
    for (const environment of STACK_ENVIRONMENTS) {
      if (!stack.environments[environment]) continue;
      const ns = stackNamespace(stack.name, environment);
      const other = namespaces.get(ns);
      if (other)
        throw new ProviderError(
          `stacks ${other} and ${stack.name}.${environment} would both be the Docker stack ${ns}`,
          {
            code: 'E_STACK_NAMESPACE',
            hint: 'rename one of the stacks',
          },
        );
      namespaces.set(ns, `${stack.name}.${environment}`);
    }
  }
  for (const stack of input.stacks) {
    for (const environment of STACK_ENVIRONMENTS) {
      const env = stack.environments[environment];
      if (!env) continue;
      const namespace = stackNamespace(stack.name, environment);
      const vars: Record<string, string> = {
        PHOENIX_STACK: stack.name,
        PHOENIX_ENVIRONMENT: environment,
        ...(env.host ? { PHOENIX_HOST: env.host } : {}),
      };
      for (const [k, v] of Object.entries({ ...stack.variables, ...env.variables })) vars[k] = String(v);
      const where = `stacks.${stack.name}.environments.${environment}`;
      let converted: ConvertedStack;
      try {
        const doc = loadCompose(stack.compose, vars, {
          configDir: input.secrets.configDir,
          schemaPath: input.composeSchemaPath,
        });
        const problems: ConvertProblem[] = [];
        for (const service of Object.keys(env.replicas)) {
          if (!(service in doc.services))
            problems.push({
              path: `/services`,
              message: `replicas given for unknown service "${service}" (${where}.replicas)`,
            });
        }
        converted = convertCompose(doc, { namespace, replicas: env.replicas }, problems);
        for (const spec of converted.services) {
          const extra = input.serviceLabels?.[spec.Name];
          if (extra)
            spec.Labels = Object.fromEntries(
              Object.entries({ ...spec.Labels, ...extra }).sort(([a], [b]) => a.localeCompare(b)),
            );
        }
        const refs = { ...stack.secrets, ...env.secrets };
        for (const s of converted.secrets) {
          if (!s.external && !(s.source in refs))
            problems.push({
              path: `/secrets/${s.source}`,
              message: `no value: add it to ${where}.secrets or the stack's secrets`,
            });
        }
        const targets = new Set(stack.files.map((f) => f.target));
        for (const c of converted.configs) {
          if (!c.external && !targets.has(c.source))
            problems.push({
              path: `/configs/${c.source}`,
              message: `no file: add { source, target: ${c.source} } to the stack's files`,
            });
        }
        if (problems.length > 0) throw new ComposeError(problems.map((p) => ({ ...p, file: stack.compose })));
      } catch (error) {
        if (error instanceof ComposeError) {
          throw new ProviderError(`stack ${namespace}: invalid compose file`, {
            code: 'E_STACK_COMPOSE',
            detail: error.message,
            resource: stackAddress(stack.name, environment),
          });
        }
        throw error;
      }
      const refs = { ...stack.secrets, ...env.secrets };
      const secrets: StackSecret[] = [];
      for (const s of converted.secrets.filter((x) => !x.external)) {
        const ref = refs[s.source]!;
        const value =
          input.resolve === null
            ? undefined
            : await (input.resolve ? input.resolve(ref) : resolveSecret(ref, input.secrets));
        secrets.push({
          source: s.source,
          ref,
          version: value === undefined ? 'unresolved' : await secretVersion(value, `${namespace}/${s.source}`),
        });
      }
      const configs: StackConfigFile[] = [];
      for (const c of converted.configs.filter((x) => !x.external)) {
        const file = stack.files.find((f) => f.target === c.source)!;
        const data = await readFile(join(input.secrets.configDir, file.source));
        configs.push({
          source: c.source,
          path: file.source,
          data: data.toString('base64'),
          version: createHash('sha256').update(data).digest('hex').slice(0, 12),
        });
      }
      const digest = createHash('sha256')
        .update(
          stableStringify({
            converted,
            secrets: secrets.map(({ source, version }) => ({ source, version })),
            configs: configs.map(({ source, version }) => ({ source, version })),
          }),
        )
        .digest('hex')
        .slice(0, 16);
      // The Swarm, and the Swarm-wide networks the compose file uses as external ones (typed
      // references: an external network Phoenix does not declare is no edge).
      const references = [
        { kind: 'swarm.cluster', address: 'swarm.cluster' },
        // Phoenix's Docker client certificate (pki provider): every deploy is a Docker call.
        { kind: 'pki.certificate', address: certificateAddress(PHOENIX_DOCKER_CLIENT_CERT) },
        ...converted.networks
          .filter((n) => n.external)
          .map((n) => ({ kind: 'swarm.network', address: `swarm.network.${n.name}` })),
      ];
      const dependsOn: string[] = [];
      for (const dep of stack.dependsOn) {
        if (!declared.has(dep)) continue;
        const other = input.stacks.find((s) => s.name === dep)!;
        if (other.environments[environment]) dependsOn.push(stackAddress(dep, environment));
        else for (const e of STACK_ENVIRONMENTS) if (other.environments[e]) dependsOn.push(stackAddress(dep, e));
      }
      resources.push({
        address: stackAddress(stack.name, environment),
        kind: STACK_KIND,
        desired: {
          stack: stack.name,
          environment,
          namespace,
          converted,
          secrets,
          configs,
          digest,
          ...(input.target ? { target: input.target } : {}),
        },
        dependsOn,
        references,
      });
    }
  }
  return resources;
}
