/**
 * Test/bench entry to the Traefik schema check: the product's own validators (the committed
 * copies of the official v3 schemas, kept equal to `../shared/schemas` by schema/drift.test.ts).
 */
export { traefikValidators, type TraefikValidators } from './schema/validate.ts';
