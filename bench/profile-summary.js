// Summarises a V8 CPU profile (`node --cpu-prof`): self time by where the code lives (a package under
// node_modules, a folder of ours under src/ or dist/, Node's internals, idle and GC), largest first.
// Run: node bench/profile-summary.js <file.cpuprofile> [top=25]
const { readFileSync } = require('node:fs');

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
// samples[i] was taken timeDeltas[i] after the previous one: charge each delta to the sampled node.
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function place(node) {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName ? `(${functionName})` : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const ours = url.match(/\/(?:src|dist)\/((?:platform|modules)\/[^/]+|[^/]+\.js|[^/]+\.ts)/);
  if (ours) return `ours: ${ours[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  return url;
}

const totals = new Map();
let all = 0;
for (const [id, micros] of self) {
  const key = place(byId.get(id));
  totals.set(key, (totals.get(key) ?? 0) + micros);
  all += micros;
}
const IDLE = '((idle))';
const busy = all - (totals.get(IDLE) ?? 0);
console.log(`busy ${(busy / 1000).toFixed(0)} ms, idle ${((totals.get(IDLE) ?? 0) / 1000).toFixed(0)} ms\n`);
console.log(`| where | self ms | share of busy time |\n|---|---|---|`);
for (const [key, micros] of [...totals]
  .sort((a, b) => b[1] - a[1])
  .filter(([key]) => key !== IDLE)
  .slice(0, top)) {
  console.log(`| ${key} | ${(micros / 1000).toFixed(0)} | ${((micros / busy) * 100).toFixed(1)}% |`);
}
// And the functions themselves, for the places above that need a closer look.
const fns = new Map();
for (const [id, micros] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  if (functionName === '(idle)') continue;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|dist)\//, '$1/')}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + micros);
}
console.log(`\n| function | self ms | share of busy time |\n|---|---|---|`);
for (const [key, micros] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${key} | ${(micros / 1000).toFixed(0)} | ${((micros / busy) * 100).toFixed(1)}% |`);
}
