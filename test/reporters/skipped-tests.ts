/**
 * Lists every skipped test at the end of a run, loudly: locally a test whose real peer (sshd,
 * dnsmasq, exportfs, ...) is missing is skipped, and that must not look like a pass. Under
 * CI=true such tests fail instead (see src/clients/ssh/_test-peers.ts).
 */
import type { Reporter, TestModule } from 'vitest/node';

export class SkippedTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        skipped.push(`  - ${module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
      }
    }
    if (skipped.length === 0) return;
    const bar = '!'.repeat(78);
    process.stderr.write(
      [
        '',
        bar,
        `!! ${skipped.length} test(s) SKIPPED — a real peer is missing here; they did NOT pass:`,
        ...skipped,
        '!! Install the peers (scripts/install-peers.sh, as root) and run again; under CI=true they fail.',
        bar,
        '',
      ].join('\n'),
    );
  }
}
