/**
 * `pki.step-ca`: the CA in the guest whose role is `step-ca`, set up by Phoenix.
 *
 * - create: generates root + intermediate + provisioner key (never `step ca init` in the guest),
 *   writes certificates, encrypted keys, password file (0600, owned by the service user),
 *   ca.json, defaults.json and the systemd unit through the guest shell, then enables and
 *   starts the service. With `rootKey: offline` the encrypted root key goes only to the
 *   local `rootKeyFile` (0600), written once.
 * - observe: the root/intermediate fingerprints, the parts of ca.json Phoenix declares, the
 *   secret files' mode/owner (never their content), the service state.
 * - update: ca.json rewritten when address/DNS names/claims drift (keys and provisioner kept),
 *   service reloaded; secret file permissions restored.
 * - health: the CA answers /health and serves exactly the root read from the guest over the
 *   node's authenticated SSH channel (no trust on first use).
 * The plan shows fingerprints and paths, never key material or passwords.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import type { AttributeChange } from '../../engine/plan/types.ts';
import { ProviderError } from '../../errors.ts';
import { commandFailed, modeString } from '../../clients/ssh/ssh-client.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { describeTarget, observeFile, type FileObservation, type TargetRef, type TargetShell } from '../node/shell.ts';
import { observeService } from '../node/service.ts';
import { caPaths, generateCaBundle } from './ca-bundle.ts';
import { caJson } from './ca-config.ts';
import { certificateFingerprint } from './ca-material.ts';
import { goDuration } from './duration.ts';
import type { KeyType } from './keys.ts';
import { ensureServiceUser, installSource, installStepCa, observeInstall, type StepCaInstall } from './install.ts';

export const STEP_CA_KIND = 'pki.step-ca';

export interface StepCaDesired {
  target: TargetRef;
  baseDir: string;
  caName: string;
  dnsNames: string[];
  /** `:port` or `host:port`. */
  address: string;
  url: string;
  provisionerName: string;
  acmeName: string;
  claims: { defaultDuration: string; maxDuration: string };
  keyType: KeyType;
  rootKey: 'online' | 'offline';
  rootKeyFile?: string;
  /** Secret references, resolved only when keys are generated. */
  passwordRef: string;
  provisionerPasswordRef: string;
  user: string;
  service: string;
  /** Where step-ca comes from (declared); `binary` is where it is installed. */
  install: StepCaInstall;
  binary: string;
  /** Stamp of a binary install (which checksum is installed). */
  installStamp: string;
}

export interface StepCaObserved {
  rootFingerprint: string | null;
  intermediateFingerprint: string | null;
  config: { address: string; dnsNames: string[]; claims: Record<string, string>; provisioners: string[] } | null;
  secrets: Record<string, Pick<FileObservation, 'mode' | 'owner'> | null>;
  service: { enabled: boolean; active: boolean };
  /** `package <name>`, the installed binary's checksum, or null (not installed). */
  install: string | null;
}

export interface StepCaHandlerDeps {
  shells: ShellResolver;
  resolveSecret: (ref: string) => Promise<string>;
  /** Health: the CA answers and serves this root (see ca-session.ts). */
  checkHealth?: (desired: StepCaDesired, rootPem: string) => Promise<void>;
  /** Bound of the health gate after the service starts (ms). */
  healthGateMs?: number;
}

async function readText(shell: TargetShell, path: string): Promise<string | null> {
  const result = await shell.exec(['cat', path], { idempotent: true });
  if (result.code === 0) return result.stdout;
  if (/No such file or directory/.test(result.stderr)) return null;
  throw commandFailed(describeTarget(shell.target), ['cat', path], result);
}

function unitFile(desired: StepCaDesired): string {
  const paths = caPaths(desired.baseDir);
  return [
    '# Written by Phoenix: the internal CA.',
    '[Unit]',
    'Description=step-ca (Phoenix internal CA)',
    'After=network-online.target',
    '',
    '[Service]',
    `User=${desired.user}`,
    `Group=${desired.user}`,
    `ExecStart=${desired.binary} --password-file ${paths.passwordFile} ${paths.config}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'NoNewPrivileges=yes',
    // A service user binds a port below 1024 (443 by default) with this capability only.
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function installPaths(desired: StepCaDesired): { binary: string; stamp: string } {
  return { binary: desired.binary, stamp: desired.installStamp };
}

function declaredClaims(desired: StepCaDesired): Record<string, string> {
  return {
    minTLSCertDuration: '5m',
    maxTLSCertDuration: goDuration(desired.claims.maxDuration),
    defaultTLSCertDuration: goDuration(desired.claims.defaultDuration),
  };
}

/**
 * After a start: wait (bounded) for /health, then require /roots.pem to be exactly the root
 * Phoenix generated (`check` does both). Another root is refused at once; a CA that never
 * answers within `timeoutMs` fails with the endpoint named.
 */
export async function healthGate(
  check: NonNullable<StepCaHandlerDeps['checkHealth']>,
  desired: StepCaDesired,
  rootPem: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; attempt < 300 && Date.now() < until; attempt += 1) {
    try {
      await check(desired, rootPem);
      return;
    } catch (error) {
      if ((error as { code?: string }).code === 'E_STEPCA_ROOT_MISMATCH') throw error;
      last = error;
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(1000, 100 * (attempt + 1), Math.max(0, until - Date.now()))),
    );
  }
  throw new ProviderError(
    `step-ca in ${describeTarget(desired.target)} did not become healthy at ${desired.url}/health within ${timeoutMs} ms: ${(last as Error)?.message ?? 'no answer'}`,
    { code: 'E_STEPCA_HEALTH', cause: last, hint: `check \`journalctl -u ${desired.service}\` in the CA guest` },
  );
}

