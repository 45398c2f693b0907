/**
 * `node apps/credentials-service/dist/verify-shredding.js --tenant <tenantId> [--rows <file.jsonl>]`
 * Checks that a deleted tenant's secrets no longer decrypt; see VERIFY_USAGE.
 */
import { runVerifyShreddingCommand } from './tenant-keys/verify-shredding.command.js';

try {
  process.exitCode = await runVerifyShreddingCommand(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`));
} catch (error) {
  process.stderr.write(`verify-shredding failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
