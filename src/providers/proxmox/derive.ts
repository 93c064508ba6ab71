/**
 * Config → provider resources. Resolves every reference (template names, clone sources by
 * name or vmid, dependsOn), applies implicit dependencies (OS template file, cloud image,
 * clone source, explicit dependsOn) and lock keys (LXC clones of one source run one at a time:
 * PVE locks the source for the whole clone, spec §5.4).
 */
import type { Guest, PhoenixConfig, Template, VmTemplate } from '../../config/schema.ts';
import { cloneRoutes } from '../../config/placement.ts';
import { ConfigError, type Diagnostic } from '../../errors.ts';
import type { Resource } from '../../engine/handler.ts';
import { guestAddress, volid, type GuestSpec, type NetSpec, type StorageFileSpec } from './spec.ts';

export const GUEST_KIND = 'proxmox.guest';
export const FILE_KIND = 'proxmox.file';

export type GuestResource = Resource<GuestSpec>;
export type FileResource = Resource<StorageFileSpec>;

export interface DerivedResources {
  guests: GuestResource[];
  files: FileResource[];
  all: Resource[];
}

export function fileResourceAddress(templateName: string, node: string): string {
  return `template.${templateName}.${node}`;
}

/** The storage a downloaded cloud image goes to: one with `import` (or `iso`) content on the node. */
function imageStorage(config: PhoenixConfig, node: string): { storage: string; content: 'import' | 'iso' } {
  const usable = config.storage.filter((s) => !s.nodes || s.nodes.includes(node));
  const imp = usable.find((s) => s.content.includes('import'));
  if (imp) return { storage: imp.id, content: 'import' };
  const iso = usable.find((s) => s.content.includes('iso'));
  if (iso) return { storage: iso.id, content: 'iso' };
  return { storage: 'local', content: 'import' };
}

function defaultNode(config: PhoenixConfig): string {
  return config.cluster.nodes[0]?.name ?? 'pve';
}

