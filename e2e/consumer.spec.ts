// How users meet the package: `npm pack`, install the tarball into a fresh
// app, build that app with Vite, load it in Chromium; and import it from Node.
import { test, expect } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = join(repo, 'build', 'consumer');
const app = join(work, 'app');
const vite = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
const port = 4391;
const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version as string;
let server: ChildProcess | undefined;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  execFileSync('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: repo, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  const listing = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' });
  for (const f of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/wasm/qwasm_core.wasm', 'package/dist/wasm/qwasm_core.mjs']) {
    expect(listing, `tarball holds ${f}`).toContain(f);
  }
  cpSync(join(repo, 'e2e', 'consumer-app'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'qwasm-consumer', private: true, type: 'module' }));
  // qwasm has no dependencies, so installing the tarball needs no network.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball)], { cwd: app, stdio: 'pipe' });
  execFileSync('node', [vite, 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'pipe' });
  server = spawn('node', [vite, 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: app, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('consumer app server did not start');
});

test.afterAll(() => { server?.kill(); });

test('the installed tarball works from a plain Node script', () => {
  const out = execFileSync('node', ['node-check.mjs'], { cwd: app, encoding: 'utf8' });
  const info = JSON.parse(out.trim());
  expect(info).toMatchObject({ ok: true, version, simd: true, isa: 'wasm-simd128' });
});

test('the installed tarball works in a Vite-built app, on the page and in a worker', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${port}/`);
  for (const id of ['#page-result', '#worker-result']) {
    await expect(page.locator(id)).not.toHaveText('pending');
    const info = JSON.parse((await page.locator(id).textContent())!);
    expect(info).toMatchObject({ ok: true, version, simd: true });
  }
});