export function stepCaHandler(deps: StepCaHandlerDeps): ResourceHandler<StepCaDesired, StepCaObserved> {
  const secretPaths = (desired: StepCaDesired): string[] => {
    const paths = caPaths(desired.baseDir);
    return [paths.key, paths.passwordFile, ...(desired.rootKey === 'online' ? [paths.rootKey] : [])];
  };

  async function observe(desired: StepCaDesired): Promise<StepCaObserved | null> {
    const shell = deps.shells(desired.target);
    // A guest that does not exist yet has no CA.
    const probe = await shell.exec(['test', '-d', '/'], { idempotent: true }).catch((error: unknown) => error as Error);
    if (probe instanceof Error || probe.code !== 0) return null;
    const paths = caPaths(desired.baseDir);
    const [root, intermediate, config] = await Promise.all([
      readText(shell, paths.root),
      readText(shell, paths.crt),
      readText(shell, paths.config),
    ]);
    if (root === null && config === null) return null;
    const secrets: StepCaObserved['secrets'] = {};
    for (const path of [paths.key, paths.passwordFile, paths.rootKey]) {
      const file = await observeFile(shell, path);
      secrets[path] = file ? { mode: file.mode, owner: file.owner } : null;
    }
    let parsed: StepCaObserved['config'] = null;
    if (config !== null) {
      try {
        const json = JSON.parse(config) as {
          address: string;
          dnsNames: string[];
          authority?: { claims?: Record<string, string>; provisioners?: { type: string; name: string }[] };
        };
        parsed = {
          address: json.address,
          dnsNames: json.dnsNames,
          claims: json.authority?.claims ?? {},
          provisioners: (json.authority?.provisioners ?? []).map((p) => `${p.type}/${p.name}`),
        };
      } catch {
        parsed = null;
      }
    }
    return {
      rootFingerprint: root ? certificateFingerprint(root) : null,
      intermediateFingerprint: intermediate ? certificateFingerprint(intermediate) : null,
      config: parsed,
      secrets,
      service: await observeService(shell, desired.service),
      install: await observeInstall(shell, desired.install, installPaths(desired)),
    };
  }

  async function writeConfig(shell: TargetShell, desired: StepCaDesired): Promise<void> {
    // Keys and the provisioner stay as they are: only the declared parts of ca.json change.
    const paths = caPaths(desired.baseDir);
    const current = JSON.parse((await readText(shell, paths.config)) ?? '{}') as {
      authority?: { provisioners?: { type: string; name: string; key?: unknown; encryptedKey?: string }[] };
    };
    const jwk = current.authority?.provisioners?.find((p) => p.type === 'JWK');
    if (!jwk?.key || !jwk.encryptedKey) {
      throw new ProviderError(
        `CA in ${describeTarget(desired.target)}: ${paths.config} has no JWK provisioner to keep`,
        { code: 'E_STEPCA_CONFIG', hint: 'remove the CA files to let Phoenix set the CA up again' },
      );
    }
    const config = caJson({
      caName: desired.caName,
      address: desired.address,
      dnsNames: desired.dnsNames,
      paths,
      jwk: { name: desired.provisionerName, publicJwk: jwk.key as never, encryptedKey: jwk.encryptedKey },
      acme: { name: desired.acmeName },
      claims: desired.claims,
    });
    await shell.writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`, {
      mode: '0640',
      owner: desired.user,
      group: desired.user,
    });
  }

  async function systemctl(shell: TargetShell, ...argv: string[]): Promise<void> {
    const result = await shell.exec(['systemctl', ...argv], { timeoutMs: 120_000 });
    if (result.code !== 0) throw commandFailed(describeTarget(shell.target), ['systemctl', ...argv], result);
  }

  async function writeUnit(shell: TargetShell, desired: StepCaDesired): Promise<void> {
    await shell.writeFile(`/etc/systemd/system/${desired.service}.service`, unitFile(desired), {
      mode: '0644',
      owner: 'root',
      group: 'root',
    });
    const reloaded = await shell.exec(['systemctl', 'daemon-reload']);
    if (reloaded.code !== 0)
      throw commandFailed(describeTarget(shell.target), ['systemctl', 'daemon-reload'], reloaded);
  }

  const gate = async (desired: StepCaDesired, rootPem: string): Promise<void> => {
    if (deps.checkHealth) await healthGate(deps.checkHealth, desired, rootPem, deps.healthGateMs);
  };

  return {
    kind: STEP_CA_KIND,

    async observe({ resource }) {
      return { observed: await observe(resource.desired) };
    },

    diff({ resource, observed }): DiffResponse {
      const desired = resource.desired;
      const paths = caPaths(desired.baseDir);
      const after = {
        baseDir: desired.baseDir,
        address: desired.address,
        dnsNames: desired.dnsNames,
        rootKey: desired.rootKey,
        claims: declaredClaims(desired),
      };
      if (observed === null) {
        return {
          action: 'create',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [
            `no CA in ${describeTarget(desired.target)}: install step-ca (${installSource(desired.install)}), generate root + intermediate (${desired.keyType}), provisioners ${desired.provisionerName} (JWK) and ${desired.acmeName} (ACME)`,
          ],
          after,
        };
      }
      const changes: AttributeChange[] = [];
      const reasons: string[] = [];
      if (!observed.rootFingerprint || !observed.intermediateFingerprint || !observed.config) {
        reasons.push(
          `the CA in ${describeTarget(desired.target)} is incomplete (root, intermediate or ca.json missing): Phoenix does not regenerate a CA over a partial one`,
        );
      }
      const config = observed.config;
      if (config && config.address !== desired.address)
        changes.push({ path: 'address', before: config.address, after: desired.address });
      if (config && JSON.stringify(config.dnsNames) !== JSON.stringify(desired.dnsNames))
        changes.push({ path: 'dnsNames', before: config.dnsNames, after: desired.dnsNames });
      const claims = declaredClaims(desired);
      if (config && JSON.stringify(config.claims) !== JSON.stringify(claims))
        changes.push({ path: 'claims', before: config.claims, after: claims });
      for (const path of secretPaths(desired)) {
        const file = observed.secrets[path];
        if (file && (file.mode !== '0600' || file.owner !== desired.user)) {
          changes.push({
            path: `${path}.permissions`,
            before: `${file.mode} ${file.owner}`,
            after: `0600 ${desired.user}`,
          });
        }
      }
      if (desired.rootKey === 'offline' && observed.secrets[paths.rootKey]) {
        changes.push({ path: 'rootKey', before: 'in the CA guest', after: 'offline only' });
      }
      const source = installSource(desired.install);
      if (observed.install !== source) changes.push({ path: 'install', before: observed.install, after: source });
      if (!observed.service.enabled || !observed.service.active) {
        changes.push({ path: 'service', before: observed.service, after: { enabled: true, active: true } });
      }
      if (changes.length === 0 && reasons.length === 0) {
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`root ${observed.rootFingerprint}`],
          before: after,
          after,
        };
      }
      return {
        action: 'update',
        changes,
        requiresReplace: [],
        requiresRestart: false,
        reasons: [...reasons, ...changes.map((c) => `${c.path} changed`)],
        before: { rootFingerprint: observed.rootFingerprint, ...(config ?? {}) },
        after,
      };
    },

    async create({ resource }) {
      const desired = resource.desired;
      const shell = deps.shells(desired.target);
      if (desired.rootKey === 'offline' && desired.rootKeyFile && existsSync(desired.rootKeyFile)) {
        throw new ProviderError(`${desired.rootKeyFile} already exists: it may hold the root key of an existing CA`, {
          code: 'E_STEPCA_ROOTKEY_EXISTS',
          hint: 'Phoenix writes the offline root key once; move the old file away only if that CA is retired',
        });
      }
      // The source is checked before any key exists: a bad download leaves the guest as it was.
      await installStepCa(shell, desired.install, installPaths(desired), resource.address);
      await ensureServiceUser(shell, desired.user, desired.baseDir);
      const [caPassword, provisionerPassword] = await Promise.all([
        deps.resolveSecret(desired.passwordRef),
        deps.resolveSecret(desired.provisionerPasswordRef),
      ]);
      const bundle = await generateCaBundle({
        caName: desired.caName,
        caPassword,
        provisionerPassword,
        provisionerName: desired.provisionerName,
        acmeName: desired.acmeName,
        dnsNames: desired.dnsNames,
        address: desired.address,
        url: desired.url,
        baseDir: desired.baseDir,
        claims: desired.claims,
        keyType: desired.keyType,
        rootKey: desired.rootKey,
      });
      if (bundle.offlineRootKeyPem && desired.rootKeyFile) {
        writeFileSync(desired.rootKeyFile, bundle.offlineRootKeyPem, { mode: 0o600, flag: 'wx' });
      }
      const dirs = [
        `${desired.baseDir}/certs`,
        `${desired.baseDir}/secrets`,
        `${desired.baseDir}/config`,
        bundle.paths.db,
        '/etc/systemd/system',
      ];
      const made = await shell.exec(['mkdir', '-p', ...dirs]);
      if (made.code !== 0) throw commandFailed(describeTarget(shell.target), ['mkdir', '-p', ...dirs], made);
      for (const file of bundle.files) {
        await shell.writeFile(file.path, file.content, {
          mode: modeString(file.mode),
          owner: desired.user,
          group: desired.user,
        });
      }
      await writeUnit(shell, desired);
      await systemctl(shell, 'enable', '--now', desired.service);
      await gate(desired, bundle.material.rootCertPem);
      return { observed: (await observe(desired)) ?? undefined };
    },

    async update({ resource, observed }) {
      const desired = resource.desired;
      const shell = deps.shells(desired.target);
      const paths = caPaths(desired.baseDir);
      if (!observed.rootFingerprint || !observed.intermediateFingerprint || !observed.config) {
        throw new ProviderError(`the CA in ${describeTarget(desired.target)} is incomplete`, {
          code: 'E_STEPCA_INCOMPLETE',
          hint: `restore ${desired.baseDir} from a backup, or remove it to set up a new CA (every certificate is then reissued)`,
        });
      }
      const installChanged = observed.install !== installSource(desired.install);
      if (installChanged) await installStepCa(shell, desired.install, installPaths(desired), resource.address);
      const claims = declaredClaims(desired);
      const configChanged =
        observed.config.address !== desired.address ||
        JSON.stringify(observed.config.dnsNames) !== JSON.stringify(desired.dnsNames) ||
        JSON.stringify(observed.config.claims) !== JSON.stringify(claims);
      if (configChanged) await writeConfig(shell, desired);
      for (const path of secretPaths(desired)) {
        const file = observed.secrets[path];
        if (file && (file.mode !== '0600' || file.owner !== desired.user)) {
          for (const argv of [
            ['chmod', '0600', path],
            ['chown', `${desired.user}:${desired.user}`, path],
          ]) {
            const result = await shell.exec(argv);
            if (result.code !== 0) throw commandFailed(describeTarget(shell.target), argv, result);
          }
        }
      }
      if (desired.rootKey === 'offline' && observed.secrets[paths.rootKey]) {
        if (!desired.rootKeyFile)
          throw new ProviderError('rootKey: offline needs rootKeyFile', { code: 'E_STEPCA_ROOTKEY' });
        const pem = await readText(shell, paths.rootKey);
        if (pem && !existsSync(desired.rootKeyFile))
          writeFileSync(desired.rootKeyFile, pem, { mode: 0o600, flag: 'wx' });
        const removed = await shell.exec(['rm', '-f', paths.rootKey]);
        if (removed.code !== 0) throw commandFailed(describeTarget(shell.target), ['rm', '-f', paths.rootKey], removed);
      }
      if (installChanged) await writeUnit(shell, desired);
      if (!observed.service.enabled || !observed.service.active)
        await systemctl(shell, 'enable', '--now', desired.service);
      else if (installChanged) await systemctl(shell, 'restart', desired.service);
      else if (configChanged) await systemctl(shell, 'reload', desired.service);
      if (installChanged || !observed.service.active) {
        const rootPem = await readText(shell, paths.root);
        if (rootPem) await gate(desired, rootPem);
      }
      return { observed: (await observe(desired)) ?? undefined };
    },

    async delete() {
      // The CA is never torn down by Phoenix: its keys are the trust of every certificate.
      return {
        diagnostics: [
          {
            severity: 'warning',
            code: 'W_STEPCA_KEPT',
            message: 'the CA guest files are kept: remove them by hand if the CA is retired',
          },
        ],
      };
    },

    async health({ resource }) {
      if (!deps.checkHealth) return { status: 'healthy' };
      const shell = deps.shells(resource.desired.target);
      const rootPem = await readText(shell, caPaths(resource.desired.baseDir).root);
      if (!rootPem) return { status: 'unhealthy', message: 'no root certificate in the CA guest' };
      try {
        await deps.checkHealth(resource.desired, rootPem);
        return { status: 'healthy' };
      } catch (error) {
        const code = (error as { code?: string }).code;
        return code === 'E_STEPCA_ROOT_MISMATCH'
          ? { status: 'unhealthy', message: (error as Error).message }
          : { status: 'pending', message: (error as Error).message };
      }
    },
  };
}
