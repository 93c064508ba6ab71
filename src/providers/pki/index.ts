/**
 * The pki provider: the CA in the `step-ca` guest and every certificate's lifecycle.
 * Self-contained: `derivePki(config)` gives the resources, `pkiHandlers(deps)` the handlers
 * (`pki.step-ca`, `pki.certificate`); the CA session for issuance is opened lazily, once per
 * run, from the CA guest's own files (no trust on first use).
 */
import { isIP } from 'node:net';
import type { Dial } from '../../clients/dial/dialer.ts';
import type { AnyResourceHandler, Resource } from '../../engine/handler.ts';
import type { Diagnostic } from '../../errors.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { StepCaError } from '../../clients/stepca/errors.ts';
import { certificateFingerprint } from './ca-material.ts';
import { caPaths } from './ca-bundle.ts';
import { openCaSession } from './ca-session.ts';
import { TRUST_KIND, TRUST_STORE_DIR, trustFileName, trustHandler, type TrustDesired } from './trust-handler.ts';
import { STEP_CA_INSTALL_STAMP, stepCaBinaryPath, type StepCaInstall } from './install.ts';
import { certificateHandler, type CaSession } from './certificate-handler.ts';
import { derivePkiResources, type PkiSource, type PkiSourceGuest } from './derive.ts';
import { durationMs } from './duration.ts';
import { localShell } from './local-shell.ts';
import type { KeyType } from './keys.ts';
import { STEP_CA_KIND, stepCaHandler, type StepCaDesired } from './step-ca-handler.ts';

export { CERTIFICATE_KIND } from './certificate-handler.ts';
export { STEP_CA_KIND } from './step-ca-handler.ts';
export { TRUST_KIND } from './trust-handler.ts';
export { certificateRow, certsExitCode, renderCertsTable, type CertificateRow } from './report.ts';

export const STEP_CA_BASE_DIR = '/etc/step-ca';

export interface PkiConfigSource extends PkiSource {
  environment?: string;
  cluster: PkiSource['cluster'] & { nodes?: { name: string }[] };
  platform?: {
    stepCa?: {
      caName: string;
      port: number;
      provisioner: string;
      password?: string;
      provisionerPassword?: string;
      defaultDuration: string;
      maxDuration?: string;
      acmeProvisioner?: string;
      keyType?: KeyType;
      rootKey?: 'online' | 'offline';
      rootKeyFile?: string;
      install?: { package: string } | { url: string; checksum: string };
    };
  };
}

function stepCaGuest(config: PkiSource): PkiSourceGuest | undefined {
  return config.guests.find((g) => (Array.isArray(g.role) ? g.role.includes('step-ca') : g.role === 'step-ca'));
}

function caDnsName(config: PkiSource, guest: PkiSourceGuest): string {
  return `${guest.name}.${config.cluster.domain}`;
}

/** The CA resource (when a `step-ca` guest and `platform.stepCa` exist) and every certificate. */
export function derivePki(config: PkiConfigSource): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const certs = derivePkiResources(config);
  const stepCa = config.platform?.stepCa;
  const guest = stepCaGuest(config);
  const diagnostics = [...certs.diagnostics];
  const resources: Resource[] = [];
  if (stepCa && guest) {
    if (!stepCa.password) {
      diagnostics.push({
        severity: 'error',
        code: 'E_STEPCA_PASSWORD',
        message: 'platform.stepCa.password: the CA password reference is required to set up the CA',
        hint: 'e.g. password: env:PHOENIX_CA_PASSWORD',
      });
    }
    const ip = guest.net.find((n) => n.ip !== 'dhcp')?.ip.split('/')[0];
    const name = caDnsName(config, guest);
    const declared = stepCa.install ?? { package: 'step-ca' };
    const install: StepCaInstall =
      'package' in declared
        ? { kind: 'package', name: declared.package }
        : { kind: 'binary', url: declared.url, checksum: declared.checksum };
    const desired: StepCaDesired = {
      target: { kind: guest.type, node: guest.node, vmid: guest.id },
      baseDir: STEP_CA_BASE_DIR,
      caName: stepCa.caName,
      dnsNames: [name, ...(ip ? [ip] : [])],
      address: `:${stepCa.port}`,
      url: `https://${name}${stepCa.port === 443 ? '' : `:${stepCa.port}`}`,
      provisionerName: stepCa.provisioner,
      acmeName: stepCa.acmeProvisioner ?? 'acme',
      claims: {
        defaultDuration: stepCa.defaultDuration,
        maxDuration: stepCa.maxDuration ?? `${(durationMs(stepCa.defaultDuration) * 3) / 3_600_000}h`,
      },
      keyType: stepCa.keyType ?? 'EC-P256',
      rootKey: stepCa.rootKey ?? 'online',
      ...(stepCa.rootKeyFile ? { rootKeyFile: stepCa.rootKeyFile } : {}),
      passwordRef: stepCa.password ?? '',
      // Without its own reference the provisioner key is protected by the CA password.
      provisionerPasswordRef: stepCa.provisionerPassword ?? stepCa.password ?? '',
      user: 'step',
      service: 'step-ca',
      install,
      binary: stepCaBinaryPath(install),
      installStamp: STEP_CA_INSTALL_STAMP,
    };
    resources.push({
      address: `stepca.${guest.id}`,
      kind: STEP_CA_KIND,
      node: guest.node,
      dependsOn: [`guest.${guest.id}`],
      desired,
    });
  }
  // Certificates wait for the CA.
  const caAddress = resources[0]?.address;
  resources.push(
    ...certs.resources.map((r) =>
      caAddress ? { ...r, dependsOn: [...r.dependsOn.filter((d) => d !== `guest.${guest?.id}`), caAddress] } : r,
    ),
  );
  if (caAddress && resources[0]) {
    const ca = resources[0].desired as StepCaDesired;
    resources.push(...trustResources(config, caAddress, ca));
  }
  return { resources, diagnostics };
}

