/**
 * The simulator's stand-in for `exportfs` reading /etc/exports: a line is `<abs path>` followed by
 * one or more `client(options)` entries; clients are hosts, IPs or CIDRs; options come from the
 * set exportfs accepts. Problems are reported like exportfs does, and nothing is exported then.
 */

const OPTIONS = new Set([
  'rw',
  'ro',
  'sync',
  'async',
  'secure',
  'insecure',
  'wdelay',
  'no_wdelay',
  'hide',
  'nohide',
  'crossmnt',
  'subtree_check',
  'no_subtree_check',
  'root_squash',
  'no_root_squash',
  'all_squash',
  'no_all_squash',
  'insecure_locks',
  'secure_locks',
  'mp',
]);
const VALUED = new Set(['anonuid', 'anongid', 'fsid', 'sec', 'mountpoint', 'refer', 'replicas']);

export function checkExports(
  text: string,
  file = '/etc/exports',
  pathExists: (path: string) => boolean = () => true,
): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${index + 1}`;
    const [path, ...clients] = line.split(/\s+/);
    if (!path?.startsWith('/')) problems.push(`${where}: bad export path '${path ?? ''}'`);
    else if (!pathExists(path)) problems.push(`Failed to stat ${path}: No such file or directory`);
    if (clients.length === 0) problems.push(`${where}: no client for ${path ?? ''}`);
    for (const client of clients) {
      const match = /^([^()\s]+)\(([^()]*)\)$/.exec(client);
      if (!match) {
        problems.push(`${where}: bad client '${client}'`);
        continue;
      }
      for (const option of (match[2] as string).split(',')) {
        const [key, value] = option.split('=');
        if (!(OPTIONS.has(option) || (key !== undefined && VALUED.has(key) && value))) {
          problems.push(`${where}: unknown keyword "${option}"`);
        }
      }
    }
  });
  return problems;
}
