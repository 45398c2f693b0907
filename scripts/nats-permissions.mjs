#!/usr/bin/env node
// Writes deploy/nats/permissions.conf, the NATS users of the production cluster, from the access lists beside
// each operation in @switchboard/contracts (built: run `npm run build` first). One user per service: it may
// publish the request subjects of exactly the operations that list it as a caller, the events it appends and
// the JetStream API calls its own streams and consumers need; it may subscribe to its own operations, its own
// reply inboxes (`_INBOX_<user>`) and the events it listens to. Passwords stay `$NATS_<USER>_PASSWORD`
// references that nats-server resolves from its environment, so the file holds no secret.
//
//   node scripts/nats-permissions.mjs            write deploy/nats/permissions.conf
//   node scripts/nats-permissions.mjs --stdout   print it instead
//   node scripts/nats-permissions.mjs --json     print the users and their grants as JSON
//   node scripts/nats-permissions.mjs --check    exit 1 when the committed file differs from what is generated now
//   node scripts/nats-permissions.mjs --stdout --nkeys
//                                                the same users authenticated by nkey ($NATS_<USER>_NKEY, a public key)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as contracts from '@switchboard/contracts';

const { BUS_EVENT_TYPES, SERVICE_NAMES, serviceHealth } = contracts;
const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'nats', 'permissions.conf');

// What the services do on NATS besides request/reply lives in their code, not in the contracts; it is listed
// here, and test/e2e/nats-permissions.e2e.spec.ts runs the real services under the generated permissions and
// fails on any permission violation, so a change in the code that needs a new grant cannot go unnoticed.

/** Who appends the events of a context (the bus type's first segment): the outbox relay, or the gateway's usage publisher. */
const EVENT_PUBLISHERS = {
  tenant: 'providers',
  key: 'providers',
  provider: 'providers',
  model: 'providers',
  agent: 'providers',
  secret: 'credentials',
  recipient: 'credentials',
  credential: 'credentials',
  usage: 'gateway',
  budget: 'usage',
  alert: 'usage',
};

/** Core subscriptions on events (apps/gateway: key revocations and proxy cache invalidation), as bus types. */
const EVENT_LISTENERS = {
  gateway: ['key.revoked', 'provider.*', 'model.*', 'agent.*', 'tenant.settings_changed', 'secret.rotated', 'secret.deleted'],
};

/**
 * Durable pull consumers on EVENTS (one filter each): credentials' agent-start issuer, usage's projector and
 * usage's webhook intake (one per event type a webhook may subscribe to).
 */
const DURABLES = {
  credentials: [{ name: 'credentials-issuer', busType: 'agent.start_requested' }],
  usage: [
    { name: 'usage-projector', busType: 'usage.recorded' },
    ...contracts.WEBHOOK_EVENT_TYPES.map((busType) => ({ name: `webhook-intake-${busType.replace('.', '-')}`, busType })),
  ],
};

/** The services that open the store and create or update EVENTS at start (libs/service-runtime startService). */
const EVENTS_STREAM_OWNERS = ['providers', 'credentials', 'usage'];

/** The gateway's RPM counters: a KV bucket it creates on first use and reads by subject. */
const RPM_BUCKET = 'sb_rate';

/** Stream reads by sequence: the usage projector compares its position with the stream's. */
const STREAM_READERS = ['usage'];

/**
 * Orchestrators (libs/orchestrator-client) are not a service of this stack but connect to the same cluster:
 * a durable consumer per recipient on `events.<tenant>.credential.issued|denied`. Their durable names are not
 * known in advance, so they get the consumer API on EVENTS for those filters only, with the services' own
 * durables denied.
 */
const ORCHESTRATOR = { user: 'orchestrator', busTypes: ['credential.issued', 'credential.denied'] };

const JS = '$JS.API';
const STREAM = 'EVENTS';

