// The layer rule of ARCHITECTURE.md ("imports only point down"), as a small local ESLint rule:
// every relative import — static, `export ... from` and dynamic `import('...')` (the CLI loads
// its commands' dependencies lazily) — from one top-level folder of src/ to another is checked
// against the table below. Tests and test fixtures may cross layers (they wire things up).
import { dirname, relative, resolve, sep } from 'node:path';

/** Folder -> folders it must not import. */
export const FORBIDDEN = {
  // cli/ may start server/ (`phoenix serve` runs the daemon); never the other way round.
  cli: ['providers', 'clients', 'state', 'sim'],
  server: ['cli', 'providers', 'clients', 'state', 'sim'],
  gitops: ['cli', 'server'],
  app: ['cli', 'server', 'gitops'],
  providers: ['app', 'gitops', 'cli', 'server', 'sim'],
  engine: ['providers', 'app', 'gitops', 'cli', 'server', 'sim'],
  config: ['providers', 'app', 'gitops', 'cli', 'server', 'sim'],
  clients: ['providers', 'app', 'gitops', 'cli', 'server', 'sim'],
  state: ['providers', 'app', 'gitops', 'cli', 'server', 'sim'],
  util: ['engine', 'config', 'clients', 'state', 'providers', 'app', 'gitops', 'cli', 'server', 'sim'],
  sim: ['clients', 'providers', 'app', 'gitops', 'cli', 'server'],
};

const ORDER =
  'cli/server -> gitops -> app -> providers -> engine/config/clients/state -> util; sim/ is the other side of the wire';

function topFolder(srcRoot, file) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..')) return undefined;
  const [top, ...rest] = rel.split(sep);
  return rest.length > 0 ? top : undefined;
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports only point down the layers of ARCHITECTURE.md' },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: {
      upward: '{{from}}/ must not import {{to}}/ ({{source}}): imports only point down ({{order}})',
    },
  },
  create(context) {
    const srcRoot = resolve(context.options[0]?.srcRoot ?? 'src');
    const file = context.filename;
    const from = topFolder(srcRoot, file);
    const forbidden = from ? FORBIDDEN[from] : undefined;
    if (!forbidden) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = topFolder(srcRoot, resolve(dirname(file), source));
      if (to && forbidden.includes(to))
        context.report({ node, messageId: 'upward', data: { from, to, source, order: ORDER } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export const layersPlugin = { rules: { imports: layersRule } };
