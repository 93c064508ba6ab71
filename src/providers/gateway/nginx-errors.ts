/**
 * Maps what `nginx -t` says back to the route it is about: `... in <file>:<line>` → the route
 * that rendered that line; a message without a position (nginx checks variables after parsing)
 * → the route whose lines contain the quoted name. Then to where the route is declared.
 */
export interface OwnerRange {
  from: number;
  to: number;
  origin: string;
}

/** Per-line owners → compact ranges (1-based, inclusive). */
export function ownerRanges(owners: (string | undefined)[]): OwnerRange[] {
  const ranges: OwnerRange[] = [];
  owners.forEach((origin, index) => {
    if (origin === undefined) return;
    const last = ranges[ranges.length - 1];
    if (last && last.origin === origin && last.to === index) last.to = index + 1;
    else ranges.push({ from: index + 1, to: index + 1, origin });
  });
  return ranges;
}

export interface NginxFinding {
  /** nginx's own words, without the `nginx: [emerg]` prefix. */
  message: string;
  /** File relative to the live directory, and line, when nginx gave them and they are Phoenix's. */
  file?: string;
  line?: number;
  /** The route (`routes[2]`) the finding is about, when it can be told. */
  origin?: string;
}

export function mapNginxOutput(
  output: string,
  liveDir: string,
  files: Record<string, { content: string; ranges: OwnerRange[] }>,
): NginxFinding[] {
  const findings: NginxFinding[] = [];
  for (const raw of output.split('\n')) {
    const match = /^nginx: \[(emerg|alert|crit|error)\] (.*)$/.exec(raw.trim());
    if (!match) continue;
    const text = match[2] as string;
    const at = / in (\S+):(\d+)$/.exec(text);
    const message = at ? text.slice(0, at.index) : text;
    const finding: NginxFinding = { message };
    if (at && (at[1] as string).startsWith(`${liveDir}/`)) {
      finding.file = (at[1] as string).slice(liveDir.length + 1);
      finding.line = Number(at[2]);
      finding.origin = files[finding.file]?.ranges.find(
        (r) => r.from <= (finding.line as number) && (finding.line as number) <= r.to,
      )?.origin;
    } else {
      // No position, or one outside Phoenix's files: nginx checks some values (variables in
      // headers) after parsing and then names the top-level file. The quoted name finds the line.
      const quoted = /"([^"]+)"/.exec(message)?.[1];
      if (quoted) {
        outer: for (const [file, { content, ranges }] of Object.entries(files)) {
          const lines = content.split('\n');
          for (let i = 0; i < lines.length; i += 1) {
            const line = lines[i] as string;
            // Comments (the route marker quotes the route's options) are not what nginx refused.
            if (line.trimStart().startsWith('#')) continue;
            if (!line.includes(`$${quoted}`) && !line.includes(`\${${quoted}`)) continue;
            const origin = ranges.find((r) => r.from <= i + 1 && i + 1 <= r.to)?.origin;
            if (origin) {
              Object.assign(finding, { file, line: i + 1, origin });
              break outer;
            }
          }
        }
      }
    }
    findings.push(finding);
  }
  return findings;
}