export function collectOperations() {
  const bySubject = new Map();
  const add = (op) => bySubject.set(op.subject, op);
  const isOperation = (value) => value !== null && typeof value === 'object' && typeof value.subject === 'string' && Array.isArray(value.callers);
  for (const value of Object.values(contracts)) {
    if (isOperation(value)) add(value);
    else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) if (isOperation(inner)) add(inner);
  }
  // Health is defined per service by a function; every service that owns operations answers it.
  for (const owner of new Set([...bySubject.values()].map((op) => op.owner))) add(serviceHealth(owner));
  return [...bySubject.values()].sort((a, b) => a.subject.localeCompare(b.subject));
}

function eventTypesBy(service) {
  const types = Object.values(BUS_EVENT_TYPES);
  for (const type of types) {
    const context = type.slice(0, type.indexOf('.'));
    if (!(context in EVENT_PUBLISHERS)) throw new Error(`bus type ${type}: no publisher for context "${context}" in EVENT_PUBLISHERS`);
  }
  return types.filter((type) => EVENT_PUBLISHERS[type.slice(0, type.indexOf('.'))] === service).sort();
}

const inboxOf = (user) => `_INBOX_${user}`;
const passwordVariable = (user) => `NATS_${user.toUpperCase()}_PASSWORD`;
const nkeyVariable = (user) => `NATS_${user.toUpperCase()}_NKEY`;
const event = (busType) => `events.*.${busType}`;

function serviceUser(service, operations) {
  const calls = operations.filter((op) => op.callers.includes(service)).map((op) => `sb.${op.subject}`);
  const serves = operations.filter((op) => op.owner === service).map((op) => `sb.${op.subject}`);
  const jetstream = [];
  if (EVENTS_STREAM_OWNERS.includes(service)) jetstream.push(`${JS}.INFO`, ...['INFO', 'CREATE', 'UPDATE'].map((verb) => `${JS}.STREAM.${verb}.${STREAM}`));
  if (STREAM_READERS.includes(service)) jetstream.push(`${JS}.STREAM.MSG.GET.${STREAM}`);
  for (const durable of DURABLES[service] ?? []) {
    // The filter is part of the create subject (nats-server ≥ 2.9), so the grant also fixes what the durable reads.
    // Acks are granted explicitly: a handler's progress acks and its final ack answer one delivery several times,
    // and allow_responses allows one answer per message.
    jetstream.push(
      `${JS}.CONSUMER.CREATE.${STREAM}.${durable.name}.${event(durable.busType)}`,
      `${JS}.CONSUMER.INFO.${STREAM}.${durable.name}`,
      `${JS}.CONSUMER.MSG.NEXT.${STREAM}.${durable.name}`,
      `$JS.ACK.${STREAM}.${durable.name}.>`,
    );
  }
  if (service === 'gateway') {
    // The bucket is created on first use; a compare-and-set that lost to another replica reads the counter back.
    jetstream.push(`${JS}.INFO`, ...['INFO', 'CREATE', 'MSG.GET'].map((verb) => `${JS}.STREAM.${verb}.KV_${RPM_BUCKET}`), `$KV.${RPM_BUCKET}.>`);
  }
  return {
    user: service,
    passwordVariable: passwordVariable(service),
    inboxPrefix: inboxOf(service),
    publish: {
      allow: [...calls, ...eventTypesBy(service).map(event), ...unique(jetstream)],
    },
    subscribe: { allow: [...serves, `${inboxOf(service)}.>`, ...(EVENT_LISTENERS[service] ?? []).map(event)] },
    // Only services that answer requests reply; a reply goes to the requester's inbox, which no one may publish to otherwise.
    allowResponses: serves.length > 0,
  };
}

function orchestratorUser() {
  const ownDurables = Object.values(DURABLES).flat().map((durable) => durable.name);
  return {
    user: ORCHESTRATOR.user,
    passwordVariable: passwordVariable(ORCHESTRATOR.user),
    inboxPrefix: inboxOf(ORCHESTRATOR.user),
    publish: {
      allow: [
        `${JS}.INFO`,
        ...ORCHESTRATOR.busTypes.map((busType) => `${JS}.CONSUMER.CREATE.${STREAM}.*.${event(busType)}`),
        `${JS}.CONSUMER.INFO.${STREAM}.*`,
        `${JS}.CONSUMER.MSG.NEXT.${STREAM}.*`,
        `$JS.ACK.${STREAM}.*.>`,
      ],
      deny: ownDurables.flatMap((name) => [`${JS}.CONSUMER.CREATE.${STREAM}.${name}.>`, `${JS}.CONSUMER.MSG.NEXT.${STREAM}.${name}`, `$JS.ACK.${STREAM}.${name}.>`]),
    },
    subscribe: { allow: [`${inboxOf(ORCHESTRATOR.user)}.>`] },
    allowResponses: false,
  };
}

