/**
 * References of the platform layer: role placement, certificates, routes (guest or stack
 * service targets, TLS certificates that cover the host), stacks (compose file, services,
 * files, dependencies) and DNS records.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fsReason, isPermissionError } from '../fs-errors.ts';
import { join } from 'node:path';
import { parse } from 'yaml';
import { guestRoles, type PlatformRole } from '../schema.ts';
import { parseIpv4 } from '../schema-common.ts';
import { findGuest, guestLabel, listNames, type CheckContext } from './context.ts';

/**
 * The stack platform.portainer becomes (providers/portainer/stack.ts; a test there checks these
 * names): the config layer cannot import providers, so the names are stated here.
 */
export const PORTAINER_STACK = { name: 'portainer', services: ['portainer', 'agent'] } as const;

const SINGLE_ROLES: PlatformRole[] = ['step-ca', 'gateway', 'traefik', 'portainer-server'];

export function checkPlatform(ctx: CheckContext): void {
  const { config } = ctx;
  const holders = new Map<PlatformRole, number[]>();
  config.guests.forEach((guest, gi) => {
    for (const role of guestRoles(guest)) holders.set(role, [...(holders.get(role) ?? []), gi]);
  });
  for (const role of SINGLE_ROLES) {
    const [first, ...rest] = holders.get(role) ?? [];
    for (const gi of rest) {
      const firstGuest = first === undefined ? undefined : config.guests[first];
      ctx.report(
        ['guests', gi, 'role'],
        'E_ROLE',
        `role ${role} is already played by ${firstGuest ? guestLabel(firstGuest) : 'another guest'}`,
        `only one guest may be ${role}`,
      );
    }
  }
  const requires: [PlatformRole, PlatformRole][] = [
    ['swarm-worker', 'swarm-manager'],
    ['portainer-agent', 'portainer-server'],
    ['portainer-server', 'swarm-manager'],
  ];
  for (const [role, needed] of requires) {
    if (holders.has(needed)) continue;
    for (const gi of holders.get(role) ?? []) {
      ctx.report(
        ['guests', gi, 'role'],
        'E_ROLE',
        `role ${role} needs a guest with role ${needed}`,
        `add role: ${needed} to one guest`,
      );
    }
  }
  config.certificates.forEach((cert, ci) => {
    if (cert.guest !== undefined && !findGuest(ctx, cert.guest)) {
      ctx.report(
        ['certificates', ci, 'guest'],
        'E_UNKNOWN_GUEST',
        `certificate "${cert.name}": no guest ${JSON.stringify(cert.guest)}`,
        `known guests: ${listNames(ctx.guestsByName.keys())}`,
      );
    }
    if (!holders.has('step-ca')) {
      ctx.report(
        ['certificates', ci, 'issuer'],
        'E_ROLE',
        `certificate "${cert.name}" is issued by step-ca, but no guest has role step-ca`,
        'add role: step-ca to the CA guest',
      );
    }
  });
  const services = checkStacks(ctx, holders.has('swarm-manager'));
  // platform.portainer is deployed as a stack of its own (the portainer provider): routable too.
  if (config.platform?.portainer && !services.has(PORTAINER_STACK.name))
    services.set(PORTAINER_STACK.name, new Set(PORTAINER_STACK.services));
  checkRoutes(ctx, services);
  config.dns.records.forEach((record, ri) => {
    if (record.type === 'A' && parseIpv4(record.value) === undefined) {
      ctx.report(
        ['dns', 'records', ri, 'value'],
        'E_DNS_VALUE',
        `A record value "${record.value}" is not an IPv4 address`,
        'use an address like 10.0.0.10, or type: CNAME for a name',
      );
    }
    if (record.type === 'CNAME' && !/^[a-z0-9.-]+$/i.test(record.value)) {
      ctx.report(
        ['dns', 'records', ri, 'value'],
        'E_DNS_VALUE',
        `CNAME value "${record.value}" is not a host name`,
        'point a CNAME at another name, e.g. gateway.home.arpa',
      );
    }
  });
}

/** Checks each stack and returns its compose service names (for route targets). */
function checkStacks(ctx: CheckContext, hasManager: boolean): Map<string, Set<string>> {
  const services = new Map<string, Set<string>>();
  const names = new Set(ctx.config.stacks.map((s) => s.name));
  ctx.config.stacks.forEach((stack, si) => {
    if (!hasManager)
      ctx.report(
        ['stacks', si, 'target'],
        'E_ROLE',
        `stack "${stack.name}" targets the swarm, but no guest has role swarm-manager`,
        'add role: swarm-manager to a VM',
      );
    const found = readComposeServices(ctx, ['stacks', si, 'compose'], stack.compose);
    if (found) services.set(stack.name, found);
    stack.files.forEach((file, fi) => {
      if (!isFile(join(ctx.loaded.dir, file.source)))
        ctx.report(
          ['stacks', si, 'files', fi, 'source'],
          'E_FILE_NOT_FOUND',
          `file ${file.source} not found`,
          'paths are relative to the config directory',
        );
    });
    stack.dependsOn.forEach((dep, di) => {
      if (!names.has(dep))
        ctx.report(
          ['stacks', si, 'dependsOn', di],
          'E_UNKNOWN_STACK',
          `stack "${dep}" is not declared`,
          `known stacks: ${listNames(names)}`,
        );
    });
    for (const [envName, env] of Object.entries(stack.environments)) {
      for (const service of Object.keys(env?.replicas ?? {})) {
        if (found && !found.has(service)) {
          ctx.report(
            ['stacks', si, 'environments', envName, 'replicas', service],
            'E_UNKNOWN_SERVICE',
            `service "${service}" is not in ${stack.compose}`,
            `services there: ${listNames(found)}`,
          );
        }
      }
    }
  });
  return services;
}

