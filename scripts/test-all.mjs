#!/usr/bin/env node
// `npm test`: every suite, in order, with one summary at the end.
//   native   C++ GoogleTest, g++ -O2
//   asan     the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
//   wasm     the same suite compiled with em++ -msimd128, run by CTest under Node
//   package  builds dist/ (wasm ES module + TypeScript)
//   vitest   JS API tests against dist/ in Node
//   e2e      Playwright in Debian Chromium: playground, consumer install of the packed tarball
// The last line is "N passed, N failed" summed over all suites.
// Run a subset with: npm test -- native wasm
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jobs = process.env.QWASM_JOBS || '2';
const env = { ...process.env, NODE_PATH: `/usr/share/nodejs${process.env.NODE_PATH ? ':' + process.env.NODE_PATH : ''}` };
mkdirSync(join(root, 'build'), { recursive: true });

function run(cmd, args, { capture = false, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (stream) => (chunk) => {
      const text = chunk.toString();
      if (capture) out += text;
      stream.write(text);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.on('error', (err) => { process.stderr.write(`${cmd}: ${err.message}\n`); resolve({ code: 127, out }); });
  });
}

async function sh(script, opts) { return run('bash', ['-c', script], opts); }

// Counts from GoogleTest's own summary lines (as printed through CTest -V).
function gtestCounts(out) {
  const ran = [...out.matchAll(/\[==========\] (\d+) tests? from \d+ test suites? ran/g)];
  if (ran.length === 0) return null;
  const passed = [...out.matchAll(/\[  PASSED  \] (\d+) tests?\./g)].reduce((a, m) => a + Number(m[1]), 0);
  const failed = [...out.matchAll(/\[  FAILED  \] (\d+) tests?, listed below/g)].reduce((a, m) => a + Number(m[1]), 0);
  const skipped = [...out.matchAll(/\[  SKIPPED \] (\d+) tests?, listed below/g)].reduce((a, m) => a + Number(m[1]), 0);
  return { passed, failed, skipped };
}

async function cppSuite(name, dir, configure) {
  const cfg = existsSync(join(root, dir, 'CMakeCache.txt')) ? 0 : (await sh(configure)).code;
  if (cfg !== 0) return { error: 'cmake configure failed' };
  const build = await sh(`cmake --build ${dir} --target qwasm_tests -j ${jobs}`);
  if (build.code !== 0) return { error: 'build failed' };
  const test = await sh(`ctest --test-dir ${dir} --output-on-failure -V`, { capture: true,
    extraEnv: { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' } });
  const counts = gtestCounts(test.out);
  if (!counts) return { error: `test binary crashed or printed no summary (exit ${test.code})`, passed: 0, failed: 1 };
  if (test.code !== 0 && counts.failed === 0) return { ...counts, failed: 1, error: `ctest exit ${test.code}` };
  return counts;
}

const suites = {
  native: () => cppSuite('native', 'build/native',
    'cmake -G Ninja -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DQWASM_BUILD_BENCH=OFF'),
  asan: () => cppSuite('asan', 'build/asan',
    'cmake -G Ninja -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQWASM_SANITIZE=ON -DQWASM_BUILD_BENCH=OFF'),
  wasm: () => cppSuite('wasm', 'build/wasm',
    'emcmake cmake -G Ninja -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release'),
  package: async () => {
    const r = await sh('bash scripts/build.sh');
    return r.code === 0 ? { passed: 0, failed: 0, note: 'built dist/' } : { error: 'package build failed' };
  },
  vitest: async () => {
    const report = 'build/vitest-report.json';
    rmSync(join(root, report), { force: true });
    const r = await run('node', ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
    if (!existsSync(join(root, report))) return { error: `vitest exit ${r.code}, no report` };
    const j = JSON.parse(readFileSync(join(root, report), 'utf8'));
    const res = { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + (j.numTodoTests || 0) };
    if (r.code !== 0 && res.failed === 0) return { ...res, failed: 1, error: `vitest exit ${r.code}` };
    return res;
  },
  e2e: async () => {
    const report = join(root, 'build/playwright-report.json'); // set in e2e/playwright.config.ts
    rmSync(report, { force: true });
    const r = await run('node', ['node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts']);
    if (!existsSync(report)) return { error: `playwright exit ${r.code}, no report` };
    const s = JSON.parse(readFileSync(report, 'utf8')).stats;
    const res = { passed: s.expected + (s.flaky || 0), failed: s.unexpected, skipped: s.skipped };
    if (r.code !== 0 && res.failed === 0) return { ...res, failed: 1, error: `playwright exit ${r.code}` };
    return res;
  },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const order = wanted.length ? wanted : Object.keys(suites);
for (const name of order) if (!suites[name]) { console.error(`unknown suite ${name}; have: ${Object.keys(suites).join(' ')}`); process.exit(2); }
if (order.some((n) => n === 'vitest' || n === 'e2e') && !order.includes('package') && !existsSync(join(root, 'dist/index.js'))) order.unshift('package');

const results = [];
for (const name of order) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ${'='.repeat(60 - name.length)}`);
  let r;
  try { r = await suites[name](); } catch (err) { r = { error: String(err?.stack || err) }; }
  r.passed ??= 0; r.failed ??= r.error ? 1 : 0; r.skipped ??= 0;
  r.seconds = (Date.now() - t0) / 1000;
  results.push({ name, ...r });
}

console.log('\n=== summary ' + '='.repeat(52));
for (const r of results) {
  console.log(`${r.name.padEnd(8)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped).padStart(4)} skipped  ${r.seconds.toFixed(1).padStart(7)} s${r.error ? '  ERROR: ' + r.error : ''}`);
}
const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || results.some((r) => r.error) ? 1 : 0);
