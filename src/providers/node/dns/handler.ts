/**
 * `node.dns`: the dnsmasq hosts file and conf snippet on a node, reloaded (`systemctl reload`,
 * which is SIGHUP for Debian's dnsmasq unit) only when a file changed. The dnsmasq package and
 * its running service are separate `node.packages` / `node.service` resources this one depends on.
 */
import type { Diagnostic } from '../../../errors.ts';
import type { Resource } from '../../../engine/handler.ts';
import { fileSetHandler, type FileSetDesired } from '../managed-files.ts';
import { observeService, systemctl } from '../service.ts';
import type { ShellResolver } from '../resolver.ts';
import type { NodeSource } from '../source.ts';
import { deriveDnsRecords } from './records.ts';
import { renderDnsmasq } from './render.ts';

export const DNS_KIND = 'node.dns';

export interface DnsDesired extends FileSetDesired {
  unit: string;
}

export interface DnsPaths {
  hostsPath: string;
  confPath: string;
}

export const DEFAULT_DNS_PATHS: DnsPaths = {
  hostsPath: '/etc/phoenix/dnsmasq.hosts',
  confPath: '/etc/dnsmasq.d/phoenix.conf',
};

export function dnsHandler(shells: ShellResolver) {
  return fileSetHandler<DnsDesired>(shells, {
    kind: DNS_KIND,
    async afterChange(shell, desired) {
      // A stopped dnsmasq reads the new files when it starts; reloading it would fail.
      if ((await observeService(shell, desired.unit)).active) await systemctl(shell, 'reload', desired.unit);
    },
  });
}

/** The `node.dns` resource of a node, plus what it depends on, derived from the config. */
export function dnsResource(
  source: NodeSource,
  node: string,
  paths: DnsPaths = DEFAULT_DNS_PATHS,
): { resource: Resource<DnsDesired>; diagnostics: Diagnostic[] } {
  const derived = deriveDnsRecords(source);
  const rendered = renderDnsmasq(derived.domain, derived.records, paths.hostsPath, source.environment);
  return {
    resource: {
      address: `node.${node}.dns`,
      kind: DNS_KIND,
      node,
      dependsOn: [`node.${node}.packages.dnsmasq`, `node.${node}.service.dnsmasq`],
      desired: {
        node,
        unit: 'dnsmasq',
        files: { [paths.hostsPath]: rendered.hosts, [paths.confPath]: rendered.conf },
        ...(source.environment ? { environment: source.environment } : {}),
      },
    },
    diagnostics: derived.diagnostics,
  };
}
