/**
 * `phoenix import <id>`: adopt an existing object through the registry. The provider whose
 * importer accepts the id reads it with its handler's `import`, and the adopted resource is
 * written as a config file; the adoption is recorded in the state file so the next apply may
 * add the ownership marker (an object without it is otherwise never touched).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { NoopHook } from '../engine/hook.ts';
import { CliError } from '../errors.ts';
import { BUNDLED_EXAMPLE } from './config-dir.ts';
import { IMPORT_EVENT, providerSettings, type Phoenix } from './create-phoenix.ts';
import type { ProviderImporter } from '../providers/provider.ts';
import { configFragments, deriveEnvironment } from './providers.ts';

export async function importResource(
  phoenix: Phoenix,
  id: string,
  outFile?: string,
): Promise<{ file: string; yaml: string; address: string; notes: string[] }> {
  const provider = phoenix.providers.find((p) => p.importer?.accepts(id));
  const importer = provider?.importer;
  if (!provider || !importer) {
    throw new CliError(`nothing imports '${id}'`, {
      code: 'E_IMPORT_ID',
      hint: 'give the numeric guest id, e.g. 150 (or the id form another provider imports)',
    });
  }
  const address = importer.address(id);
  if (phoenix.resources.some((r) => r.address === address)) {
    throw new CliError(`${address} is already in the config`, { code: 'E_IMPORT_EXISTS' });
  }
  const handler = phoenix.registry.get(importer.kind);
  if (!handler?.import) throw new Error(`provider ${provider.name}: kind ${importer.kind} has no import`);
  const file = outFile ?? join(phoenix.configDir, importer.file(id));
  if (existsSync(file))
    throw new CliError(`${file} already exists`, {
      code: 'E_IMPORT_EXISTS',
      hint: 'pass --out with another file name',
    });
  const ctx = { signal: new AbortController().signal, hook: new NoopHook() };
  const { resource, observed, related } = await handler.import({ ctx, id });
  const fragment = importer.toConfig(resource, observed, phoenix.loaded.config, related);
  const schema = join(BUNDLED_EXAMPLE, '..', '..', 'schema', 'phoenix.schema.json');
  const schemaRef = relative(dirname(isAbsolute(file) ? file : join(process.cwd(), file)), schema);
  const yaml =
    `# yaml-language-server: $schema=${schemaRef}\n` +
    `# Imported ${address} (${provider.name}). Review, then run \`phoenix plan\`:\n` +
    (importer.note
      ? `${importer.note
          .split('\n')
          .map((line) => `# ${line}`)
          .join('\n')}.\n`
      : '') +
    stringify(fragment);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, yaml);
  let notes: string[];
  try {
    notes = await verifyImport(phoenix, importer, address, observed);
  } catch (error) {
    // A file that breaks the config is worse than none: take it back and say why.
    rmSync(file, { force: true });
    throw error;
  }
  phoenix.state().events.add({
    type: IMPORT_EVENT,
    address,
    message: `${address} imported into ${file}`,
    data: { id },
  });
  return { file, yaml, address, notes };
}

/**
 * Loads the config with the new file as `plan` will: it must validate as written. Returns what
 * the next apply would change on the adopted object besides the ownership marker (e.g. a
 * stopped guest is started: declared guests run), as the provider's importer words it.
 */
async function verifyImport(
  phoenix: Phoenix,
  importer: ProviderImporter,
  address: string,
  observed: unknown,
): Promise<string[]> {
  const loaded = await loadConfig(phoenix.configDir, { fragments: configFragments(phoenix.providers) });
  loaded.config.environment = phoenix.identity.id;
  const settings = {
    ...providerSettings(loaded),
    nodeShell: phoenix.shells !== undefined,
    builtinSimulator: phoenix.endpointKind === 'simulator',
  };
  const resource = (await deriveEnvironment(phoenix.providers, settings)).resources.find((r) => r.address === address);
  if (!resource) throw new Error(`the imported ${address} is not in the config read back`);
  return importer.pendingChanges?.(resource, observed) ?? [];
}
