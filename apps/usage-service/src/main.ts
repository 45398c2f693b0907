import { quotasFromEnv, runServiceMain } from '@switchboard/service-runtime';
import { EGRESS_ALLOW_ENV, EgressPolicy } from '@switchboard/upstream';
import { SERVICE_NAME, startUsageService } from './usage-service.bootstrap.js';

const databaseUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/switchboard';
const admissionCommit = process.env['USAGE_ADMISSION_COMMIT'] || 'fast';
if (admissionCommit !== 'fast' && admissionCommit !== 'durable') {
  process.stderr.write(`usage-service: USAGE_ADMISSION_COMMIT must be fast or durable, got ${admissionCommit}\n`);
  process.exit(2);
}

const budgetSeriesText = process.env['SWITCHBOARD_METRICS_MAX_BUDGET_SERIES'] || '';
const maxBudgetSeries = budgetSeriesText === '' ? undefined : Number(budgetSeriesText);
if (maxBudgetSeries !== undefined && !(Number.isInteger(maxBudgetSeries) && maxBudgetSeries >= 0 && maxBudgetSeries <= 100_000)) {
  process.stderr.write(`usage-service: SWITCHBOARD_METRICS_MAX_BUDGET_SERIES must be an integer from 0 to 100000, got ${budgetSeriesText}\n`);
  process.exit(2);
}

await runServiceMain(SERVICE_NAME, 'usage', async ({ logger, nats, identity }) => {
  // These throw on bad configuration, naming the variable.
  const quotas = quotasFromEnv();
  const egress = EgressPolicy.fromEnv(process.env[EGRESS_ALLOW_ENV]);
  return startUsageService({ databaseUrl, nats, logger, identity, admissionCommit, quotas, egress, ...(maxBudgetSeries !== undefined ? { maxBudgetSeries } : {}) });
});
