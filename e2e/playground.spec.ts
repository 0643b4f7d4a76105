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
  // Each finished quantization bumps data-quantize-run (accuracies may repeat).
  const before = (await page.locator('#results').getAttribute('data-quantize-run')) ?? '0';
  await page.click('#quantize');
  await expect(page.locator('#results')).toHaveAttribute('data-state', 'quantized');
  await expect(page.locator('#results')).not.toHaveAttribute('data-quantize-run', before);
  await expect(page.locator('#results')).toHaveAttribute('data-quant-accuracy', /\d/);
  await expect(page.locator('#quantize')).toBeEnabled();
  return Number(await page.locator('#results').getAttribute('data-quant-accuracy'));
}

/** A screenshot of one element, cut from the full page scrolled to the top (so the sticky header does not cover it). */
async function shotOf(page: Page, selector: string, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const clip = await page.locator(selector).evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
  });
  await page.screenshot({ path: `${shots}/${name}`, fullPage: true, clip });
}

/** Page overflow to the right, in CSS pixels (0 = none). */
const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Pixels of a canvas by colour: blue-ish (bars), orange-ish (points), any ink. */
async function canvasInk(page: Page, selector: string): Promise<{ blue: number; orange: number; any: number }> {
  return page.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let blue = 0, orange = 0, any = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      any++;
      if (d[i + 2] - d[i] > 60) blue++;
      if (d[i] - d[i + 2] > 100 && d[i] > 180) orange++;
    }
    return { blue, orange, any };
  });
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
  // The charts drawn after quantizing count too: the SQNR chart and the activation histogram redrawn with the calibrated range.
  await expect(page.locator('#sqnr-chart canvas')).toHaveCount(1);
  await expect(page.locator('#act-legend [data-method=calibrated]')).toBeVisible();
  await expect(page.locator('#act-histogram')).toHaveAttribute('data-state', 'ready');
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  test.info().annotations.push({ type: 'longest main-thread task (ms)', description: String(Math.max(0, ...longTasks)) });
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

test('narrow window: no horizontal page overflow, before and after quantizing', async ({ page }) => {
  await page.setViewportSize({ width: 420, height: 900 });
  await ready(page);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(1);
  await loadSample(page, 'cnn');
  await page.selectOption('#mode', 'static');
  await quantize(page);
  await expect(page.locator('#sqnr-chart canvas')).toHaveCount(1);
  await expect(page.locator('#act-histogram')).toHaveAttribute('data-state', 'ready');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(1);
  // Every chart fits the window.
  for (const box of await page.locator('.chart canvas').evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right))) {
    expect(box).toBeLessThanOrEqual(420);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/playground-narrow.png`, fullPage: true });
  // Back to a wide window: the charts are drawn again at the new width, still no overflow.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect.poll(() => page.locator('#sqnr-chart').evaluate((e) => e.querySelector('canvas')?.getBoundingClientRect().width ?? 0)).toBeGreaterThan(500);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(1);
});

test('activation histogram of a selected layer shows each calibration method\'s thresholds', async ({ page }) => {
  await ready(page);
  await loadSample(page, 'cnn');
  await page.selectOption('#mode', 'static');
  await quantize(page);
  const layers = page.locator('#hist-layer option');
  await expect(layers).toHaveCount(3);
  const second = (await layers.nth(1).getAttribute('data-node'))!;
  await page.selectOption('#hist-layer', { index: 1 });
  const act = page.locator('#act-histogram');
  await expect(act).toHaveAttribute('data-node', second);
  await expect(act).toHaveAttribute('data-state', 'ready');
  await expect(act.locator('canvas')).toHaveCount(1);
  expect((await canvasInk(page, '#act-histogram canvas')).any).toBeGreaterThan(1000);
  await expect(act).toHaveAttribute('data-clips', '4');
  await expect(page.locator('#act-status')).toContainText(/values from 256 calibration images/);
  // One clipping range per method; the input of the second conv follows a ReLU (and max-pool), so it is >= 0
  // and the clipping methods cut the long right tail at or below the largest value (minmax).
  const range = async (m: string) => ({
    lo: Number(await page.locator(`#act-legend [data-method=${m}]`).getAttribute('data-lo')),
    hi: Number(await page.locator(`#act-legend [data-method=${m}]`).getAttribute('data-hi')),
  });
  const minmax = await range('minmax');
  expect(minmax.lo).toBe(0);
  expect(minmax.hi).toBeGreaterThan(0);
  for (const m of ['percentile', 'mse', 'entropy']) {
    const r = await range(m);
    expect(r.hi).toBeGreaterThan(0);
    expect(r.hi).toBeLessThanOrEqual(minmax.hi * 1.0001);
  }
  // The range static quantization calibrated is marked too, and the weights have their own histogram.
  await expect(page.locator('#act-legend [data-method=calibrated]')).toContainText('static quantization used');
  await expect(page.locator('#histogram')).toHaveAttribute('data-clips', /[1-4]/);
  await expect(page.locator('#histogram-legend [data-method=minmax]')).toBeVisible();
  // Other activation formats redraw.
  await page.selectOption('#act-dtype', 'int8');
  await expect(page.locator('#act-legend')).toContainText('int8 grid');
  await expect(act).toHaveAttribute('data-state', 'ready');
  await shotOf(page, '#histogram-card', 'playground-histograms.png');
});

