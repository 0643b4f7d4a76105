#!/usr/bin/env node
// `npm run bench:browser`: the same suites in Debian Chromium. Serves the
// repo with Vite, opens bench/browser.html, which runs every suite in the
// page (single thread) and hands the rows back; prints them as bench/run.mjs does.
import { createServer } from 'vite';
import { chromium } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await createServer({ root, logLevel: 'error', server: { port: 4455, strictPort: false, host: '127.0.0.1' }, optimizeDeps: { exclude: ['qwasm'] } });
await server.listen();
const url = `http://127.0.0.1:${server.config.server.port}/bench/browser.html`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('requestfailed', (r) => console.error(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) console.error(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  const rows = await page.waitForFunction(() => window.benchRows || window.benchError, null, { timeout: 900_000 }).then((h) => h.jsonValue());
  if (!Array.isArray(rows)) throw new Error(`the bench page failed: ${rows}`);
  for (const r of rows) console.log(`${r.case.padEnd(22)} ${r.impl.padEnd(36)} ${Number.isFinite(r.ms) ? r.ms.toFixed(3) + ' ms' : 'n/a'} ${r.gops ? r.gops.toFixed(1) + ' GOPS' : ''}${r.error ? ' ' + r.error : ''}`);
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build/bench-browser.json'), JSON.stringify({ date: new Date().toISOString(), userAgent: await page.evaluate(() => navigator.userAgent), rows }, null, 2));
  console.log('wrote build/bench-browser.json');
} finally {
  await browser.close();
  await server.close();
}
