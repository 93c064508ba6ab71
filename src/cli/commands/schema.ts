/**
 * `phoenix schema`: prints the JSON Schema of a config file (generated from the zod schema),
 * for editors and other tools. schema/phoenix.schema.json is the committed copy.
 */
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of Phoenix config files (for editor completion and checks)')
    .option('-o, --out <file>', 'write the schema to a file instead of stdout')
    .addHelpText(
      'after',
      `
Editors using yaml-language-server pick the schema up from a modeline at the top of a file:
  # yaml-language-server: $schema=<relative path to>/phoenix.schema.json

Examples:
  $ phoenix schema > phoenix.schema.json
  $ phoenix schema --out schema/phoenix.schema.json
`,
    )
    .action(async (options: { out?: string }) => {
      const { composedSchemaText } = await import('../../app/schema.ts');
      const text = composedSchemaText();
      if (!options.out) {
        process.stdout.write(text);
        return;
      }
      const { writeFile } = await import('node:fs/promises');
      const { CliError } = await import('../../errors.ts');
      try {
        await writeFile(options.out, text);
      } catch (error) {
        throw new CliError(`cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
          code: 'E_WRITE',
          hint: 'check that the folder exists and is writable',
        });
      }
      process.stderr.write(`wrote ${options.out}\n`);
    });
}
