// compose's kms-init: puts the operator's local-KMS master key into the key directory the credentials-service
// replicas share, in the layout libs/kms reads (`<keyId>.key` holding base64 of 32 bytes, and `current` naming the
// key new data keys use; files 0600 in a 0700 directory, all owned by the service's user).
//   KMS_SEED_FILE  the key: base64 of 32 random bytes (make-secrets.sh: deploy/secrets/kms/master.key)
//   KMS_LOCAL_DIR  the key directory (a named volume)
// A directory that already names a current key is left as it is, so re-running never replaces a key (and keys
// added by `rewrap-keys.js --new-local-key` stay current). Prints the key id, never the key.
import { createHmac } from 'node:crypto';
import { chmodSync, closeSync, constants, existsSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.KMS_LOCAL_DIR || '/var/lib/switchboard/kms';
const seedFile = process.env.KMS_SEED_FILE || '/run/secrets/kms-master-key';

function fail(message) {
  console.error(`kms-init: ${message}`);
  process.exit(1);
}

const stats = statSync(dir, { throwIfNoEntry: false });
if (!stats?.isDirectory()) fail(`${dir} is not a directory (mount the kms volume there)`);
if (stats.uid !== process.getuid()) fail(`${dir} is owned by uid ${stats.uid}, not ${process.getuid()}: create the volume from the image (a new named volume) or chown it`);
chmodSync(dir, 0o700);

if (existsSync(join(dir, 'current'))) {
  console.log(`kms-init: ${dir} already has a current key; nothing to do`);
  process.exit(0);
}

let text;
try {
  text = readFileSync(seedFile, 'utf8').trim();
} catch (error) {
  fail(`cannot read ${seedFile} (${error.code ?? error.message}); it must be readable by uid ${process.getuid()}`);
}
const key = Buffer.from(text, 'base64');
if (key.length !== 32 || key.toString('base64') !== text) fail(`${seedFile} must hold standard base64 of 32 bytes`);
// Derived from the key, so the same seed always gives the same id, and another seed a different one.
const keyId = `seed-${createHmac('sha256', key).update('switchboard kms seed key id').digest('hex').slice(0, 16)}`;
key.fill(0);

function writePrivate(path, content) {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
}

const keyPath = join(dir, `${keyId}.key`);
if (!existsSync(keyPath)) writePrivate(keyPath, `${text}\n`);
const temp = join(dir, `.current.kms-init.${process.pid}`);
writePrivate(temp, `${keyId}\n`);
try {
  // link fails if `current` appeared meanwhile; the marker then stays as it is.
  linkSync(temp, join(dir, 'current'));
} catch (error) {
  if (error.code !== 'EEXIST') throw error;
} finally {
  unlinkSync(temp);
}
console.log(`kms-init: ${dir} holds key ${keyId}`);
