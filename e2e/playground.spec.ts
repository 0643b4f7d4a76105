// The playground in Debian Chromium, as a user drives it.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = (name: string) => fileURLToPath(new URL(`../tests/data/models/${name}`, import.meta.url));
const shots = 'e2e/artifacts/screenshots';

async function ready(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.locator('#core-status')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#sample-select option')).not.toHaveCount(0);
}

async function loadSample(page: Page, id: string): Promise<number> {
  await page.selectOption('#sample-select', id);
  await page.click('#load-sample');
  await expect(page.locator('#model-summary')).toHaveAttribute('data-loaded', 'true');
  await expect(page.locator('#results')).toHaveAttribute('data-fp32-accuracy', /\d/);
  return Number(await page.locator('#results').getAttribute('data-fp32-accuracy'));
}

async function quantize(page: Page): Promise<number> {
  const before = await page.locator('#results').getAttribute('data-quant-accuracy');
  await page.click('#quantize');
  await expect(page.locator('#results')).toHaveAttribute('data-state', 'quantized');
  await expect(page.locator('#results')).not.toHaveAttribute('data-quant-accuracy', before ?? '__none__');
  await expect(page.locator('#quantize')).toBeEnabled();
  return Number(await page.locator('#results').getAttribute('data-quant-accuracy'));
}

test('the playground loads the SIMD wasm core in a Web Worker', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await ready(page);
  const status = page.locator('#core-status');
  await expect(status).toHaveAttribute('data-simd', 'true');
  await expect(status).toContainText('wasm-simd128');
  expect(page.workers().length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  await page.screenshot({ path: `${shots}/playground-start.png`, fullPage: true });
});

test('sample CNN: static int8 keeps accuracy within 1 point, without long tasks on the main thread', async ({ page }) => {
  await ready(page);
  const fp32 = await loadSample(page, 'cnn');
  expect(fp32).toBeGreaterThan(90);
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await page.selectOption('#mode', 'static');
  const q = await quantize(page);
  expect(Math.abs(q - fp32)).toBeLessThanOrEqual(1);
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  expect(Math.max(0, ...longTasks)).toBeLessThan(200);
  await expect(page.locator('#report-table tbody tr')).toHaveCount(3);
  await page.screenshot({ path: `${shots}/playground-quantized.png`, fullPage: true });
});

test('switching to int4 weight-only updates size and accuracy', async ({ page }) => {
  await ready(page);
  const fp32 = await loadSample(page, 'mlp');
  await page.selectOption('#mode', 'weight-only');
  await page.selectOption('#weight-dtype', 'int8');
  await quantize(page);
  const int8Bytes = Number(await page.locator('#results').getAttribute('data-bytes-after'));
  await page.selectOption('#weight-dtype', 'int4');
  await page.selectOption('#granularity', 'group');
  const q4 = await quantize(page);
  const int4Bytes = Number(await page.locator('#results').getAttribute('data-bytes-after'));
  expect(int4Bytes).toBeLessThan(int8Bytes * 0.7);
  expect(Math.abs(q4 - fp32)).toBeLessThanOrEqual(2);
  await expect(page.locator('#report-table')).toContainText('int4');
});