test('per-layer SQNR chart is drawn with uPlot, with an accessible summary and the data table', async ({ page }) => {
  await ready(page);
  await loadSample(page, 'mlp');
  await page.selectOption('#mode', 'dynamic');
  await quantize(page);
  const chart = page.locator('#sqnr-chart');
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(chart).toHaveAttribute('data-layers', '3');
  await expect(chart).toHaveAttribute('data-points', '6');  // output and weight SQNR of 3 layers
  await expect(chart).toHaveAttribute('role', 'img');
  await expect(chart).toHaveAttribute('aria-label', /fc1.*output \d+\.\d dB, weights \d+\.\d dB/);
  const ink = await canvasInk(page, '#sqnr-chart canvas');
  expect(ink.blue).toBeGreaterThan(300);   // the bars
  expect(ink.orange).toBeGreaterThan(20);  // the weight-SQNR points
  await expect(page.locator('#report-table tbody tr')).toHaveCount(3);
  await expect(page.locator('#report-table th')).toContainText(['layer', 'op', 'dtype', 'weight SQNR', 'output SQNR']);
  await shotOf(page, '#results-card', 'playground-sqnr-chart.png');
});

test('weight-only fp8-e4m3 and nf4: size and accuracy shown, the export limit explained', async ({ page }) => {
  await ready(page);
  const fp32 = await loadSample(page, 'mlp');
  await expect(page.locator('#weight-dtype')).toBeDisabled();  // static/dynamic use int8 weights
  await page.selectOption('#mode', 'weight-only');
  await expect(page.locator('#weight-dtype')).toBeEnabled();
  // Every format of SPEC §1 is offered.
  const offered = await page.locator('#weight-dtype option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  for (const d of ['int8', 'uint8', 'int4', 'uint4', 'int2', 'int3', 'fp16', 'bf16', 'fp8-e4m3', 'fp8-e5m2', 'nf4']) expect(offered).toContain(d);
  await page.selectOption('#weight-dtype', 'fp8-e4m3');
  await expect(page.locator('#weight-dtype-hint')).toContainText('8 bits per weight');
  const q8 = await quantize(page);
  const results = page.locator('#results');
  await expect(results).toHaveAttribute('data-simulated', 'true');
  await expect(page.locator('#sim-note')).toBeVisible();
  await expect(page.locator('#sim-note')).toContainText("not 'fp8-e4m3'");  // the core's own reason
  await expect(page.locator('#acc-quant')).toContainText('%');
  await expect(page.locator('#size-after')).toContainText('KB');
  const before = Number(await results.getAttribute('data-bytes-before'));
  const fp8Bytes = Number(await results.getAttribute('data-bytes-after'));
  expect(fp8Bytes).toBeLessThan(before * 0.3);
  expect(Math.abs(q8 - fp32)).toBeLessThanOrEqual(2);
  await expect(page.locator('#report-table')).toContainText('fp8-e4m3');
  await expect(page.locator('#export-onnx')).toBeDisabled();
  await expect(page.locator('#export-report')).toBeEnabled();
  await shotOf(page, '#results-card', 'playground-fp8.png');

  // nf4, with the last layer kept in float32 (mixed precision works in the simulation too).
  await page.selectOption('#weight-dtype', 'nf4');
  await page.selectOption('#layer-table-wrap select[data-node="/fc3/Gemm"]', 'skip');
  const q4 = await quantize(page);
  const nf4Bytes = Number(await results.getAttribute('data-bytes-after'));
  expect(nf4Bytes).toBeLessThan(fp8Bytes * 0.7);
  expect(Math.abs(q4 - fp32)).toBeLessThanOrEqual(3);
  test.info().annotations.push({ type: 'mlp weight-only', description: `fp32 ${fp32}% ${before} B; fp8-e4m3 ${q8}% ${fp8Bytes} B; nf4 (fc3 fp32) ${q4}% ${nf4Bytes} B` });
  await expect(page.locator('#report-table tbody tr').nth(0)).toContainText('nf4');
  await expect(page.locator('#report-table tbody tr').nth(2)).toContainText('kept in float32');
  await expect(page.locator('#sqnr-chart')).toHaveAttribute('data-points', '4');  // the fp32 layer has no SQNR to draw
  await page.selectOption('#layer-table-wrap select[data-node="/fc3/Gemm"]', '');

  // Back to an exported format: a real QDQ model again, downloadable.
  await page.selectOption('#weight-dtype', 'int4');
  await quantize(page);
  await expect(results).toHaveAttribute('data-simulated', 'false');
  await expect(page.locator('#sim-note')).toBeHidden();
  await expect(page.locator('#export-onnx')).toBeEnabled();
});

test('every control has a label, and quantization runs from the keyboard', async ({ page }) => {
  await ready(page);
  await loadSample(page, 'mlp');
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('select, input, textarea, button, canvas, [role=button]')]
    .filter((e) => {
      const c = e as HTMLInputElement;
      const named = (c.labels?.length ?? 0) > 0 || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby') || ((e.tagName === 'BUTTON' || e.getAttribute('role') === 'button') && e.textContent!.trim());
      const hiddenFile = c.type === 'file' && getComputedStyle(c).display === 'none';
      return !named && !hiddenFile && !(e.closest('.uplot'));
    })
    .map((e) => e.id || e.outerHTML.slice(0, 60)));
  expect(unlabeled).toEqual([]);
  await page.focus('#mode');
  await page.keyboard.press('End');  // the last mode: weight-only
  await expect(page.locator('#mode')).toHaveValue('weight-only');
  await page.focus('#quantize');
  await page.keyboard.press('Enter');
  await expect(page.locator('#results')).toHaveAttribute('data-state', 'quantized');
});

