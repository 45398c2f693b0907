#!/usr/bin/env node
// Service identity keys on disk: `init` creates what is missing, `rotate <service>` and `retire <service>` are
// the two steps of a rotation (see the README's "Service identity" section). Prints key ids, never keys.
import { parseArgs } from 'node:util';
import { isServiceName, SERVICE_NAMES, type ServiceName } from '@switchboard/contracts';
import { ensureServiceKeyFiles, retireServiceKey, rotateServiceKey } from './service-key.files.js';

const USAGE = `usage: node libs/service-identity/dist/service-keys.cli.js <command> [--dir <dir>] [-h | --help]

The services' Ed25519 identity keys (<service>.pem, mode 0600) and the trust list (trusted-keys.json) on disk.
Prints key ids, never keys.
  init               creates whatever key or trust list entry is missing
  rotate <service>   makes a new current key for the service; both keys are trusted until retire
  retire <service>   drops the service's old key from the trust list
  --dir <dir>        where the files are (default .switchboard/service-keys, from the working directory)
services: ${SERVICE_NAMES.join(', ')}. Reads no environment. Exit codes: 0 done, 1 failed, 2 bad arguments.`;

type Command = { readonly kind: 'help' } | { readonly kind: 'init'; readonly dir: string } | { readonly kind: 'rotate' | 'retire'; readonly dir: string; readonly service: ServiceName };

/** Throws an Error saying what is wrong with the arguments. */
function parseCommandLine(argv: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { dir: { type: 'string', default: '.switchboard/service-keys' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return { kind: 'help' };
  const [command, service, ...rest] = positionals;
  if (rest.length > 0) throw new Error(`unexpected argument '${rest[0]}'`);
  if (command === 'init' && service === undefined) return { kind: 'init', dir: values.dir };
  if (command === 'rotate' || command === 'retire') {
    if (!isServiceName(service)) throw new Error(`${command} needs a service: ${SERVICE_NAMES.join(', ')}`);
    return { kind: command, dir: values.dir, service };
  }
  throw new Error(command === undefined ? 'a command is needed' : `unknown command '${[command, service].filter(Boolean).join(' ')}'`);
}

function run(): number {
  let command: Command;
  try {
    command = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    console.error(`service-keys: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'init': {
      const created = ensureServiceKeyFiles(command.dir);
      console.log(created.length > 0 ? `created keys for ${created.join(', ')} in ${command.dir}` : `keys in ${command.dir} are complete`);
      return 0;
    }
    case 'rotate': {
      const keyId = rotateServiceKey(command.dir, command.service);
      console.log(`${command.service}: new key ${keyId}; both keys trusted. Restart the other services, then ${command.service}; then run retire ${command.service}.`);
      return 0;
    }
    case 'retire':
      retireServiceKey(command.dir, command.service);
      console.log(`${command.service}: only the current key is trusted now; restart every service to drop the old one.`);
      return 0;
  }
}

try {
  process.exitCode = run();
} catch (error) {
  console.error(`service-keys: ${(error as Error).message}`);
  process.exitCode = 1;
}