const unique = (values) => [...new Set(values)];

export function permissionModel() {
  const operations = collectOperations();
  return [...SERVICE_NAMES.map((service) => serviceUser(service, operations)), orchestratorUser()];
}

function list(name, subjects, indent) {
  const pad = ' '.repeat(indent);
  return [`${pad}${name}: [`, ...subjects.map((subject) => `${pad}  "${subject}"`), `${pad}]`];
}

/** `nkeys`: each user is named by its public nkey (a variable too) instead of a user name and password. */
export function renderPermissions(model = permissionModel(), { nkeys = false } = {}) {
  const credentials = (user) =>
    nkeys ? [`      # ${user.user}`, `      nkey: $${nkeyVariable(user.user)}`] : [`      user: ${user.user}`, `      password: $${user.passwordVariable}`];
  const lines = [
    '# GENERATED by scripts/nats-permissions.mjs from the access lists in libs/contracts: do not edit.',
    '# Regenerate after changing an operation\'s callers: npm run build && npm run nats:permissions',
    '#',
    '# One user per service. A user may publish the request subjects of the operations it may call, the events',
    '# it appends and the JetStream API its own streams and consumers use; it may subscribe to its own operations,',
    '# its own reply inboxes (the service runs with NATS_INBOX_PREFIX=_INBOX_<user>) and the events it listens to.',
    nkeys
      ? '# Users are their public nkeys, read by nats-server from its environment ($NATS_<USER>_NKEY).'
      : '# Passwords are read by nats-server from its environment ($NATS_<USER>_PASSWORD); no secret is in this file.',
    'authorization {',
    '  users = [',
  ];
  for (const user of model) {
    lines.push('    {', ...credentials(user), '      permissions: {', '        publish: {');
    lines.push(...list('allow', user.publish.allow, 10));
    if (user.publish.deny?.length) lines.push(...list('deny', user.publish.deny, 10));
    lines.push('        }', '        subscribe: {', ...list('allow', user.subscribe.allow, 10), '        }');
    if (user.allowResponses) lines.push('        allow_responses: true');
    lines.push('      }', '    }');
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

const USAGE = `usage: node scripts/nats-permissions.mjs [--stdout | --json | --check] [--nkeys] [-h | --help]

Generates deploy/nats/permissions.conf, the NATS users of the production cluster, from the access lists in
@switchboard/contracts (built: run \`npm run build\` first). Without options it writes the file.
  --stdout   print it instead
  --json     print the users and their grants as JSON
  --check    exit 1 when the committed file differs from what is generated now
  --nkeys    users authenticated by nkey ($NATS_<USER>_NKEY) instead of password ($NATS_<USER>_PASSWORD)
Reads no environment. Exit codes: 0 done (or up to date), 1 out of date, 2 bad arguments.`;

function main(argv) {
  let args;
  try {
    ({ values: args } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { stdout: { type: 'boolean' }, json: { type: 'boolean' }, check: { type: 'boolean' }, nkeys: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`nats-permissions: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(permissionModel(), null, 2)}\n`);
    return 0;
  }
  const text = renderPermissions(permissionModel(), { nkeys: args.nkeys === true });
  if (args.stdout) {
    process.stdout.write(text);
    return 0;
  }
  if (args.check) {
    let committed = '';
    try {
      committed = readFileSync(OUTPUT, 'utf8');
    } catch {
      // reported below as a difference
    }
    if (committed === text) return 0;
    process.stderr.write(`${OUTPUT} is out of date: run npm run build && npm run nats:permissions\n`);
    return 1;
  }
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${OUTPUT}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
