import { describe, expect, it } from 'vitest';
import { loadDockerApiSchema } from './api-schema.ts';

describe('the Engine API document as a checker', () => {
  const schema = loadDockerApiSchema();
  const service = { ID: 'a1', Version: { Index: 3 }, Spec: { Name: 'web', Labels: { x: 'y' } } };

  it('accepts what the document describes', () => {
    expect(schema.check('GET', '/services', 200, undefined, [service])).toEqual([]);
    expect(schema.check('POST', '/services/create', 201, { Name: 'web' }, { ID: 'a1' })).toEqual([]);
    // allOf: the swarm inspect answer extends ClusterInfo with the join tokens.
    expect(
      schema.check('GET', '/swarm', 200, undefined, {
        ID: 's',
        Version: { Index: 1 },
        JoinTokens: { Worker: 'w', Manager: 'm' },
      }),
    ).toEqual([]);
  });

  it('names a field the document does not have, a wrong type, an undocumented status or operation', () => {
    expect(
      schema.check('GET', '/services', 200, undefined, [{ ...service, Spec: { ...service.Spec, version: 3 } }]),
    ).toEqual([
      {
        operation: 'GET /services',
        where: 'response',
        errors: ['/0/Spec must NOT have additional properties: version'],
      },
    ]);
    expect(schema.check('POST', '/services/a1/update', 200, { Name: 'web' }, { Warnings: null })[0]).toMatchObject({
      operation: 'POST /services/{id}/update',
      errors: ['/Warnings must be array'],
    });
    expect(schema.check('DELETE', '/services/a1', 201, undefined, '')[0]!.errors).toEqual([
      'status 201 is not documented',
    ]);
    expect(schema.check('POST', '/services/a1/scale', 200, {}, {})[0]!.errors).toEqual(['not an operation of the API']);
  });
});
