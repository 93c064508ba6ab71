/**
 * The JSON Schema of one config file, for editors (yaml-language-server) and `phoenix schema`.
 * Generated from the zod schema in "input" mode, so fields with defaults are optional.
 */
import { z, type ZodType } from 'zod';
import { PhoenixFile } from './schema.ts';

/** `fragments`: the sections providers contribute (`Provider.configFragment`), each optional in a file. */
export function configJsonSchema(fragments: Readonly<Record<string, ZodType>> = {}): Record<string, unknown> {
  const optional = Object.fromEntries(Object.entries(fragments).map(([k, v]) => [k, v.optional()]));
  const root = Object.keys(optional).length > 0 ? PhoenixFile.extend(optional) : PhoenixFile;
  const schema = z.toJSONSchema(root, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      // `node` may come from defaults or the single cluster node; editors must not demand it.
      const json = ctx.jsonSchema as { properties?: Record<string, unknown>; required?: string[] };
      if (json.properties?.['type'] && json.properties['node'] && json.required?.includes('node')) {
        json.required = json.required.filter((key) => key !== 'node');
      }
    },
  }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'Phoenix configuration file',
    description: 'One file of a Phoenix config directory (phoenix.yaml and any other *.yaml in it).',
  };
}

/** The schema as written to schema/phoenix.schema.json and printed by `phoenix schema`. */
export function configJsonSchemaText(fragments: Readonly<Record<string, ZodType>> = {}): string {
  return JSON.stringify(configJsonSchema(fragments), null, 2) + '\n';
}