export function deriveResources(config: PhoenixConfig): DerivedResources {
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, FileResource>();
  const guests: GuestResource[] = [];
  const templates = new Map(config.templates.map((t) => [t.name, t]));
  const byName = new Map<string, number>();
  for (const g of config.guests) byName.set(g.name, g.id);
  for (const t of config.templates) if (t.kind === 'vm') byName.set(t.name, t.vmid);
  const declared = new Set<number>([...config.guests.map((g) => g.id)]);
  for (const t of config.templates) if (t.kind === 'vm') declared.add(t.vmid);

  const resolveRef = (ref: string | number, where: string): number | undefined => {
    const vmid = typeof ref === 'number' ? ref : byName.get(ref);
    if (vmid === undefined)
      diagnostics.push({ severity: 'error', code: 'E_REF', message: `${where}: unknown guest "${ref}"` });
    return vmid;
  };

  const lxcTemplateFile = (t: Extract<Template, { kind: 'lxc' }>, node: string): FileResource => {
    const address = fileResourceAddress(t.name, node);
    const existing = files.get(address);
    if (existing) return existing;
    const spec: StorageFileSpec = {
      name: t.name,
      node,
      storage: t.storage,
      content: 'vztmpl',
      filename: t.file,
      source: t.source,
      url: t.url,
      checksum: parseChecksum(t.checksum),
    };
    const r: FileResource = { address, kind: FILE_KIND, desired: spec, dependsOn: [], node };
    files.set(address, r);
    return r;
  };

  const addTemplate = (t: VmTemplate): void => {
    const { spec, file } = vmTemplateSpec(config, t);
    if (file) files.set(file.address, file);
    guests.push({
      address: guestAddress(t.vmid),
      kind: GUEST_KIND,
      desired: spec,
      dependsOn: [...spec.dependsOn],
      node: t.node,
    });
  };
  for (const t of config.templates) if (t.kind === 'vm') addTemplate(t);
  // A clone to another node that PVE cannot make from the template itself (local storage):
  // made from a copy of the template on the guest's node (config/placement.ts cloneRoutes).
  const copyOf = new Map<number, number>();
  for (const route of cloneRoutes(config)) {
    if (route.kind !== 'copy') continue;
    copyOf.set(route.guest, route.copyVmid);
    if (declared.has(route.copyVmid)) continue;
    const t = templates.get(route.template);
    if (t?.kind !== 'vm') continue;
    declared.add(route.copyVmid);
    addTemplate({ ...t, name: `${t.name}-${route.node}`, vmid: route.copyVmid, node: route.node, copies: [] });
  }

  for (const g of config.guests) {
    const node = g.node || defaultNode(config);
    const dependsOn: string[] = [];
    const lockKeys: string[] = [];
    let source: GuestSpec['source'] | undefined;
    if (g.clone) {
      const from = copyOf.get(g.id) ?? resolveRef(g.clone.from, `guest ${g.name} clone.from`);
      if (from !== undefined) {
        source = { kind: 'clone', from, snapshot: g.clone.snapshot, full: g.clone.full };
        if (declared.has(from)) {
          dependsOn.push(guestAddress(from));
          source.fromAddress = guestAddress(from);
        }
        // LXC clones of one source are serialised by the provider for the clone task only
        // (create.ts `cloneLockKey`), not for the whole step: configuring and starting the
        // new container runs in parallel with the next clone.
      }
    } else if (g.template) {
      const t = templates.get(g.template);
      if (!t) {
        diagnostics.push({
          severity: 'error',
          code: 'E_REF',
          message: `guest ${g.name}: unknown template "${g.template}"`,
        });
      } else if (t.kind === 'lxc') {
        const file = lxcTemplateFile(t, node);
        source = { kind: 'ostemplate', volid: volid(file.desired), fileAddress: file.address };
        dependsOn.push(file.address);
      } else {
        const from = copyOf.get(g.id) ?? t.vmid;
        source = { kind: 'clone', from, fromAddress: guestAddress(from), full: true };
        dependsOn.push(guestAddress(from));
      }
    } else {
      diagnostics.push({
        severity: 'error',
        code: 'E_GUEST_SOURCE',
        message: `guest ${g.name}: needs either "template" or "clone"`,
        hint: 'name a template from the templates section, or clone: { from: <vmid or name> }',
      });
    }
    // `dependsOn` gates the guest's start, not its creation (the engine's phases).
    const startAfter: string[] = [];
    for (const ref of g.dependsOn) {
      const vmid = resolveRef(ref, `guest ${g.name} dependsOn`);
      if (vmid !== undefined && declared.has(vmid)) {
        dependsOn.push(guestAddress(vmid));
        startAfter.push(guestAddress(vmid));
      }
    }
    if (!source) continue;
    const spec = guestSpec(g, node, source, [...new Set(dependsOn)]);
    guests.push({
      address: guestAddress(g.id),
      kind: GUEST_KIND,
      desired: spec,
      dependsOn: spec.dependsOn,
      lockKeys,
      node,
      protected: g.protected,
      // A clone source it also depends on stays a creation dependency.
      startAfter: [...new Set(startAfter)].filter((a) => !(source?.kind === 'clone' && a === source.fromAddress)),
      // Created and configured stopped; the engine starts it once what it depends on is up.
      startsSeparately: spec.running && !spec.isTemplate,
      health: g.wait ? 'wait' : 'when-needed',
    });
  }
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  // A QEMU clone of a declared guest that runs waits for the other clones of it (spec §5.3).
  const running = new Set(guests.filter((g) => g.desired.running && !g.desired.isTemplate).map((g) => g.desired.vmid));
  for (const g of guests) {
    const source = g.desired.source;
    if (source.kind === 'clone' && source.fromAddress && running.has(source.from)) source.sourceRuns = true;
  }
  const fileList = [...files.values()];
  // Every guest carries this environment's ownership tag (guest-config.ts).
  if (config.environment) for (const g of guests) g.desired.environment = config.environment;
  return { guests, files: fileList, all: [...fileList, ...guests] };
}

function netSpecs(g: Guest): NetSpec[] {
  return g.net.map((n, i) => ({
    name: n.name,
    index: Number(/\d+$/.exec(n.name)?.[0] ?? i),
    bridge: n.bridge,
    ip: n.ip,
    gateway: n.gateway,
    mac: n.mac,
    vlan: n.vlan,
    firewall: n.firewall,
    model: g.type === 'vm' ? n.model : undefined,
  }));
}

