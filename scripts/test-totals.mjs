// Sums Jest's JSON reports and the failed non-Jest checks into the one totals line CI reads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, failedChecksArg] = process.argv.slice(2);
let passed = 0;
let failed = Number(failedChecksArg ?? 0);
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
