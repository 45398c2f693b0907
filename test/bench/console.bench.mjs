// The web console's figures (run by hand: `npm run bench:console`, after `npm run build`): the JavaScript and CSS
// the browser downloads, raw and gzipped as the gateway serves them, and the time to first render of the providers
// page in Chromium against the real stack (a fresh browser context per run: nothing cached). Options via env:
// BENCH_RUNS (page loads, default 10), BENCH_PROVIDERS (providers listed, default 5), SWITCHBOARD_CHROMIUM.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ApiClient, MockLlmUpstream, REPO_ROOT, Stack, deleteEventsStream } from '@switchboard/testing';
import { ascending, pct } from './bench-kit.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 5);
const CHROMIUM = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium';
const ASSETS = join(REPO_ROOT, 'apps/console/dist/assets');
const kb = (bytes) => (bytes / 1024).toFixed(1);

function bundleSizes() {
  let files;
  try {
    files = readdirSync(ASSETS).filter((f) => /\.(js|css)$/.test(f));
  } catch {
    throw new Error(`no console build in ${ASSETS}: run npm run build first`);
  }
  const rows = files.map((file) => {
    const body = readFileSync(join(ASSETS, file));
    // Level 9, as apps/gateway/src/console compresses them once at start.
    return { file, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  return { rows, raw: rows.reduce((s, r) => s + r.raw, 0), gzip: rows.reduce((s, r) => s + r.gzip, 0) };
}

const sizes = bundleSizes();
console.log('Console assets (apps/console/dist/assets)');
console.table(sizes.rows.map((r) => ({ file: r.file, 'raw KB': kb(r.raw), 'gzip KB': kb(r.gzip) })));
console.log(`JS + CSS: ${kb(sizes.raw)} KB raw, ${kb(sizes.gzip)} KB gzipped (goal ≤ 250 KB gzipped)\n`);

console.log('Starting the stack and Chromium…');
const mock = await new MockLlmUpstream().start();
const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'console-bench' });
  const key = tenant.body.adminKey;
  const admin = new ApiClient(stack.gatewayUrl, key);
  for (let i = 0; i < PROVIDERS; i++) {
    const created = await admin.post('/v1/providers', { name: `bench-${i}`, type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-bench-0123456789', monthlyBudgetUsd: 100 });
    if (created.status !== 201) throw new Error(`provider: ${created.status} ${created.text}`);
  }
  const last = `bench-${PROVIDERS - 1}`;

  const firstRender = [];
  const listed = [];
  for (let run = 0; run <= RUNS; run++) {
    // A fresh context each run: no HTTP cache, and the key as a signed-in tab keeps it (sessionStorage).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((k) => sessionStorage.setItem('switchboard.console.key', k), key);
    const page = await context.newPage();
    await page.goto(`${stack.gatewayUrl}/console/providers`, { waitUntil: 'commit' });
    // Milliseconds from navigation start: the page's heading drawn, then the whole list (every row's budget gauge).
    const heading = await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Providers' && performance.now(), undefined, { polling: 'raf' });
    const table = await page.waitForFunction(
      (name) => [...document.querySelectorAll('table a')].some((a) => a.textContent === name) && document.querySelectorAll('[role="meter"]').length > 0 && performance.now(),
      last,
      { polling: 'raf' },
    );
    // The first load warms the gateway and the services; it is not counted.
    if (run > 0) {
      firstRender.push(await heading.jsonValue());
      listed.push(await table.jsonValue());
    }
    await context.close();
  }
  const row = (label, samples) => {
    const s = ascending(samples);
    return { measure: label, runs: s.length, 'p50 ms': pct(s, 50).toFixed(0), 'min ms': s[0].toFixed(0), 'max ms': s[s.length - 1].toFixed(0) };
  };
  console.log(`\nProviders page in Chromium (headless, loopback, ${PROVIDERS} providers, cold cache, signed in), from navigation start`);
  console.table([row('first render (page heading drawn)', firstRender), row('providers listed with budgets', listed)]);
} finally {
  await browser.close();
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