/** Loads a sample after another one: waits for this model's own evaluation, not the previous one's. */
async function switchSample(page: Page, id: string): Promise<number> {
  const name = (await page.locator(`#sample-select option[value="${id}"]`).textContent())!;
  await page.selectOption('#sample-select', id);
  await page.click('#load-sample');
  await expect(page.locator('#model-summary')).toContainText(name);
  await expect(page.locator('#results')).toHaveAttribute('data-fp32-accuracy', /\d/);
  return Number(await page.locator('#results').getAttribute('data-fp32-accuracy'));
}

test('Fashion-MNIST CNN sample: evaluated on its own test split, with clothing class names', async ({ page }) => {
  await ready(page);
  const offered = await page.locator('#sample-select option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  for (const id of ['cnn', 'mlp', 'mnist-mlp', 'mnist-cnn', 'fashion-mlp', 'fashion-cnn']) expect(offered).toContain(id);
  const samples = JSON.parse(readFileSync(new URL('../web/public/samples/samples.json', import.meta.url), 'utf8')) as Record<string, { accuracy: number; testSamples: number }>;
  const fashion = await loadSample(page, 'fashion-cnn');
  expect(Math.abs(fashion - 100 * samples['fashion-cnn'].accuracy)).toBeLessThanOrEqual(1.5);
  await expect(page.locator('#acc-fp32 + small')).toContainText(`${samples['fashion-cnn'].testSamples} images of Fashion-MNIST`);
  // The digit models get the digits again (each model its own split).
  const digits = await switchSample(page, 'mnist-mlp');
  expect(Math.abs(digits - 100 * samples['mnist-mlp'].accuracy)).toBeLessThanOrEqual(1.5);
  const fashionMlp = await switchSample(page, 'fashion-mlp');
  expect(Math.abs(fashionMlp - 100 * samples['fashion-mlp'].accuracy)).toBeLessThanOrEqual(1.5);
  // Predictions of a drawing are named with Fashion-MNIST's classes.
  await page.locator('#draw').scrollIntoViewIfNeeded();
  const box = (await page.locator('#draw').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 0; i <= 20; i++) await page.mouse.move(box.x + box.width * (0.3 + 0.4 * (i / 20)), box.y + box.height * (0.2 + 0.6 * (i / 20)));
  await page.mouse.up();
  await expect(page.locator('#prediction .pred-row')).toHaveCount(1);
  const name = await page.locator('#prediction .pred-row strong').first().textContent();
  expect(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']).toContain(name);

  // The CNN fine-tuned to int2 weights on Fashion images (the first 1000 of its split; PTQ and QAT compared on the other 1000).
  await switchSample(page, 'fashion-cnn');
  await page.selectOption('#mode', 'weight-only');
  await page.selectOption('#weight-dtype', 'int2');
  await page.selectOption('#granularity', 'channel');
  await page.fill('#qat-epochs', '2');
  await page.click('#qat');  // quantizes (PTQ, same format) first
  const qat = page.locator('#qat-results');
  await expect(qat).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const ptqAcc = Number(await qat.getAttribute('data-ptq-accuracy'));
  const qatAcc = Number(await qat.getAttribute('data-qat-accuracy'));
  expect(qatAcc).toBeGreaterThan(ptqAcc);
  test.info().annotations.push({ type: 'fashion-cnn int2/channel', description: `PTQ ${ptqAcc}% → QAT ${qatAcc}% (2 epochs × 1000 images, ${await qat.getAttribute('data-ms')} ms)` });
});

test('fine-tune (QAT) int2 weights beats int2 PTQ; cancelling mid-way leaves a working page', async ({ page }) => {
  await ready(page);
  await loadSample(page, 'mnist-mlp');
  await page.selectOption('#mode', 'weight-only');
  await page.selectOption('#weight-dtype', 'int2');
  await page.selectOption('#granularity', 'channel');
  await quantize(page);
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await page.fill('#qat-samples', '1000');
  await page.fill('#qat-epochs', '3');
  await page.click('#qat');
  const qat = page.locator('#qat-results');
  await expect(qat).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const ptqAcc = Number(await qat.getAttribute('data-ptq-accuracy'));
  const qatAcc = Number(await qat.getAttribute('data-qat-accuracy'));
  const ms = Number(await qat.getAttribute('data-ms'));
  await expect(page.locator('#qat-acc-qat')).toContainText(`${qatAcc.toFixed(2)}%`);
  await expect(page.locator('#qat-acc-ptq')).toContainText(`${ptqAcc.toFixed(2)}%`);
  expect(qatAcc).toBeGreaterThan(ptqAcc);
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  expect(Math.max(0, ...longTasks)).toBeLessThan(200);
  test.info().annotations.push({ type: 'mnist-mlp int2/channel', description: `PTQ ${ptqAcc}% → QAT ${qatAcc}% (3 epochs × 1000 images, ${ms} ms; longest main-thread task ${Math.max(0, ...longTasks)} ms)` });
  await shotOf(page, '#results-card', 'playground-qat.png');

  // A long run, cancelled once it is under way.
  await page.fill('#qat-epochs', '100');
  await page.click('#qat');
  await expect(page.locator('#qat-cancel')).toBeVisible();
  await expect.poll(async () => Number(await page.locator('#qat-progress').getAttribute('data-step') ?? 0)).toBeGreaterThan(0);
  await page.click('#qat-cancel');
  await expect(page.locator('#qat-status')).toContainText('cancelled');
  await expect(page.locator('#qat-cancel')).toBeHidden();
  await expect(page.locator('#qat')).toBeEnabled();
  await expect(page.locator('#error')).toBeHidden();
  // The earlier result stays, and the page keeps working.
  await expect(qat).toHaveAttribute('data-qat-accuracy', qatAcc.toFixed(2));
  await page.selectOption('#weight-dtype', 'int4');
  const q4 = await quantize(page);
  expect(q4).toBeGreaterThan(90);
  await page.fill('#qat-epochs', '1');
  await page.click('#qat');
  await expect(qat).toHaveAttribute('data-run', '2', { timeout: 60_000 });
  await expect(page.locator('#qat-acc-qat')).toContainText('%');
});
