/**
 * `phoenix validate [dir]`: parse, schema and semantic checks of a config directory; every
 * problem at once with file:line:column, YAML path and hint. Exit 0 when valid, 1 otherwise.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('validate')
    .description('check a config directory: YAML syntax, schema, references, addresses, cycles, capacity')
    .argument('[dir]', 'config directory (holding phoenix.yaml)', '.')
    .option('-c, --config <dir>', 'config directory, like the other commands (instead of [dir])')
    .option('--json', 'print a JSON report (formatVersion 1) instead of text')
    .option('--no-resolve-secrets', 'do not check that env: variables are set and file: secrets are readable')
    .addHelpText(
      'after',
      `
Every error is listed, each with file:line:column, the YAML path and a hint. Secret references
are resolved (values are never printed): an unset variable or unreadable file is an error, a
secret file readable by group or others a warning. Exit status: 0 when the config is valid, 1
when it has errors.

Examples:
  $ phoenix validate examples/homelab
  $ phoenix validate -c examples/homelab
  $ phoenix validate . --json | jq '.diagnostics[] | .location.file'
`,
    )
    .action(async (dirArg: string, options: { json?: boolean; config?: string; resolveSecrets?: boolean }) => {
      const dir = options.config ?? dirArg;
      const { validateConfig, checkSecretReferences } = await import('../../config/index.ts');
      const { formatDiagnostic, validationJson, validationSummary } = await import('../../config/report.ts');
      const result = await validateConfig(dir);
      // Plan and apply read the secrets; a reference that does not resolve is found here, located.
      if (result.loaded && options.resolveSecrets !== false) {
        const found = checkSecretReferences(result.loaded, process.env);
        result.diagnostics.push(...found);
        if (found.some((d) => d.severity === 'error')) delete result.loaded;
      }
      const json = validationJson(dir, result);
      if (options.json) {
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      } else {
        for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(dir, d));
        (json.valid ? process.stdout : process.stderr).write(validationSummary(dir, json));
      }
      process.exitCode = json.valid ? 0 : 1;
    });
}
