// Sums Jest's JSON reports and the failed non-Jest checks into the one totals line CI reads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: node scripts/test-totals.mjs <report dir> [<failed checks>] [-h | --help]

Sums the Jest JSON reports (*.json) in <report dir> and the number of failed non-Jest checks into one line,
"N passed, M failed" (what scripts/test.sh ends with and CI reads), listing each failed test above it.
Reads no environment. Exit codes: 0 nothing failed, 1 something failed, 2 bad arguments.`;

function commandLine() {
  try {
    const { values, positionals } = parseArgs({ strict: true, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const [dir, failedChecks = '0', ...rest] = positionals;
    if (dir === undefined) throw new Error('a report directory is needed');
    if (rest.length > 0) throw new Error(`unexpected argument '${rest[0]}'`);
    if (!/^\d+$/.test(failedChecks)) throw new Error(`<failed checks> must be a count, not '${failedChecks}'`);
    return { dir, failedChecks: Number(failedChecks) };
  } catch (error) {
    process.stderr.write(`test-totals: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

const { dir, failedChecks } = commandLine();
let passed = 0;
let failed = failedChecks;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that fails to load has no failed test but must still count.
  failed += report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed')).length;
  for (const r of report.testResults) {
    for (const a of r.assertionResults.filter((x) => x.status === 'failed')) console.log(`FAILED ${a.fullName}`);
    if (r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed')) console.log(`FAILED suite ${r.name}: ${r.message.split('\n').slice(0, 3).join(' ')}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
