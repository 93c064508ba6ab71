/**
 * The one config schema of this Phoenix: src/config's sections plus the fragments of every
 * registered provider (`Provider.configFragment`), as `phoenix schema` prints it and editors
 * load it. With no fragments it is exactly src/config's schema (schema/phoenix.schema.json).
 */
import { configJsonSchemaText } from '../config/json-schema.ts';
import type { Provider } from '../providers/provider.ts';
import { configFragments, PROVIDERS } from './providers.ts';

export function composedSchemaText(providers: readonly Provider[] = PROVIDERS): string {
  return configJsonSchemaText(configFragments(providers));
}
