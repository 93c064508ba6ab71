import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractPortainerApi } from './extract.ts';
import { renderExtract } from './extract-render.ts';
import { PORTAINER_API } from './generated/portainer-api.ts';
import { loadPortainerSpec, type CheckedRequest } from './openapi.ts';

// The official document (../shared, SOURCES.md): a missing file fails the test, it never skips.
const SPEC = fileURLToPath(new URL('../../../../shared/schemas/portainer-api.yaml', import.meta.url));

describe('the committed extraction of the Portainer OpenAPI document', () => {
  it('is exactly what the official document gives (regenerate: npx tsx scripts/gen-portainer-api.ts)', async () => {
    const fresh = extractPortainerApi(readFileSync(SPEC, 'utf8'));
    expect(fresh.sha256).toBe('2e379a36c825368eded82b0f52a859f69c32a8d95e286dbfa51896970dd825a0');
    expect(PORTAINER_API).toEqual(fresh);
    const committed = readFileSync(new URL('./generated/portainer-api.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await renderExtract(fresh));
  });

  it('gives the same verdicts as the whole document', async () => {
    const [subset, whole] = await Promise.all([loadPortainerSpec(), loadPortainerSpec(SPEC)]);
    const json = { 'content-type': 'application/json' };
    const cases: CheckedRequest[] = [
      {
        method: 'POST',
        path: '/api/auth',
        query: {},
        headers: json,
        mediaType: 'application/json',
        body: { username: 'a', password: 'b', apiKey: '' },
      },
      {
        method: 'POST',
        path: '/api/auth',
        query: {},
        headers: json,
        mediaType: 'application/json',
        body: { username: 'a' },
      },
      {
        method: 'POST',
        path: '/api/endpoints',
        query: {},
        headers: {},
        mediaType: 'application/json',
        body: { Name: 'x', EndpointCreationType: 2 },
      },
      {
        method: 'POST',
        path: '/api/endpoints',
        query: {},
        headers: {},
        mediaType: 'multipart/form-data',
        body: { Name: 'x', EndpointCreationType: '2', TLS: 'true' },
      },
      {
        method: 'POST',
        path: '/api/endpoints',
        query: {},
        headers: {},
        mediaType: 'multipart/form-data',
        body: { Name: 'x', EndpointCreationType: '9' },
      },
      { method: 'GET', path: '/api/endpoints', query: { name: 'swarm', excludeSnapshots: 'true' }, headers: {} },
      { method: 'GET', path: '/api/endpoints', query: { excludeSnapshots: 'maybe' }, headers: {} },
      {
        method: 'POST',
        path: '/api/users/1/tokens',
        query: {},
        headers: json,
        mediaType: 'application/json',
        body: { description: 'd' },
      },
    ];
    const verdicts = cases.map((c) => [subset.check(c).problems.length === 0, whole.check(c).problems.length === 0]);
    for (const [a, b] of verdicts) expect(a).toBe(b);
    expect(verdicts.map(([a]) => a)).toEqual([true, false, false, true, false, true, false, false]);
    // Documented elsewhere in the document: "not simulated"; not documented at all: no such operation.
    expect(subset.check({ method: 'GET', path: '/api/stacks', query: {}, headers: {} }).documentedOnly).toBe(true);
    expect(subset.check({ method: 'GET', path: '/api/nope', query: {}, headers: {} }).problems[0]).toMatch(
      /no such operation/,
    );
  });
});
