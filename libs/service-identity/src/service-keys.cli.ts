#!/usr/bin/env node
// Service identity keys on disk: `init` creates what is missing, `rotate <service>` and `retire <service>` are
// the two steps of a rotation (see the README's "Service identity" section). Prints key ids, never keys.
import { isServiceName, SERVICE_NAMES } from '@switchboard/contracts';
import { ensureServiceKeyFiles, retireServiceKey, rotateServiceKey } from './service-key.files.js';

const USAGE = `usage: service-keys.cli.js <init | rotate <service> | retire <service>> [--dir <dir>] (default .switchboard/service-keys)
services: ${SERVICE_NAMES.join(', ')}`;

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const dir = dirAt >= 0 ? args[dirAt + 1] : '.switchboard/service-keys';
const [command, service] = args.filter((_, i) => i !== dirAt && i !== dirAt + 1);

function run(): number {
  if (dir === undefined) return usage();
  if (command === 'init') {
    const created = ensureServiceKeyFiles(dir);
    console.log(created.length > 0 ? `created keys for ${created.join(', ')} in ${dir}` : `keys in ${dir} are complete`);
    return 0;
  }
  if ((command === 'rotate' || command === 'retire') && isServiceName(service)) {
    if (command === 'rotate') {
      const keyId = rotateServiceKey(dir, service);
      console.log(`${service}: new key ${keyId}; both keys trusted. Restart the other services, then ${service}; then run retire ${service}.`);
    } else {
      retireServiceKey(dir, service);
      console.log(`${service}: only the current key is trusted now; restart every service to drop the old one.`);
    }
    return 0;
  }
  return usage();
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = run();
} catch (error) {
  console.error(`service-keys: ${(error as Error).message}`);
  process.exitCode = 1;
}
