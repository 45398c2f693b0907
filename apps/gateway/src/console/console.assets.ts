import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the console: apps/console/dist, beside this app's src/ and dist/. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist', import.meta.url));

export interface ConsoleAsset {
  readonly body: Buffer;
  /** The same bytes gzipped, when that is smaller. */
  readonly gzip: Buffer | null;
  readonly contentType: string;
  readonly etag: string;
  /** Vite names these after their content hash: a changed file has a new name, so the old one may be kept forever. */
  readonly immutable: boolean;
}

export interface ConsoleAssets {
  readonly index: ConsoleAsset;
  /** By path under /console/, e.g. `assets/index-Dnu1v9vB.js`. */
  readonly files: ReadonlyMap<string, ConsoleAsset>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
const MAX_FILES = 500;

function asset(path: string, immutable: boolean): ConsoleAsset {
  const body = readFileSync(path);
  const extension = extname(path).toLowerCase();
  const gzip = COMPRESSIBLE.has(extension) && body.length > 512 ? gzipSync(body, { level: 9 }) : null;
  return {
    body,
    gzip: gzip !== null && gzip.length < body.length ? gzip : null,
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    immutable,
  };
}

function filesUnder(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, found);
    else if (entry.isFile()) found.push(path);
    if (found.length > MAX_FILES) throw new Error(`${dir} holds more than ${MAX_FILES} files: is it the console's build?`);
  }
  return found;
}

/**
 * Reads the built console into memory once, at start: the gateway then never touches the file system for it, and a
 * path can never reach outside the directory. Null when there is no build (no index.html) in `dir`.
 */
export function loadConsoleAssets(dir: string): ConsoleAssets | null {
  let indexPath: string;
  try {
    indexPath = join(dir, 'index.html');
    if (!statSync(indexPath).isFile()) return null;
  } catch {
    return null;
  }
  const files = new Map<string, ConsoleAsset>();
  for (const path of filesUnder(dir)) {
    const name = relative(dir, path).split(sep).join('/');
    if (name === 'index.html') continue;
    files.set(name, asset(path, name.startsWith('assets/')));
  }
  return { index: asset(indexPath, false), files };
}
