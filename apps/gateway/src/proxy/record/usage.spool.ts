import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** One spooled event: where it goes and the message itself (its eventId is the Nats-Msg-Id). */
export interface SpooledEvent {
  readonly subject: string;
  readonly event: { readonly eventId: string } & Readonly<Record<string, unknown>>;
}

const ACTIVE = /^usage-(\d+)\.jsonl$/;
const CLAIMED = /^usage-(\d+)-(\d+)\.claimed\.jsonl$/;

/**
 * Usage events that could not be published, as JSON lines in `<dir>/usage-<pid>.jsonl` (one file per process,
 * so replicas sharing a directory never interleave writes). Appends are fsynced per batch. A flush first
 * claims a file by renaming it (atomic: of two processes, one gets it; appends after the rename go to a new
 * file), republishes its lines, and removes it only when every line was acknowledged; a partial failure
 * rewrites the claimed file with the lines still owed.
 */
export class UsageSpool {
  private readonly activeName: string;
  private claims = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly isAlive: (pid: number) => boolean;

  constructor(
    private readonly dir: string,
    private readonly pid = process.pid,
    isAlive?: (pid: number) => boolean,
  ) {
    this.activeName = `usage-${pid}.jsonl`;
    this.isAlive = isAlive ?? processAlive;
  }

  /** Resolves once the events are on disk (fsynced). Appends are serialised, so batches never interleave. */
  append(events: readonly SpooledEvent[]): Promise<void> {
    if (events.length === 0) return this.writing;
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    const write = this.writing.then(() => this.writeSynced(join(this.dir, this.activeName), text, 'a'));
    this.writing = write.catch(() => undefined);
    return write;
  }

  /**
   * Republishes what this process spooled and what dead processes left behind. `publish` resolves when the
   * event is acknowledged and rejects otherwise. Returns how many events were acknowledged.
   */
  async flush(publish: (event: SpooledEvent) => Promise<void>): Promise<number> {
    await this.writing;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let published = 0;
    for (const name of names) {
      const claimed = await this.claim(name);
      if (claimed !== null) published += await this.replay(claimed, publish);
    }
    return published;
  }

  /** Our own files, and files of processes that are gone, become ours under a fresh claimed name. */
  private async claim(name: string): Promise<string | null> {
    const match = ACTIVE.exec(name) ?? CLAIMED.exec(name);
    if (match === null) return null;
    const owner = Number(match[1]);
    if (owner !== this.pid && this.isAlive(owner)) return null;
    const claimed = join(this.dir, `usage-${this.pid}-${++this.claims}.claimed.jsonl`);
    if (owner === this.pid && CLAIMED.test(name)) {
      await rename(join(this.dir, name), claimed).catch(() => undefined);
      return claimed;
    }
    const move = () => rename(join(this.dir, name), claimed);
    try {
      // Our own active file is renamed between two appends, never while one is being written.
      if (owner === this.pid) {
        const moved = this.writing.then(move);
        this.writing = moved.catch(() => undefined);
        await moved;
      } else {
        await move();
      }
      return claimed;
    } catch {
      return null;
    }
  }

  private async replay(file: string, publish: (event: SpooledEvent) => Promise<void>): Promise<number> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return 0;
    }
    const owed: string[] = [];
    let published = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const event = parseLine(line);
      // A torn last line (crash mid-append) is not an event; anything else unreadable is kept, never dropped.
      if (event === null) {
        if (line.trimEnd().endsWith('}')) owed.push(line);
        continue;
      }
      try {
        await publish(event);
        published++;
      } catch {
        owed.push(line);
      }
    }
    if (owed.length === 0) await rm(file, { force: true });
    else await this.writeSynced(file, owed.map((l) => `${l}\n`).join(''), 'w');
    return published;
  }

  private async writeSynced(path: string, text: string, flags: 'a' | 'w'): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const handle = await open(path, flags, 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function parseLine(line: string): SpooledEvent | null {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { subject, event } = parsed as { subject?: unknown; event?: unknown };
    if (typeof subject !== 'string' || typeof event !== 'object' || event === null) return null;
    const eventId = (event as { eventId?: unknown }).eventId;
    return typeof eventId === 'string' ? { subject, event: event as SpooledEvent['event'] } : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
