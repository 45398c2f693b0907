/**
 * `node apps/credentials-service/dist/rewrap-keys.js [--to <kmsKeyId> | --new-local-key]`
 * Moves every data key (secret versions and service keys) under another KMS key; see REWRAP_USAGE.
 */
import { runRewrapCommand } from './rewrap/rewrap.command.js';

const controller = new AbortController();
const stop = (): void => {
  process.stderr.write('stopping after the batch in flight…\n');
  controller.abort();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  process.exitCode = await runRewrapCommand(process.argv.slice(2), process.env, {
    write: (line) => process.stdout.write(`${line}\n`),
    signal: controller.signal,
  });
} catch (error) {
  // KMS unavailable or Postgres down: rows already done stay done.
  process.stderr.write(`rewrap failed: ${error instanceof Error ? error.message : String(error)}; run again to resume\n`);
  process.exitCode = 1;
}
