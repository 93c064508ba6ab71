/**
 * Firewall (spec A.8): options, rules (insert at top, `enable` default 0, `moveto`, digest),
 * security groups, ipsets and aliases at cluster, node and guest level. Error texts and
 * their kinds (param errors vs plain 500s) follow pve-firewall `src/PVE/API2/Firewall/*.pm`.
 */
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { requireGuest, requireNode, type SimContext } from '../state/context.ts';
import { emptyScope, listDigest, type FwRule, type FwScope } from '../state/firewall.ts';
import { route } from './envelope.ts';

const RULE_KEYS = [
  'type',
  'action',
  'enable',
  'macro',
  'iface',
  'source',
  'dest',
  'proto',
  'dport',
  'sport',
  'icmp-type',
  'log',
  'comment',
  'ipversion',
];

function paramError(param: string, message: string): SimApiError {
  return new SimApiError(400, 'Parameter verification failed.', { [param]: message });
}

function checkDigest(current: unknown, digest: unknown): void {
  if (digest !== undefined && digest !== listDigest(current))
    throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
}

function ruleList(rules: FwRule[]): unknown[] {
  const digest = listDigest(rules);
  return rules.map((r, pos) => ({ ...r, pos, digest }));
}

function ruleRoutes(base: string, rulesOf: (req: SimRequest) => FwRule[], ctx: SimContext): SimRoute[] {
  const at = (req: SimRequest): { rules: FwRule[]; pos: number } => {
    const rules = rulesOf(req);
    const pos = Number(req.params.pos);
    if (!rules[pos]) throw new SimApiError(500, `no rule at position ${pos}`);
    return { rules, pos };
  };
  void ctx;
  return [
    route('GET', base, (req) => ruleList(rulesOf(req))),
    route('POST', base, (req) => {
      const rules = rulesOf(req);
      checkDigest(rules, req.params.digest);
      const rule: FwRule = { enable: 0 };
      for (const k of RULE_KEYS) if (req.params[k] !== undefined) rule[k] = req.params[k] as string | number;
      rules.unshift(rule); // Spec A.8: always inserted at the top, `pos` ignored.
      return null;
    }),
    route('GET', `${base}/{pos}`, (req) => {
      const { rules, pos } = at(req);
      return { ...rules[pos], pos };
    }),
    route('PUT', `${base}/{pos}`, (req) => {
      const { rules, pos } = at(req);
      checkDigest(rules, req.params.digest);
      const rule = rules[pos] as FwRule;
      for (const k of RULE_KEYS) {
        const v = req.params[k];
        if (v === '' || v === '-') delete rule[k];
        else if (v !== undefined) rule[k] = v as string | number;
      }
      for (const k of String(req.params.delete ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean))
        delete rule[k];
      if (req.params.moveto !== undefined) {
        rules.splice(pos, 1);
        rules.splice(Math.min(Number(req.params.moveto), rules.length), 0, rule);
      }
      return null;
    }),
    route('DELETE', `${base}/{pos}`, (req) => {
      const { rules, pos } = at(req);
      checkDigest(rules, req.params.digest);
      rules.splice(pos, 1);
      return null;
    }),
  ];
}