/** The internal root in the trust store of every guest and every node (pki.trust). */
function trustResources(config: PkiConfigSource, caAddress: string, ca: StepCaDesired): Resource[] {
  const path = `${TRUST_STORE_DIR}/${trustFileName(config.environment ?? config.cluster.domain)}`;
  const from = { target: ca.target, rootPath: caPaths(ca.baseDir).root };
  const nodes = (config.cluster.nodes ?? []).map((n) => n.name);
  return [
    ...nodes.map((node): Resource => ({
      address: `trust.node.${node}`,
      kind: TRUST_KIND,
      node,
      dependsOn: [caAddress],
      desired: { target: { kind: 'node', node }, path, ca: from } satisfies TrustDesired,
    })),
    ...config.guests.map((guest): Resource => ({
      address: `trust.${guest.id}`,
      kind: TRUST_KIND,
      node: guest.node,
      dependsOn: [caAddress, `guest.${guest.id}`],
      desired: {
        target: { kind: guest.type, node: guest.node, vmid: guest.id },
        path,
        ca: from,
      } satisfies TrustDesired,
    })),
  ];
}

export interface PkiDeps {
  shells: ShellResolver;
  resolveSecret: (ref: string) => Promise<string>;
  /** The dialer: where to connect for the CA's logical URL (direct, tunnel, or the simulator's port). */
  dial?: (desired: StepCaDesired) => Promise<{ host: string; port: number } | undefined>;
  /** The environment's dialer for the CA guest's node (direct or SSH tunnel), when `dial` gives no fixed place. */
  dialer?: (desired: StepCaDesired) => Dial | undefined;
  /** The environment's config directory: where certificates of Phoenix's own clients (`local`) live. */
  localDir?: string;
  now?: () => Date;
}

/** Opens a session with the environment's CA (root read from the guest, dialled per `deps`). */
export function caOpener(deps: Omit<PkiDeps, 'now' | 'localDir'>): (desired: StepCaDesired) => Promise<CaSession> {
  return async (desired) => {
    let dial: { host: string; port: number } | undefined;
    try {
      dial = await deps.dial?.(desired);
    } catch (cause) {
      throw new StepCaError(desired.url, `unreachable (${(cause as Error).message})`, {
        code: 'E_STEPCA_UNREACHABLE',
        cause,
        ...((cause as { hint?: string }).hint ? { hint: (cause as { hint?: string }).hint } : {}),
      });
    }
    const dialer = dial ? undefined : deps.dialer?.(desired);
    // The guest's own address where it has a static one: the logical name may not resolve on the node.
    const guestAddress = desired.dnsNames.find((name) => isIP(name) !== 0);
    return openCaSession({
      shells: deps.shells,
      target: desired.target,
      baseDir: desired.baseDir,
      url: desired.url,
      ...(dial ? { dial } : {}),
      ...(dialer ? { dialer: (host: string, port: number) => dialer(guestAddress ?? host, port) } : {}),
      provisionerName: desired.provisionerName,
      provisionerPasswordRef: desired.provisionerPasswordRef,
      resolveSecret: deps.resolveSecret,
    });
  };
}

/** The CA answers /health and serves exactly `rootPem` (the root Phoenix generated) at /roots.pem. */
export function caHealthCheck(deps: Omit<PkiDeps, 'now'>): (desired: StepCaDesired, rootPem: string) => Promise<void> {
  const open = caOpener(deps);
  return async (desired, rootPem) => {
    const probe = await open(desired);
    try {
      await probe.client.health();
      // open() checked /roots.pem against the root in the guest; it must also be the one Phoenix generated.
      const expected = certificateFingerprint(rootPem);
      if (probe.rootFingerprint !== expected)
        throw new StepCaError(`${desired.url}/roots.pem`, 'serves a root that is not the one Phoenix generated', {
          code: 'E_STEPCA_ROOT_MISMATCH',
          hint: `expected root fingerprint ${expected}`,
        });
    } finally {
      await probe.client.close();
    }
  };
}

/** Handlers of both kinds; `ca` is the StepCaDesired of the environment's CA (from derivePki). */
export function pkiHandlers(deps: PkiDeps, ca: StepCaDesired | undefined): AnyResourceHandler[] {
  let session: Promise<CaSession> | undefined;
  const open = caOpener(deps);
  return [
    stepCaHandler({
      shells: deps.shells,
      resolveSecret: deps.resolveSecret,
      checkHealth: caHealthCheck(deps),
    }),
    trustHandler(deps.shells),
    certificateHandler({
      shells: deps.shells,
      ...(deps.localDir ? { local: localShell(deps.localDir) } : {}),
      ...(deps.now ? { now: deps.now } : {}),
      ca: () => {
        if (!ca) return Promise.reject(new Error('no CA: declare a guest with role step-ca and platform.stepCa'));
        // One session per run; a failed open is retried by the next certificate.
        session ??= open(ca).catch((error: unknown) => {
          session = undefined;
          throw error;
        });
        return session;
      },
    }),
  ];
}
