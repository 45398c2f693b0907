// Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self time: top functions and top files/packages.
// Usage: node test/bench/cpuprofile.summary.mjs <file.cpuprofile> [topN=30]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/bench/cpuprofile.summary.mjs <file.cpuprofile> [topN]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// CPUPROF_FROM=auto (default) skips start-up: samples count from the first one with a proxy call on its stack.
// CPUPROF_FROM=0 counts everything.
const onStack = (id, fragment) => {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (byId.get(cur).callFrame.url.includes(fragment)) return true;
  return false;
};
const fromAuto = (process.env.CPUPROF_FROM ?? 'auto') === 'auto';
const firstIndex = fromAuto ? Math.max(0, profile.samples.findIndex((id) => onStack(id, 'proxy/pipeline/proxy.handler'))) : 0;

// Self time per node from the sample stream (timeDeltas[i] belongs to samples[i]).
const selfUs = new Map();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  if (i < firstIndex) return;
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  totalUs += dt;
});

const shortUrl = (url) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const repo = url.indexOf('/apps/') >= 0 ? url.indexOf('/apps/') : url.indexOf('/libs/');
  return repo >= 0 ? url.slice(repo + 1) : url.replace(/^file:\/\//, '');
};
const pkgOf = (url) => {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0].replace(/^node:internal.*/, 'node:internal');
  const m = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
};

const fnAgg = new Map();
const pkgAgg = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'}  ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
  fnAgg.set(name, (fnAgg.get(name) ?? 0) + us);
  const pkg = callFrame.url ? pkgOf(callFrame.url) : callFrame.functionName.startsWith('(') ? callFrame.functionName : '(native)';
  pkgAgg.set(pkg, (pkgAgg.get(pkg) ?? 0) + us);
}

// Inclusive time per package: a sample counts once for every package on its stack.
const inclPkg = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const url = byId.get(cur).callFrame.url;
    if (url) seen.add(pkgOf(url));
  }
  for (const p of seen) inclPkg.set(p, (inclPkg.get(p) ?? 0) + us);
}

const idle = [...fnAgg].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
const busy = totalUs - idle;
const row = (us) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%`;
console.log(`${file}\nwall ${(totalUs / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms (percentages of busy)\n`);
console.log(`top ${top} functions by self time:`);
for (const [k, v] of [...fnAgg].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${row(v)}  ${k}`);
console.log('\nself time by package/file group:');
for (const [k, v] of [...pkgAgg].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${row(v)}  ${k}`);
console.log('\ninclusive time by package (sample counted once per package on its stack):');
for (const [k, v] of [...inclPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${row(v)}  ${k}`);

// CPUPROF_CALLERS=name1,name2: for each, the stacks (4 frames up) that spent the most self time in it.
for (const wantedName of (process.env.CPUPROF_CALLERS ?? '').split(',').filter(Boolean)) {
  const stacks = new Map();
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName !== wantedName) continue;
    const frames = [];
    for (let cur = parent.get(id), i = 0; cur !== undefined && i < Number(process.env.CPUPROF_DEPTH ?? 6); cur = parent.get(cur), i++) {
      const f = byId.get(cur).callFrame;
      frames.push(`${f.functionName || '(anon)'}@${shortUrl(f.url).split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
    }
    const key = frames.join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  console.log(`\ncallers of ${wantedName}:`);
  for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${row(v)}  ${k}`);
}
