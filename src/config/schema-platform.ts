/**
 * The platform layer above the guests: per-role settings, certificates, gateway routes,
 * DNS records and Docker stacks. Later issues (CA, gateway, Swarm) deepen these shapes; new
 * fields are added as optional so existing configs keep validating.
 */
import { z } from 'zod';
import {
  CertificateName,
  Checksum,
  Duration,
  GuestRef,
  hinted,
  Hostname,
  ResourceName,
  SecretRef,
} from './schema-common.ts';

/** Per-role settings; which guest plays a role is said by the guest's `role` field. */
export const Platform = z.strictObject({
  stepCa: z
    .strictObject({
      caName: z.string().default('Phoenix Internal CA'),
      port: z.int().min(1).max(65535).default(443),
      provisioner: z.string().default('admin'),
      password: SecretRef.optional().describe('password of the CA keys (reference)'),
      defaultDuration: Duration.default('720h'),
      maxDuration: Duration.optional().describe('longest certificate the CA signs (default: 3 x defaultDuration)'),
      provisionerPassword: SecretRef.optional().describe("password of Phoenix's JWK provisioner key (reference)"),
      acmeProvisioner: z.string().default('acme').describe('name of the ACME provisioner (Traefik and services)'),
      keyType: z.enum(['EC-P256', 'EC-P384', 'RSA-2048']).default('EC-P256'),
      rootKey: z
        .enum(['online', 'offline'])
        .default('online')
        .describe('online: the encrypted root key stays in the CA guest; offline: only in rootKeyFile'),
      rootKeyFile: z
        .string()
        .optional()
        .describe('where the encrypted root key is written once when rootKey is offline'),
      install: z
        .union([
          z.strictObject({
            package: z
              .string()
              .regex(/^[a-z0-9][a-z0-9+.-]+$/, { message: 'must be a Debian package name' })
              .describe('Debian package that provides /usr/bin/step-ca (from an apt source the guest has)'),
          }),
          z.strictObject({
            url: z.url({ protocol: /^https?$/ }).describe('the step-ca binary itself (not an archive)'),
            checksum: Checksum.describe('checksum of the binary; a download that differs is never installed'),
          }),
        ])
        .default({ package: 'step-ca' })
        .describe('where step-ca comes from: a Debian package, or a binary URL with its checksum'),
    })
    .refine((ca) => ca.rootKey !== 'offline' || ca.rootKeyFile !== undefined, {
      message: 'rootKey: offline needs rootKeyFile (where the encrypted root key is kept)',
      path: ['rootKeyFile'],
    })
    .optional(),
  gateway: z
    .strictObject({
      httpPort: z.int().min(1).max(65535).default(80),
      httpsPort: z.int().min(1).max(65535).default(443),
      redirectHttp: z.boolean().default(true),
      hstsMaxAge: z
        .int()
        .min(0)
        .max(63_072_000)
        .default(31_536_000)
        .describe('Strict-Transport-Security max-age in seconds (0 turns HSTS off)'),
    })
    .optional(),
  traefik: z
    .strictObject({
      entryPort: z.int().min(1).max(65535).default(80),
      tlsPort: z
        .int()
        .min(1)
        .max(65535)
        .default(443)
        .describe('TLS entry point the gateway proxies to (verified against the internal root)'),
      dashboard: z.boolean().default(false),
      acmeProvisioner: z.string().default('acme').describe("step-ca's ACME provisioner the certificate resolver uses"),
      acmeEmail: z.string().optional().describe('contact address of the ACME account'),
      swarmNetwork: z.string().optional().describe('overlay network Traefik reaches routed services on'),
      release: z
        .strictObject({
          url: z.url({ protocol: /^https?$/ }).describe('release archive (.tar.gz) holding the traefik binary'),
          checksum: Checksum.describe('checksum of the archive; a download that differs is never installed'),
        })
        .optional()
        .describe('where the traefik binary comes from (Debian ships no Traefik package)'),
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
      engine: z
        .strictObject({
          package: z.string().default('docker.io').describe('Debian package that provides dockerd'),
          daemon: z
            .record(z.string(), z.unknown())
            .default({})
            .describe("extra daemon.json settings (the listeners and TLS settings are Phoenix's)"),
        })
        .optional()
        .describe('Docker Engine on the Swarm guests: API on TCP 2376 with TLS, client certificates required'),
    })
    .optional(),
  portainer: z
    .strictObject({
      port: z.int().min(1).max(65535).default(9443),
      version: z
        .string()
        .regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, { message: 'must be a release such as "2.21.4"' })
        .default('2.21.4')
        .describe('Portainer (server and agent) release deployed on the Swarm'),
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
  scheme: z
    .enum(['http', 'https'])
    .default('http')
    .describe('protocol the target speaks (https is verified against the internal root)'),
});
export type RouteTarget = z.infer<typeof RouteTarget>;

/** nginx size syntax: a number with an optional k/m/g suffix. */
const BodySize = z.string().regex(/^[0-9]{1,9}[kmg]?$/i, {
  message: hinted('must be a size such as "10m", "512k" or "1g"', 'a whole number with an optional k, m or g suffix'),
});

/** Header name → one-line value (nginx variables like $remote_addr allowed); names are checked semantically. */
const HeaderMap = z.record(
  z.string(),
  z.string().regex(/^[^\r\n\0]{0,4096}$/, { message: 'must be a single-line header value' }),
);

/** An IPv4 address or CIDR for an allow-list. */
const AllowEntry = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/, {
  message: hinted('must be an IPv4 address or CIDR', 'e.g. 192.168.1.0/24 or 192.168.1.20'),
});

export const Route = z.strictObject({
  host: Hostname,
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, {
      message: hinted('must be a URL path starting with "/"', 'e.g. "/" or "/api/"; no spaces, quotes or "?"'),
    })
    .default('/'),
  target: RouteTarget,
  tls: z.strictObject({ certificate: z.string().describe('name from the certificates section') }).optional(),
  maxBodySize: BodySize.optional().describe('largest request body accepted (nginx client_max_body_size)'),
  headers: z
    .strictObject({
      request: HeaderMap.optional().describe('headers added to the request sent upstream'),
      response: HeaderMap.optional().describe('headers added to every response'),
    })
    .optional(),
  allow: z.array(AllowEntry).min(1).optional().describe('only these client addresses may use the route'),
  basicAuth: z
    .strictObject({
      realm: z
        .string()
        .regex(/^[^"\\$\r\n]{1,128}$/, { message: 'must be one line without quotes, "\\" or "$"' })
        .default('Restricted'),
      htpasswd: SecretRef.describe('htpasswd file content (reference), e.g. file:secrets/app.htpasswd'),
    })
    .optional(),
  timeout: z.int().min(1).max(86_400).optional().describe('upstream read/send timeout in seconds (default 60)'),
  passthrough: z
    .strictObject({
      protocol: z.enum(['tls', 'tcp']).describe('tls: routed by SNI, not terminated; tcp: the whole port'),
      port: z.int().min(1).max(65535).describe('port the gateway listens on'),
    })
    .optional()
    .describe('forward raw TCP/TLS instead of terminating HTTPS (nginx stream)'),
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
