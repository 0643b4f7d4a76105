// The tensor lab: parse a small matrix, quantize it in the worker, show each step.
import type { TensorLabResult } from '../worker-api';
import { el, num, table } from '../format';

export function parseMatrix(text: string): { values: Float32Array; shape: number[] } {
  const rows = text.trim().split(/\n+/).map((line) => line.trim().split(/[\s,;]+/).filter(Boolean).map(Number));
  if (rows.length === 0 || rows[0].length === 0) throw new Error('Type at least one number.');
  const cols = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`Row ${i + 1} has ${r.length} values; row 1 has ${cols}.`);
    r.forEach((v, j) => { if (Number.isNaN(v)) throw new Error(`Row ${i + 1}, column ${j + 1} is not a number.`); });
  });
  return { values: Float32Array.from(rows.flat()), shape: [rows.length, cols] };
}

function grid(values: number[], shape: number[], fmt: (v: number) => string, caption: string): HTMLTableElement {
  const cols = shape[shape.length - 1];
  const rows: string[][] = [];
  for (let r = 0; r < values.length / cols; r++) rows.push(values.slice(r * cols, (r + 1) * cols).map(fmt));
  return table(Array.from({ length: cols }, (_, i) => `c${i}`), rows, caption);
}

export function renderLab(container: HTMLElement, input: Float32Array, shape: number[], r: TensorLabResult, dtype: string): void {
  const x = Array.from(input);
  const err = x.map((v, i) => r.dequantized[i] - v);
  const isFloat = dtype.startsWith('fp') || dtype === 'bf16';
  container.replaceChildren(
    el('p', { class: 'step' }, `1 · range → ${r.scales.length} scale(s) [${r.scaleShape.join('×')}]: `,
      el('code', {}, r.scales.map((s) => num(s, 5)).join(', ')), ' · zero-point(s): ', el('code', {}, r.zeroPoints.join(', '))),
    grid(r.codes, shape, (v) => (isFloat ? `0x${v.toString(16)}` : String(v)), `2 · codes (${isFloat ? 'bit patterns' : dtype === 'nf4' ? 'NF4 level index' : 'q = clamp(round(x / s) + z)'})`),
    grid(r.dequantized, shape, (v) => num(v), '3 · dequantized x\u2032 = (q − z)·s'),
    grid(err, shape, (v) => num(v, 3), '4 · error x\u2032 − x'),
    el('p', { class: 'step', 'data-testid': 'lab-metrics' },
      `mse ${num(r.metrics.mse)} · max |err| ${num(r.metrics.maxAbs)} · SQNR ${r.metrics.sqnrDb === Infinity ? '∞' : r.metrics.sqnrDb.toFixed(2) + ' dB'} · cosine ${num(r.metrics.cosine, 6)} · ${r.bytes} bytes (${r.bitsPerElement.toFixed(2)} bits/element)`),
  );
}