function readComposeServices(ctx: CheckContext, path: (string | number)[], file: string): Set<string> | undefined {
  const full = join(ctx.loaded.dir, file);
  if (!isFile(full)) {
    ctx.report(
      path,
      'E_FILE_NOT_FOUND',
      `compose file ${file} not found`,
      'paths are relative to the config directory',
    );
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    ctx.report(
      path,
      'E_UNREADABLE',
      `compose file ${file} cannot be read: ${fsReason(error)}`,
      isPermissionError(error) ? 'make it readable by the user running phoenix (chmod / chown)' : 'fix the file',
    );
    return undefined;
  }
  let doc: unknown;
  try {
    // Warnings of the YAML library would go to the process's stderr: the compose file is only read for its services.
    doc = parse(text, { logLevel: 'error' });
  } catch (error) {
    ctx.report(
      path,
      'E_COMPOSE',
      `compose file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      'fix the compose file',
    );
    return undefined;
  }
  const servicesValue =
    typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['services'] : undefined;
  if (typeof servicesValue !== 'object' || servicesValue === null || Array.isArray(servicesValue)) {
    ctx.report(path, 'E_COMPOSE', `compose file ${file} has no services`, 'a compose file needs a "services:" mapping');
    return undefined;
  }
  return new Set(Object.keys(servicesValue));
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function checkRoutes(ctx: CheckContext, services: Map<string, Set<string>>): void {
  const certs = new Map(ctx.config.certificates.map((c) => [c.name, c]));
  ctx.config.routes.forEach((route, ri) => {
    const { target } = route;
    const base = ['routes', ri, 'target'];
    if ((target.guest === undefined) === (target.stack === undefined)) {
      ctx.report(
        base,
        'E_ROUTE_TARGET',
        `route ${route.host}: target needs either guest or stack (with service)`,
        'write target: { guest: <id or name>, port } or { stack, service, port }',
      );
    } else if (target.guest !== undefined) {
      if (!findGuest(ctx, target.guest))
        ctx.report(
          [...base, 'guest'],
          'E_UNKNOWN_GUEST',
          `route ${route.host}: no guest ${JSON.stringify(target.guest)}`,
          `known guests: ${listNames(ctx.guestsByName.keys())}`,
        );
      if (target.service !== undefined)
        ctx.report(
          [...base, 'service'],
          'E_ROUTE_TARGET',
          'service applies to stack targets only',
          'remove service, or target a stack',
        );
    } else if (target.stack !== undefined) {
      const stackServices = services.get(target.stack);
      if (!ctx.config.stacks.some((s) => s.name === target.stack) && !services.has(target.stack)) {
        ctx.report(
          [...base, 'stack'],
          'E_UNKNOWN_STACK',
          `route ${route.host}: stack "${target.stack}" is not declared`,
          `known stacks: ${listNames(new Set([...ctx.config.stacks.map((s) => s.name), ...services.keys()]))}`,
        );
      } else if (target.service === undefined) {
        ctx.report(
          [...base, 'stack'],
          'E_MISSING_FIELD',
          `route ${route.host}: a stack target needs a service`,
          `add "service:" (one of: ${listNames(stackServices ?? [])})`,
        );
      } else if (stackServices && !stackServices.has(target.service)) {
        ctx.report(
          [...base, 'service'],
          'E_UNKNOWN_SERVICE',
          `route ${route.host}: stack "${target.stack}" has no service "${target.service}"`,
          `services: ${listNames(stackServices)}`,
        );
      }
    }
    if (!route.tls) return;
    const cert = certs.get(route.tls.certificate);
    if (!cert) {
      ctx.report(
        ['routes', ri, 'tls', 'certificate'],
        'E_UNKNOWN_CERTIFICATE',
        `certificate "${route.tls.certificate}" is not declared`,
        `declare it under certificates or use one of: ${listNames(certs.keys())}`,
      );
    } else if (![cert.commonName, ...cert.sans].some((name) => hostMatches(name, route.host))) {
      ctx.report(
        ['routes', ri, 'tls', 'certificate'],
        'E_CERT_HOST',
        `certificate "${cert.name}" does not cover ${route.host}`,
        `add ${route.host} to the certificate's sans`,
      );
    }
  });
}

/** DNS name match with a leading `*.` wildcard covering exactly one label. */
function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}
