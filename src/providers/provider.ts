/**
 * The provider contract (ARCHITECTURE "A provider is one folder"): what every provider module
 * declares so that plan, apply, status, graph, destroy, import and power iterate one registry
 * list instead of being wired by hand per kind. A provider is a plain object; the registry
 * (`registry.ts`) lists them. See readme.md in this folder for a short example.
 */
import type { ZodType } from 'zod';
import type { Dial } from '../clients/dial/dialer.ts';
import type { DockerClient } from '../clients/docker/client.ts';
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import type { PhoenixConfig } from '../config/schema.ts';
import type { AnyResourceHandler, ObservedResource, Resource } from '../engine/handler.ts';
import type { Diagnostic } from '../errors.ts';
import type { SourceLocation } from '../errors.ts';
import type { NodeShellAccess } from './node/access.ts';
import type { ShellResolver } from './node/resolver.ts';

export type { ResourceRef } from '../engine/handler.ts';

/** Opens a raw byte stream to `host:port` (direct TCP or a tunnel); see `ProviderRuntime.dialer`. */
export type { Dial };

/** Phoenix's own secrets for one environment, encrypted in the state file. */
export interface SecretVault {
  get(name: string): string | undefined;
  put(name: string, value: string): void;
  delete(name: string): void;
}

/**
 * What an environment offers, known before anything is contacted: the config and whether the
 * nodes' shells can be reached. `derive` and `graph` see only this, so `phoenix graph` and
 * `phoenix apply` derive the same resources and edges.
 */
export interface ProviderSettings {
  /** The merged config; sections contributed by providers' fragments appear under their keys. */
  config: PhoenixConfig;
  /** Absolute config directory (relative paths in the config resolve against it). */
  configDir: string;
  /** True when the nodes' shells (SSH) can be reached: `proxmox.ssh`, a test's endpoints, the built-in simulator. */
  nodeShell: boolean;
  /** True when the built-in simulator serves this environment (no endpoint configured). */
  builtinSimulator?: boolean;
  /** Where a config value is declared (the loader's source map), for located diagnostics. */
  locate?: (path: readonly (string | number)[]) => SourceLocation | undefined;
  /**
   * The environment's secret resolver, for a derivation that versions secret values (a Swarm
   * secret's name carries a slow salted digest of its value). Absent in `phoenix graph`: such a
   * derivation then leaves versions unresolved (edges do not depend on them).
   */
  resolveSecret?(ref: string): Promise<string>;
  /** True when the Swarm guests' Docker Engine API can be reached (the runtime offers `swarmDocker`). */
  swarmApi?: boolean;
}

/** Phoenix's own token and the roles the config grants it: observed, never changed. */
export interface SelfAccessInfo {
  tokenId: string;
  roles: string[];
}

/** What handlers are built from. Clients are created on first use, never at registration. */
export interface ProviderRuntime extends ProviderSettings {
  /** Name of the environment the lease and the journal are kept under (the endpoint). */
  environment: string;
  /** This environment's identity, carried in every ownership marker (`environment:` or derived). */
  identity: string;
  /** Phoenix's own token and roles (absent on the built-in simulator's implicit token). */
  self?: SelfAccessInfo;
  resolveSecret(ref: string): Promise<string>;
  /** The environment's Proxmox VE client (the config's endpoint, an override, or the built-in simulator). */
  proxmox(): ProxmoxClient;
  /** How the nodes' shells are reached; undefined when they cannot be. */
  nodeAccess?: NodeShellAccess;
  /** Shells into nodes and guests, one set of connections shared by every provider; undefined without access. */
  shells?: ShellResolver;
  /**
   * The dialer for a step-ca inside a guest when it is not routable from here: the built-in
   * simulator runs the guest's CA in-process and answers its loopback address.
   */
  dialStepCa?(ca: { vmid: number; baseDir: string }): Promise<{ host: string; port: number }>;
  /**
   * The dialer for services inside guests behind `node` (src/clients/dial): direct where the
   * address is on a local subnet, else an SSH tunnel on that node's shell connection.
   */
  dialer?(node: string): Dial;
  /**
   * The built-in simulator's Docker Engine of a Swarm guest (a local socket the simulator
   * serves); absent for real guests, which are reached on their TLS port through `dialer`.
   */
  dialDocker?(guest: { vmid: number; name: string; address: string }): Promise<{ socketPath: string }>;
  /** Bound of one task or lock wait (ms). */
  taskTimeoutMs?: number;
  /**
   * True for an untagged object that is nevertheless Phoenix's: adopted with `phoenix import`,
   * or mid-create by an interrupted apply (its journal step is still `started`).
   */
  isAdopted(address: string, observed: { lock?: string }): boolean;
  /** Registers a cleanup (close a client the provider opened) run when the environment closes. */
  onClose(close: () => Promise<void>): void;
  /** The Docker Engine API of a Swarm guest (by vmid); absent when it cannot be reached. */
  swarmDocker?(vmid: number): DockerClient;
  /**
   * Overrides `dialer` for every guest: the built-in simulator's loopback services (its
   * Portainer) or a test's. TLS still runs end to end on top.
   */
  dial?: Dial;
  /** Phoenix's own secrets for this environment, encrypted in the state file (e.g. an API key it received). */
  vault?(): SecretVault;
}

