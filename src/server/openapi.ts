/**
 * The OpenAPI 3.1 document the daemon serves at `/api/openapi.json`. A test compares its paths
 * with the route table and validates real answers against its response schemas, so the
 * document cannot drift from the handlers.
 */
type Schema = Record<string, unknown>;

const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const str: Schema = { type: 'string' };
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});

const ErrorBody = obj({ error: obj({ code: str, message: str }) });
const Condition = obj(
  { type: str, status: { enum: ['True', 'False', 'Unknown'] }, reason: str, message: str, lastTransitionTime: str },
  ['type', 'status', 'reason', 'message'],
);
const Row = obj(
  {
    kind: str,
    address: str,
    name: str,
    sync: { enum: ['in sync', 'drifted', 'missing', 'pending', 'orphaned'] },
    health: { enum: ['healthy', 'progressing', 'degraded', 'unknown'] },
    drift: { type: 'array', items: str },
    conditions: { type: 'array', items: { $ref: '#/components/schemas/Condition' } },
    node: str,
    details: { type: 'object' },
  },
  ['kind', 'address', 'name', 'sync', 'health', 'drift', 'conditions'],
);
const Run = obj({
  id: str,
  revision: nullable(str),
  trigger: { enum: ['poll', 'webhook', 'api', 'self-heal', 'startup', 'approve', 'renewal'] },
  outcome: {
    enum: ['running', 'succeeded', 'failed', 'invalid', 'held', 'in-sync', 'blocked', 'interrupted', 'rejected'],
  },
  message: nullable(str),
  startedAt: str,
  finishedAt: nullable(str),
  durationMs: nullable({ type: 'number' }),
  summary: { type: 'object' },
  resources: {
    type: 'array',
    items: obj({ address: str, action: str, outcome: str, error: str }, ['address', 'outcome']),
  },
  errors: {
    type: 'array',
    items: obj({ message: str, code: str, file: str, line: { type: 'integer' }, column: { type: 'integer' } }, [
      'message',
    ]),
  },
});
const Hold = obj({
  id: str,
  reason: str,
  status: { enum: ['pending', 'approved', 'rejected', 'superseded', 'applied', 'failed'] },
  revision: nullable(str),
  createdAt: str,
  summary: { type: 'object' },
  changes: {
    type: 'array',
    items: obj({
      address: str,
      kind: nullable(str),
      action: str,
      attributes: {
        type: 'array',
        items: obj({ path: str, before: {}, after: {}, sensitive: { type: 'boolean' } }, ['path']),
      },
      reasons: { type: 'array', items: str },
    }),
  },
});
const Queued = obj({ queued: { type: 'boolean' }, run: nullable({ $ref: '#/components/schemas/Run' }) });

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const errors = {
  '401': json(ref('Error'), 'no or unknown token'),
  '429': json(ref('Error'), 'too many failed attempts'),
};
const operateErrors = {
  ...errors,
  '403': json(ref('Error'), 'the token lacks the operate scope, or CSRF check failed'),
};
const waitParam = {
  name: 'wait',
  in: 'query',
  required: false,
  schema: { type: 'string', enum: ['true', 'false'] },
  description: 'answer when the run has finished',
};
const idParam = { name: 'id', in: 'path', required: true, schema: str };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Phoenix daemon API',
      version: '1',
      description:
        'phoenix serve: status, plans, history and control of the GitOps reconcile loop. Bearer tokens (`phoenix token create`) with read or operate scope.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'phoenix_session' },
      },
      schemas: { Error: ErrorBody, Condition, Row, Run, Hold, Queued },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths: {
      '/api/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': json({ type: 'object' }) } },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': json(obj({ ok: { type: 'boolean' } })) } },
      },
      '/api/v1/status': {
        get: {
          summary: 'Status rows of every resource (kind, address, sync, health, conditions)',
          responses: {
            '200': json(
              obj({
                source: str,
                revision: nullable(str),
                lastSeenRevision: nullable(str),
                statusAt: nullable(str),
                running: { type: 'boolean' },
                queueDepth: { type: 'integer' },
                lastSync: nullable({ type: 'object' }),
                policy: { type: 'object' },
                rows: { type: 'array', items: ref('Row') },
              }),
            ),
            ...errors,
          },
        },
      },
      '/api/v1/plan': {
        get: {
          summary: 'The current plan (changes and drift) and the plans held for approval',
          responses: {
            '200': json(
              obj({
                revision: nullable(str),
                plan: nullable({ type: 'object' }),
                holds: { type: 'array', items: ref('Hold') },
              }),
            ),
            ...errors,
          },
        },
      },
      '/api/v1/history': {
        get: {
          summary: 'Reconcile runs, newest first',
          parameters: [
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: { '200': json(obj({ runs: { type: 'array', items: ref('Run') } })), ...errors },
        },
      },
      '/api/v1/history/{id}': {
        get: {
          summary: 'One run with its events',
          parameters: [idParam],
          responses: {
            '200': json(obj({ run: ref('Run'), events: { type: 'array', items: { type: 'object' } } })),
            '404': json(ref('Error'), 'no such run'),
            ...errors,
          },
        },
      },
      '/api/v1/certificates': {
        get: {
          summary: 'Tracked certificates and their expiry',
          responses: { '200': json(obj({ certificates: { type: 'array', items: { type: 'object' } } })), ...errors },
        },
      },
      '/api/v1/events': {
        get: {
          summary:
            'Server-sent events: run.started, run.finished, status, hold.created, hold.decided, resource.applying, resource.applied, revision.invalid',
          responses: {
            '200': { description: 'an event stream', content: { 'text/event-stream': { schema: str } } },
            ...errors,
          },
        },
      },
      '/api/v1/sync': {
        post: {
          summary: 'Start a reconcile run now (operate scope)',
          parameters: [waitParam],
          responses: {
            '200': json(ref('Queued'), 'finished (wait=true)'),
            '202': json(ref('Queued'), 'queued'),
            ...operateErrors,
          },
        },
      },
      '/api/v1/plans/{id}/approve': {
        post: {
          summary: 'Approve and apply a held plan (operate scope)',
          parameters: [idParam, waitParam],
          responses: {
            '200': json(ref('Queued'), 'applied (wait=true)'),
            '202': json(ref('Queued'), 'queued'),
            '404': json(ref('Error'), 'no such hold'),
            '409': json(ref('Error'), 'already decided'),
            ...operateErrors,
          },
        },
      },
      '/api/v1/plans/{id}/reject': {
        post: {
          summary: 'Reject a held plan (operate scope)',
          parameters: [idParam],
          responses: {
            '200': json(obj({ hold: ref('Hold') })),
            '404': json(ref('Error'), 'no such hold'),
            '409': json(ref('Error'), 'already decided'),
            ...operateErrors,
          },
        },
      },
      '/api/v1/session': {
        get: {
          summary: 'The dashboard session (scope and CSRF token; scope null when logged out)',
          security: [],
          responses: {
            '200': json(obj({ scope: { enum: ['read', 'operate', null] }, csrfToken: nullable(str) })),
          },
        },
        post: {
          summary: 'Log in to the dashboard with a token: sets an HttpOnly SameSite=Strict cookie',
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: obj({ token: str }) } } },
          responses: { '200': json(obj({ scope: { enum: ['read', 'operate'] }, csrfToken: str })), ...errors },
        },
        delete: { summary: 'Log out', security: [], responses: { '200': json(obj({ ok: { type: 'boolean' } })) } },
      },
      '/hooks/git': {
        post: {
          summary: 'Push webhook of GitHub, GitLab, Gitea or Forgejo (signature or token checked)',
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': json(
              obj({ accepted: { type: 'boolean' }, reason: str }),
              'not a push to the branch: nothing starts',
            ),
            '202': json(obj({ accepted: { type: 'boolean' }, provider: str }), 'a run is queued'),
            '401': json(ref('Error'), 'not verified: nothing starts'),
            '429': json(ref('Error'), 'too many failed attempts'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text format 0.0.4)',
          responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: str } } }, ...errors },
        },
      },
    },
  };
}
