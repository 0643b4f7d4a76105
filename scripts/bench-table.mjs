#!/usr/bin/env node
// Copies the speed-up summary of the last `npm run bench` (build/bench.json)
// into the README between its bench-table markers.
import { readFileSync, writeFileSync } from 'node:fs';

const bench = JSON.parse(readFileSync(new URL('../build/bench.json', import.meta.url), 'utf8'));
const cols = Object.keys(bench.summary[0]).slice(1);
const fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const lines = [`| shape | ${cols.join(' | ')} |`, `| --- | ${cols.map(() => '---').join(' | ')} |`,
  ...bench.summary.map((s) => `| ${s.case} | ${cols.map((c) => fmt(s[c])).join(' | ')} |`)];
const table = `Node ${bench.node}, one thread, ${bench.date.slice(0, 10)} (peer time / qwasm time; > 1 means qwasm is faster):\n\n${lines.join('\n')}`;
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- bench-table:start -->', end = '<!-- bench-table:end -->';
writeFileSync(readme, text.slice(0, text.indexOf(start) + start.length) + '\n' + table + '\n' + text.slice(text.indexOf(end)));
console.log(table);
