/**
 * The platform layer above the guests: per-role settings, certificates, gateway routes,
 * DNS records and Docker stacks. Later issues (CA, gateway, Swarm) deepen these shapes; new
 * fields are added as optional so existing configs keep validating.
 */
import { z } from 'zod';
import { CertificateName, Duration, GuestRef, Hostname, ResourceName, SecretRef } from './schema-common.ts';

/** Per-role settings; which guest plays a role is said by the guest's `role` field. */
export const Platform = z.strictObject({
  stepCa: z
    .strictObject({
      caName: z.string().default('Phoenix Internal CA'),
      port: z.int().min(1).max(65535).default(443),
      provisioner: z.string().default('admin'),
      password: SecretRef.optional().describe('password of the CA keys (reference)'),
      defaultDuration: Duration.default('720h'),
    })
    .optional(),
  gateway: z
    .strictObject({
      httpPort: z.int().min(1).max(65535).default(80),
      httpsPort: z.int().min(1).max(65535).default(443),
      redirectHttp: z.boolean().default(true),
    })
    .optional(),
  traefik: z
    .strictObject({
      entryPort: z.int().min(1).max(65535).default(80),
      dashboard: z.boolean().default(false),
    })
    .optional(),
  swarm: z
    .strictObject({
      advertiseInterface: z.string().default('eth0'),
      dataPathPort: z.int().min(1024).max(65535).optional(),
      nodes: z
        .record(
          z.string(),
          z.strictObject({
            labels: z.record(z.string(), z.string()).default({}),
            availability: z.enum(['active', 'pause', 'drain']).default('active'),
          }),
        )
        .default({})
        .describe('node labels and availability per Swarm guest'),
      networks: z
        .array(
          z.strictObject({
            name: ResourceName,
            attachable: z.boolean().default(true),
            encrypted: z.boolean().default(false).describe('encrypt overlay data traffic (IPsec)'),
          }),
        )
        .default([])
        .describe('Swarm-wide overlay networks'),
    })
    .optional(),
  portainer: z
    .strictObject({
      port: z.int().min(1).max(65535).default(9443),
      adminPassword: SecretRef.optional(),
      edition: z.enum(['ce', 'be']).default('ce'),
    })
    .optional(),
});
export type Platform = z.infer<typeof Platform>;

export const Certificate = z.strictObject({
  name: ResourceName,
  commonName: CertificateName,
  sans: z.array(z.string()).default([]).describe('extra DNS names or IP addresses'),
  issuer: z.literal('step-ca').default('step-ca'),
  renewBefore: Duration.optional().describe('renew this long before expiry (default: after 2/3 of the lifetime)'),
  duration: Duration.optional(),
  guest: GuestRef.optional().describe('guest the certificate is installed on'),
});
export type Certificate = z.infer<typeof Certificate>;

/** Where a route sends traffic: a guest port, or a service of a stack. */
export const RouteTarget = z.strictObject({
  guest: GuestRef.optional(),
  stack: z.string().optional(),
  service: z.string().optional(),
  port: z.int().min(1).max(65535),
});
export type RouteTarget = z.infer<typeof RouteTarget>;

export const Route = z.strictObject({
  host: Hostname,
  path: z.string().regex(/^\//).default('/'),
  target: RouteTarget,
  tls: z.strictObject({ certificate: z.string().describe('name from the certificates section') }).optional(),
});
export type Route = z.infer<typeof Route>;

export const DnsRecord = z.strictObject({
  name: Hostname,
  type: z.enum(['A', 'CNAME']),
  value: z.string(),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

export const Dns = z.strictObject({
  records: z.array(DnsRecord).default([]),
});

const Variables = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  z.union([z.string(), z.number(), z.boolean()]),
);

export const STACK_ENVIRONMENTS = ['production', 'testing', 'development'] as const;
export type StackEnvironmentName = (typeof STACK_ENVIRONMENTS)[number];

export const StackEnvironment = z.strictObject({
  variables: Variables.default({}),
  replicas: z.record(z.string(), z.int().min(0).max(1000)).default({}).describe('replicas per service'),
  secrets: z.record(z.string(), SecretRef).default({}),
  host: Hostname.optional().describe('public host name of this environment'),
});
export type StackEnvironment = z.infer<typeof StackEnvironment>;

export const StackFile = z.strictObject({
  source: z.string().describe('file path relative to the config directory'),
  target: z.string().describe('name the stack sees (a Docker config)'),
});

export const Stack = z.strictObject({
  name: ResourceName,
  target: z.literal('swarm').default('swarm'),
  compose: z.string().describe('compose file, relative to the config directory'),
  variables: Variables.default({}),
  files: z.array(StackFile).default([]),
  secrets: z.record(z.string(), SecretRef).default({}),
  environments: z
    .strictObject({
      production: StackEnvironment.optional(),
      testing: StackEnvironment.optional(),
      development: StackEnvironment.optional(),
    })
    .default({}),
  dependsOn: z.array(z.string()).default([]).describe('stacks deployed before this one'),
});
export type Stack = z.infer<typeof Stack>;