function scopeRoutes(base: string, scopeOf: (req: SimRequest) => FwScope, ctx: SimContext): SimRoute[] {
  function ipsetEntry(req: SimRequest) {
    const set = scopeOf(req).ipsets[String(req.params.name)];
    if (!set) throw new SimApiError(500, `no such IPSet '${String(req.params.name)}'`);
    const entry = set.entries.find((e) => e.cidr === String(req.params.cidr));
    if (!entry) throw paramError('cidr', 'no such IP/Network');
    return { set, entry };
  }
  return [
    route('GET', `${base}/options`, (req) => ({ ...scopeOf(req).options, digest: listDigest(scopeOf(req).options) })),
    route('PUT', `${base}/options`, (req) => {
      const scope = scopeOf(req);
      checkDigest(scope.options, req.params.digest);
      for (const [k, v] of Object.entries(req.params)) {
        if (['node', 'vmid', 'digest', 'delete'].includes(k) || v === undefined) continue;
        scope.options[k] = v as string | number;
      }
      for (const k of String(req.params.delete ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean))
        delete scope.options[k];
      return null;
    }),
    ...ruleRoutes(`${base}/rules`, (req) => scopeOf(req).rules, ctx),
    route('GET', `${base}/ipset`, (req) =>
      Object.entries(scopeOf(req).ipsets).map(([name, s]) => ({ name, comment: s.comment, digest: listDigest(s) })),
    ),
    route('POST', `${base}/ipset`, (req) => {
      const scope = scopeOf(req);
      const name = String(req.params.name);
      if (scope.ipsets[name] && req.params.rename === undefined)
        throw paramError('name', `IPSet '${name}' already exists`);
      scope.ipsets[name] = { comment: req.params.comment as string | undefined, entries: [] };
      return null;
    }),
    route('GET', `${base}/ipset/{name}`, (req) => {
      const set = scopeOf(req).ipsets[String(req.params.name)];
      if (!set) throw new SimApiError(500, `no such IPSet '${String(req.params.name)}'`);
      return set.entries.map((e) => ({ ...e, digest: listDigest(set.entries) }));
    }),
    route('POST', `${base}/ipset/{name}`, (req) => {
      const set = scopeOf(req).ipsets[String(req.params.name)];
      if (!set) throw new SimApiError(500, `no such IPSet '${String(req.params.name)}'`);
      const cidr = String(req.params.cidr);
      if (set.entries.some((e) => e.cidr === cidr)) throw paramError('cidr', `address '${cidr}' already exists`);
      // pve-firewall IPSet.pm: new entries are unshifted, like rules.
      set.entries.unshift({
        cidr,
        ...(req.params.comment ? { comment: String(req.params.comment) } : {}),
        ...(req.params.nomatch ? { nomatch: 1 } : {}),
      });
      return null;
    }),
    // Single entries (pve-firewall API2/Firewall/IPSet.pm): read, update comment/nomatch, remove.
    route('GET', `${base}/ipset/{name}/{cidr}`, (req) => ipsetEntry(req).entry),
    route('PUT', `${base}/ipset/{name}/{cidr}`, (req) => {
      const { set, entry } = ipsetEntry(req);
      checkDigest(set.entries, req.params.digest);
      if (req.params.comment !== undefined) {
        if (req.params.comment === '') delete entry.comment;
        else entry.comment = String(req.params.comment);
      }
      if (req.params.nomatch !== undefined) {
        if (req.params.nomatch === 1) entry.nomatch = 1;
        else delete entry.nomatch;
      }
      return null;
    }),
    route('DELETE', `${base}/ipset/{name}/{cidr}`, (req) => {
      const { set, entry } = ipsetEntry(req);
      checkDigest(set.entries, req.params.digest);
      set.entries.splice(set.entries.indexOf(entry), 1);
      return null;
    }),
    route('DELETE', `${base}/ipset/{name}`, (req) => {
      const name = String(req.params.name);
      const set = scopeOf(req).ipsets[name];
      if (set && set.entries.length > 0 && req.params.force !== 1)
        throw new SimApiError(500, `IPSet '${name}' is not empty`);
      delete scopeOf(req).ipsets[name];
      return null;
    }),
    route('GET', `${base}/aliases`, (req) =>
      Object.entries(scopeOf(req).aliases).map(([name, a]) => ({
        name,
        ...a,
        digest: listDigest(scopeOf(req).aliases),
      })),
    ),
    route('POST', `${base}/aliases`, (req) => {
      const scope = scopeOf(req);
      const name = String(req.params.name);
      if (scope.aliases[name]) throw paramError('name', `alias '${name}' already exists`);
      scope.aliases[name] = {
        cidr: String(req.params.cidr),
        ...(req.params.comment ? { comment: String(req.params.comment) } : {}),
      };
      return null;
    }),
    route('GET', `${base}/aliases/{name}`, (req) => {
      const alias = scopeOf(req).aliases[String(req.params.name)];
      if (!alias) throw paramError('name', 'no such alias');
      return { name: String(req.params.name), ...alias, digest: listDigest(scopeOf(req).aliases) };
    }),
    route('PUT', `${base}/aliases/{name}`, (req) => {
      const aliases = scopeOf(req).aliases;
      const name = String(req.params.name);
      // Aliases.pm update_alias: the list digest is checked first, under the firewall lock.
      checkDigest(aliases, req.params.digest);
      const alias = aliases[name];
      if (!alias) throw paramError('name', 'no such alias');
      const next = {
        cidr: String(req.params.cidr),
        ...(req.params.comment ? { comment: String(req.params.comment) } : {}),
      };
      const rename = req.params.rename === undefined ? name : String(req.params.rename);
      if (rename !== name) {
        if (aliases[rename]) throw paramError('rename', `alias '${rename}' already exists`);
        delete aliases[name];
      }
      aliases[rename] = next;
      return null;
    }),
    route('DELETE', `${base}/aliases/{name}`, (req) => {
      // Aliases.pm remove_alias: compare-and-delete on the list digest; a missing name is no error.
      checkDigest(scopeOf(req).aliases, req.params.digest);
      delete scopeOf(req).aliases[String(req.params.name)];
      return null;
    }),
  ];
}

