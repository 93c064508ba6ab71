/**
 * Typed references to host objects, for other providers' resources (a guest's bridge and
 * storage) and for this provider's own (an ACL's user, role and token; a rule's groups, ipsets
 * and aliases). The graph draws an edge only to a referenced object that is declared.
 */
import type { Resource, ResourceRef } from '../../engine/handler.ts';
import { ACL_KIND, type AclDesired } from './acl.ts';
import { bridgeAddress, BRIDGE_KIND } from './bridge.ts';
import { GROUP_KIND, referenceAddress } from './firewall-objects.ts';
import { FIREWALL_KIND } from './firewall.ts';
import { roleAddress, ROLE_KIND } from './role.ts';
import { ruleReferences, type NormRule } from './rules.ts';
import { storageAddress, STORAGE_KIND } from './storage.ts';
import { tokenAddress, TOKEN_KIND } from './token.ts';
import { userAddress, USER_KIND } from './user.ts';

export const bridgeRef = (node: string, name: string): ResourceRef => ({
  kind: BRIDGE_KIND,
  address: bridgeAddress(node, name),
});
export const storageRef = (id: string): ResourceRef => ({ kind: STORAGE_KIND, address: storageAddress(id) });

const FIREWALL_REF_KINDS: Record<string, string> = {
  group: GROUP_KIND,
  ipset: 'pve.fw-ipset',
  alias: 'pve.fw-alias',
};

function ruleRefs(rules: readonly NormRule[]): ResourceRef[] {
  return rules.flatMap(ruleReferences).map((ref) => ({
    kind: FIREWALL_REF_KINDS[ref.split(':')[0] ?? ''] ?? 'pve.fw-alias',
    address: referenceAddress(ref),
  }));
}

/** The references a host resource makes to other host resources (what the handlers used to compute). */
export function hostReferences(resource: Resource): ResourceRef[] {
  switch (resource.kind) {
    case ACL_KIND: {
      const d = resource.desired as AclDesired;
      const [user = d.ugid, token] = d.ugid.split('!');
      return [
        { kind: ROLE_KIND, address: roleAddress(d.role) },
        { kind: USER_KIND, address: userAddress(user) },
        ...(token ? [{ kind: TOKEN_KIND, address: tokenAddress(user, token) }] : []),
      ];
    }
    case TOKEN_KIND:
      return [{ kind: USER_KIND, address: userAddress((resource.desired as { user: string }).user) }];
    case FIREWALL_KIND:
    case GROUP_KIND:
      return ruleRefs((resource.desired as { rules: NormRule[] }).rules);
    default:
      return [];
  }
}