export interface DeriveResult {
  /**
   * The desired resources. Implicit edges come only from their typed `references`
   * (`Resource.references`); explicit ones from `dependsOn`.
   */
  resources: Resource[];
  /** Errors stop the command (like config errors); warnings are shown once and the command goes on. */
  diagnostics?: Diagnostic[];
}

/** Extra status columns of one resource, e.g. a guest's id, name, power state and address. */
export type StatusDetails = Record<string, string>;

export interface Provider {
  /** Short name, equal to its folder: `proxmox`, `pve-host`, `node`, `pki`, ... */
  readonly name: string;
  /**
   * Config sections (top-level keys, or `key.sub` for part of one) whose declarations this
   * provider turns into resources. A declared section no registered provider claims is named
   * in plan/apply/up output as "declared, not managed by this version".
   */
  readonly sections: readonly string[];
  /**
   * Top-level config keys this provider adds to the schema (zod). They are composed into the one
   * config schema (`phoenix schema`, the reference doc, editor completion) and parsed values
   * appear on `config` under the same key. Sections defined in src/config/schema.ts need none.
   */
  readonly configFragment?: Readonly<Record<string, ZodType>>;
  /** Semantic checks beyond the schema (references, overlaps), with located diagnostics. */
  check?(config: PhoenixConfig): Diagnostic[];
  /** Every resource kind this provider's handlers own (discovery for prune/destroy, the registry test). */
  readonly kinds: readonly string[];
  /**
   * Kinds whose managed objects every plan discovers even when none is declared (a guest left
   * out of the config is worth showing); the others only with --prune. Each costs reads.
   */
  readonly alwaysDiscover?: readonly string[];
  /**
   * Kinds `phoenix destroy` leaves in place by design, with the reason shown to the user (a
   * storage definition would orphan its volumes; a package may serve others).
   */
  readonly keptOnDestroy?: Readonly<Record<string, string>>;
  /**
   * Config -> desired resources. No side effects; it may read files the config names (a compose
   * file) and, through `settings.resolveSecret`, secret values to version them: then it is async.
   */
  derive(settings: ProviderSettings): DeriveResult | Promise<DeriveResult>;
  /** One handler per kind in `kinds`; clients are built lazily from `runtime`. */
  handlers(runtime: ProviderRuntime): AnyResourceHandler[] | Promise<AnyResourceHandler[]>;
  /** Extra columns for `phoenix status` (the row model itself is generic). */
  statusDetails?(resource: Resource | undefined, observed: ObservedResource | undefined): StatusDetails;
  /**
   * How a user names a resource of this provider (`101`, `nginx-gateway`) -> its address, for
   * `--target`, `start`, `import`. Undefined when the text is not one of its names.
   */
  resolveName?(text: string, resources: readonly Resource[]): string | undefined;
  /**
   * `phoenix import <id>`: the kind whose handler `import` adopts ids of this form, and how the
   * adopted resource is written back as config (a YAML fragment keyed by section).
   */
  importer?: ProviderImporter;
}

export interface ProviderImporter {
  /** The kind whose handler implements `import`. */
  kind: string;
  /** True when `id` is something this provider imports (e.g. a numeric vmid). */
  accepts(id: string): boolean;
  /** The address the adopted resource will have. */
  address(id: string): string;
  /**
   * The config fragment to write for the adopted resource, e.g. `{ guests: [ ... ] }`, with the
   * entries of `related` (from the handler's `import`) the config does not declare yet — the
   * fragment must validate as written.
   */
  toConfig(
    resource: Resource,
    observed: unknown,
    config: PhoenixConfig,
    related?: Readonly<Record<string, readonly Record<string, unknown>[]>>,
  ): Record<string, unknown>;
  /**
   * What the next apply would change on the adopted object besides the ownership marker, given
   * the resource as derived from the config with the written file and what `import` read; one
   * line per change, e.g. `cores: (unset) → 1`. Absent: nothing but the marker.
   */
  pendingChanges?(resource: Resource, observed: unknown): string[];
  /** Default file (relative to the config dir) the fragment is written to. */
  file(id: string): string;
  /** What the next apply does with the adopted resource, for the file's header comment (lines: one comment line each). */
  note?: string;
}

/** Identity helper: checks the object against the contract where it is written. */
export function defineProvider<P extends Provider>(provider: P): P {
  return provider;
}