test('drag-and-drop an ONNX fixture, export the quantized model and re-import it', async ({ page }) => {
  await ready(page);
  await expect(page.locator('#results')).toBeVisible();
  // Load the test set by loading a sample first, then drop the fixture file.
  await loadSample(page, 'mlp');
  const bytes = [...readFileSync(fixture('cnn_bn.onnx'))];
  await page.evaluate(async (data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'cnn_bn.onnx'));
    document.getElementById('dropzone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await expect(page.locator('#model-summary')).toContainText('cnn_bn.onnx');
  await expect(page.locator('#model-summary')).toContainText('Conv');
  await page.selectOption('#mode', 'dynamic');
  await quantize(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-onnx')]);
  const path = await download.path();
  expect(download.suggestedFilename()).toMatch(/cnn_bn\.dynamic\.qdq\.onnx$/);
  await page.setInputFiles('#file-input', path);
  await expect(page.locator('#model-summary')).toContainText('already quantized');
  await expect(page.locator('#results')).toHaveAttribute('data-fp32-accuracy', /\d/);
  const [st] = await Promise.all([page.waitForEvent('download'), page.selectOption('#sample-select', 'cnn').then(() => page.click('#load-sample')).then(() => page.click('#quantize')).then(async () => {
    await expect(page.locator('#export-safetensors')).toBeEnabled();
    await page.click('#export-safetensors');
  })]);
  await page.setInputFiles('#file-input', await st.path());
  await expect(page.locator('#model-summary')).toHaveAttribute('data-format', 'safetensors');
});

test('a corrupt file shows a readable error and the page keeps working', async ({ page }) => {
  await ready(page);
  const good = readFileSync(fixture('mlp_gelu.onnx'));
  await page.setInputFiles('#file-input', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: good.subarray(0, good.length / 3) });
  await expect(page.locator('#error')).toBeVisible();
  await expect(page.locator('#error-text')).toContainText(/byte offset|truncated|raw_data/);
  await page.setInputFiles('#file-input', { name: 'notes.onnx', mimeType: 'text/plain', buffer: Buffer.from('hello, not a model') });
  await expect(page.locator('#error-text')).toContainText('byte offset 0');
  await page.screenshot({ path: `${shots}/playground-error.png` });
  const fp32 = await loadSample(page, 'cnn');
  expect(fp32).toBeGreaterThan(90);
  await expect(page.locator('#error')).toBeHidden();
});

test('drawing a digit gives predictions from both models', async ({ page }) => {
  await ready(page);
  await loadSample(page, 'cnn');
  await quantize(page);
  await page.locator('#draw').scrollIntoViewIfNeeded();
  const box = (await page.locator('#draw').boundingBox())!;
  // A vertical stroke: a "1".
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 0; i <= 20; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.7 * (i / 20)));
  await page.mouse.up();
  await expect(page.locator('#prediction .pred-row')).toHaveCount(2);
  await expect(page.locator('#prediction')).toHaveAttribute('data-digit', '1');
  await page.locator('#draw-card').screenshot({ path: `${shots}/playground-draw.png` });
});

test('tensor lab shows scale, codes, dequantized values and error', async ({ page }) => {
  await ready(page);
  await page.fill('#lab-input', '1 -1 7 -7');
  await page.selectOption('#lab-dtype', 'int4');
  await expect(page.locator('#lab-output')).toContainText('1 · range');
  await expect(page.locator('#lab-output table').first()).toContainText('-7');
  await expect(page.locator('[data-testid=lab-metrics]')).toContainText('SQNR ∞');
  await page.fill('#lab-input', '1 2\n3');
  await expect(page.locator('#lab-output')).toContainText('Row 2 has 1 values');
  await page.fill('#mem-params', '7e9');
  await expect(page.locator('#memory-table')).toContainText('26.1 GB');
  await page.screenshot({ path: `${shots}/playground-lab.png`, fullPage: true });
});

test('static quantization can calibrate on the user\'s own images', async ({ page }) => {
  await ready(page);
  const fp32 = await loadSample(page, 'mlp');
  // Three "photos": dark strokes on white, made by a canvas in the page.
  const pngs = await page.evaluate(async () => {
    const out: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const c = document.createElement('canvas');
      c.width = c.height = 56;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 56, 56);
      ctx.strokeStyle = '#000'; ctx.lineWidth = 6;
      ctx.beginPath(); ctx.arc(28, 28, 12 + i * 3, 0, Math.PI * 2); ctx.stroke();
      const blob: Blob = await new Promise((r) => c.toBlob((b) => r(b!), 'image/png'));
      out.push([...new Uint8Array(await blob.arrayBuffer())]);
    }
    return out;
  });
  await page.setInputFiles('#calib-files', pngs.map((b, i) => ({ name: `digit${i}.png`, mimeType: 'image/png', buffer: Buffer.from(b) })));
  await expect(page.locator('#calib-files-status')).toHaveAttribute('data-count', '3');
  await page.selectOption('#mode', 'static');
  const q = await quantize(page);
  expect(Math.abs(q - fp32)).toBeLessThanOrEqual(3);
  await page.setInputFiles('#calib-files', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await expect(page.locator('#error-text')).toContainText('could not be decoded');
  await expect(page.locator('#calib-files-status')).toHaveAttribute('data-count', '0');
});

test('narrow window: no horizontal page overflow', async ({ page }) => {
  await page.setViewportSize({ width: 420, height: 900 });
  await ready(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
});