function guestSpec(g: Guest, node: string, source: GuestSpec['source'], dependsOn: string[]): GuestSpec {
  const spec: GuestSpec = {
    vmid: g.id,
    name: g.name,
    type: g.type,
    node,
    source,
    cores: g.cores,
    memory: g.memory,
    disk: g.disk ? { storage: g.disk.storage, sizeGiB: g.disk.size } : undefined,
    net: netSpecs(g),
    nameserver: g.nameserver,
    searchdomain: g.searchdomain,
    mounts: g.mounts
      .filter((m) => m.storage !== undefined && m.size !== undefined)
      .map((m, i) => ({ index: i, path: m.path, storage: m.storage ?? '', sizeGiB: m.size ?? 0, backup: m.backup })),
    onboot: g.onboot,
    startup: g.startup,
    tags: g.tags,
    description: g.description,
    snapshots: g.snapshots,
    firewall: g.firewall
      ? {
          enabled: g.firewall.enabled,
          policyIn: g.firewall.policyIn,
          policyOut: g.firewall.policyOut,
          rules: g.firewall.rules.map((r) => ({
            action: r.action,
            type: r.type,
            proto: r.proto,
            dport: r.dport === undefined ? undefined : String(r.dport),
            sport: r.sport === undefined ? undefined : String(r.sport),
            source: r.source,
            dest: r.dest,
            comment: r.comment,
            enable: r.enabled,
          })),
        }
      : undefined,
    isTemplate: g.isTemplate,
    protected: g.protected,
    ...(g.restart ? { restart: { shutdownTimeoutSec: g.restart.shutdownTimeout, fallback: g.restart.fallback } } : {}),
    running: !g.isTemplate,
    dependsOn,
  };
  if (g.type === 'lxc') {
    spec.swap = g.swap;
    spec.unprivileged = g.unprivileged;
    if (g.features) {
      const features: Record<string, boolean> = {};
      for (const k of ['nesting', 'keyctl', 'fuse', 'mknod'] as const)
        if (g.features[k] !== undefined) features[k] = g.features[k];
      spec.features = features;
    }
    spec.rootPasswordRef = g.password;
    spec.rootSshKeys = g.sshKeys;
  } else {
    spec.agent = g.agent;
    if (g.cloudInit) {
      spec.cloudInit = {
        user: g.cloudInit.user,
        sshKeys: g.cloudInit.sshKeys,
        passwordRef: g.cloudInit.password,
        policy: g.cloudInit.policy,
      };
    }
  }
  return spec;
}

function vmTemplateSpec(config: PhoenixConfig, t: VmTemplate): { spec: GuestSpec; file?: FileResource } {
  let file: FileResource | undefined;
  let imageVolid: string;
  let fileAddr = '';
  if (t.image.url) {
    const target = imageStorage(config, t.node);
    const filename = decodeURIComponent(new URL(t.image.url).pathname.split('/').pop() || `${t.name}.qcow2`);
    const spec: StorageFileSpec = {
      name: t.name,
      node: t.node,
      storage: target.storage,
      content: target.content,
      filename,
      source: 'url',
      url: t.image.url,
      checksum: parseChecksum(t.image.checksum),
    };
    fileAddr = fileResourceAddress(t.name, t.node);
    file = { address: fileAddr, kind: FILE_KIND, desired: spec, dependsOn: [], node: t.node };
    imageVolid = volid(spec);
  } else {
    const f = t.image.file ?? '';
    imageVolid = f.includes(':') ? f : `${imageStorage(config, t.node).storage}:import/${f}`;
  }
  const spec: GuestSpec = {
    vmid: t.vmid,
    name: t.name,
    type: 'vm',
    node: t.node,
    source: { kind: 'image', volid: imageVolid, fileAddress: fileAddr, storage: t.storage },
    cores: t.cores,
    memory: t.memory,
    disk: t.diskSize ? { storage: t.storage, sizeGiB: t.diskSize } : undefined,
    net: t.bridge ? [{ name: 'net0', index: 0, bridge: t.bridge }] : [],
    mounts: [],
    tags: ['template'],
    snapshots: [],
    isTemplate: true,
    protected: false,
    running: false,
    agent: true,
    dependsOn: file ? [file.address] : [],
  };
  return { spec, file };
}

function parseChecksum(text: string | undefined): StorageFileSpec['checksum'] {
  if (!text) return undefined;
  const [algorithm, value] = text.split(':');
  if ((algorithm !== 'sha256' && algorithm !== 'sha512') || !value) return undefined;
  return { algorithm, value: value.toLowerCase() };
}
