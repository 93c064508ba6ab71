/**
 * Derivation: the host resources of a config — bridges (`network.bridges`, per node), storages
 * (`storage`), and the `host` section (ZFS pools, firewall, pools, roles, users, tokens, ACLs).
 */
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Resource } from '../../engine/handler.ts';
import { aclAddress, ACL_KIND, type AclDesired } from './acl.ts';
import { bridgeAddress, BRIDGE_KIND, type BridgeDesired } from './bridge.ts';
import { ALIAS_KIND, GROUP_KIND, IPSET_KIND } from './firewall-objects.ts';
import { firewallAddress, FIREWALL_KIND, type FirewallDesired } from './firewall.ts';
import { poolAddress, POOL_KIND } from './pool.ts';
import { roleAddress, ROLE_KIND } from './role.ts';
import { hostReferences } from './refs.ts';
import { normDesired } from './rules.ts';
import { marker } from './marker.ts';
import { claimsAddress, CLAIMED_KINDS, CLAIMS_KIND, type ClaimsDesired } from './claims.ts';
import { storageAddress, STORAGE_KIND } from './storage.ts';
import { tokenAddress, TOKEN_KIND, type TokenDesired } from './token.ts';
import { userAddress, USER_KIND } from './user.ts';
import { zfsAddress, ZFS_KIND, type ZfsDesired } from './zfs.ts';

function res<D>(address: string, kind: string, desired: D, extra: Partial<Resource<D>> = {}): Resource<D> {
  return { address, kind, desired, dependsOn: [], ...extra };
}

export function deriveHostResources(config: PhoenixConfig): Resource[] {
  const out: Resource[] = [];
  // Firewall rules carry the ownership marker in their desired comment.
  const m = marker(config.environment);
  const nodes = config.cluster.nodes.length > 0 ? config.cluster.nodes.map((n) => n.name) : ['pve'];
  for (const b of config.network.bridges) {
    for (const node of b.node ? [b.node] : nodes) {
      const desired: BridgeDesired = {
        node,
        name: b.name,
        cidr: b.cidr,
        ...(b.gateway ? { gateway: b.gateway } : {}),
        vlanAware: b.vlanAware,
        ports: b.ports,
        ...(b.comment ? { comment: b.comment } : {}),
      };
      // One node's staged network edits are applied together: never two bridge edits at once.
      out.push(res(bridgeAddress(node, b.name), BRIDGE_KIND, desired, { node, lockKeys: [`network:${node}`] }));
    }
  }
  const zfs = config.host.zfs;
  for (const z of zfs) {
    const desired: ZfsDesired = {
      node: z.node,
      name: z.name,
      devices: z.devices,
      raidlevel: z.raidlevel,
      ...(z.ashift !== undefined ? { ashift: z.ashift } : {}),
      ...(z.compression ? { compression: z.compression } : {}),
      ...(z.addStorage ? { addStorage: true } : {}),
    };
    // Never destroyed: a change that would need destroy + create is refused in the plan.
    out.push(res(zfsAddress(z.node, z.name), ZFS_KIND, desired, { node: z.node, protected: true }));
  }
  for (const s of config.storage) {
    // A zfspool storage on a declared pool (`tank` or `tank/data`) waits for the pool.
    const root = s.type === 'zfspool' && typeof s.pool === 'string' ? s.pool.split('/')[0] : undefined;
    const pools = zfs.filter((z) => z.name === root && !z.addStorage).map((z) => zfsAddress(z.node, z.name));
    out.push(res(storageAddress(s.id), STORAGE_KIND, s, { protected: true, dependsOn: pools }));
  }

  const host = config.host;
  for (const p of host.pools)
    out.push(res(poolAddress(p.id), POOL_KIND, { id: p.id, ...(p.comment ? { comment: p.comment } : {}) }));
  for (const r of host.roles) out.push(res(roleAddress(r.id), ROLE_KIND, { id: r.id, privileges: r.privileges }));
  for (const u of host.users)
    out.push(
      res(userAddress(u.id), USER_KIND, {
        id: u.id,
        enabled: u.enabled,
        ...(u.comment ? { comment: u.comment } : {}),
        ...(u.email ? { email: u.email } : {}),
      }),
    );
  for (const t of host.tokens) {
    const desired: TokenDesired = {
      user: t.user,
      name: t.name,
      privsep: t.privsep,
      secret: t.secret,
      ...(t.comment ? { comment: t.comment } : {}),
    };
    out.push(res(tokenAddress(t.user, t.name), TOKEN_KIND, desired));
  }
  for (const a of host.acl) {
    const ugid = a.user ?? a.token ?? '';
    const desired: AclDesired = {
      path: a.path,
      role: a.role,
      type: a.user ? 'user' : 'token',
      ugid,
      propagate: a.propagate,
    };
    out.push(res(aclAddress(a.path, a.role, ugid), ACL_KIND, desired));
  }

  const fw = host.firewall;
  if (fw?.cluster) {
    const c = fw.cluster;
    const options: FirewallDesired['options'] = {};
    if (c.enabled !== undefined) options.enable = c.enabled ? 1 : 0;
    if (c.policyIn) options.policy_in = c.policyIn;
    if (c.policyOut) options.policy_out = c.policyOut;
    out.push(
      res(firewallAddress('cluster'), FIREWALL_KIND, {
        level: 'cluster',
        options,
        rules: c.rules.map((r) => normDesired(r, m)),
      }),
    );
  }
  for (const n of fw?.nodes ?? []) {
    const options: FirewallDesired['options'] = n.enabled === undefined ? {} : { enable: n.enabled ? 1 : 0 };
    const desired: FirewallDesired = {
      level: 'node',
      node: n.node,
      options,
      rules: n.rules.map((r) => normDesired(r, m)),
    };
    out.push(res(firewallAddress('node', n.node), FIREWALL_KIND, desired, { node: n.node }));
  }
  for (const g of fw?.groups ?? [])
    out.push(
      res(`firewall.group.${g.name}`, GROUP_KIND, {
        name: g.name,
        rules: g.rules.map((r) => normDesired(r, m)),
        ...(g.comment ? { comment: g.comment } : {}),
      }),
    );
  for (const s of fw?.ipsets ?? [])
    out.push(
      res(`firewall.ipset.${s.name}`, IPSET_KIND, {
        name: s.name,
        cidrs: s.cidrs,
        ...(s.comment ? { comment: s.comment } : {}),
      }),
    );
  for (const a of fw?.aliases ?? [])
    out.push(
      res(`firewall.alias.${a.name}`, ALIAS_KIND, {
        name: a.name,
        cidr: a.cidr,
        ...(a.comment ? { comment: a.comment } : {}),
      }),
    );
  // The comment-less objects this environment declares, recorded where other environments see them.
  const claimed = out.filter((r) => CLAIMED_KINDS.includes(r.kind)).map((r) => r.address);
  if (config.environment && claimed.length > 0) {
    const desired: ClaimsDesired = { environment: config.environment, addresses: claimed.sort() };
    out.push(res(claimsAddress(config.environment), CLAIMS_KIND, desired));
  }
  // Implicit edges (an ACL after its user, role and token; rules after their groups, IP sets, aliases).
  return out.map((r) => {
    const references = hostReferences(r);
    return references.length > 0 ? { ...r, references } : r;
  });
}