export function firewallRoutes(ctx: SimContext): SimRoute[] {
  const cluster = ctx.firewall.cluster;
  const guestScope =
    (type: 'qemu' | 'lxc') =>
    (req: SimRequest): FwScope => {
      const guest = requireGuest(ctx, req.params.node, req.params.vmid, type);
      return (ctx.firewall.guests[String(guest.vmid)] ??= emptyScope());
    };
  const nodeScope = (req: SimRequest): FwScope =>
    (ctx.firewall.nodes[requireNode(ctx, req.params.node).name] ??= emptyScope());
  const group = (req: SimRequest): FwRule[] => {
    const g = cluster.groups[String(req.params.group)];
    if (!g) throw new SimApiError(500, `no such security group '${String(req.params.group)}'`);
    return g.rules;
  };
  return [
    ...scopeRoutes('/cluster/firewall', () => cluster, ctx),
    ...scopeRoutes('/nodes/{node}/qemu/{vmid}/firewall', guestScope('qemu'), ctx),
    ...scopeRoutes('/nodes/{node}/lxc/{vmid}/firewall', guestScope('lxc'), ctx),
    route('GET', '/nodes/{node}/firewall/options', (req) => ({
      ...nodeScope(req).options,
      digest: listDigest(nodeScope(req).options),
    })),
    route('PUT', '/nodes/{node}/firewall/options', (req) => {
      const scope = nodeScope(req);
      checkDigest(scope.options, req.params.digest);
      for (const [k, v] of Object.entries(req.params)) {
        if (['node', 'digest', 'delete'].includes(k) || v === undefined) continue;
        scope.options[k] = v as string | number;
      }
      for (const k of String(req.params.delete ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean))
        delete scope.options[k];
      return null;
    }),
    ...ruleRoutes('/nodes/{node}/firewall/rules', (req) => nodeScope(req).rules, ctx),
    route('GET', '/cluster/firewall/groups', () =>
      Object.entries(cluster.groups).map(([group, g]) => ({
        group,
        comment: g.comment,
        digest: listDigest(cluster.groups),
      })),
    ),
    route('POST', '/cluster/firewall/groups', (req) => {
      const name = String(req.params.group);
      if (cluster.groups[name] && req.params.rename === undefined)
        throw paramError('group', `Security group '${name}' already exists`);
      cluster.groups[name] = { comment: req.params.comment as string | undefined, rules: [] };
      return null;
    }),
    route('DELETE', '/cluster/firewall/groups/{group}', (req) => {
      if (group(req).length > 0)
        throw new SimApiError(500, `Security group '${String(req.params.group)}' is not empty`);
      delete cluster.groups[String(req.params.group)];
      return null;
    }),
    ...ruleRoutes('/cluster/firewall/groups/{group}', group, ctx),
  ];
}
