// What a model of N parameters needs in each format (weights only, with the
// scales of the given group size).
import { bytes, table } from '../format';

const FORMATS: Array<{ name: string; bits: number; perGroup: boolean }> = [
  { name: 'fp32', bits: 32, perGroup: false },
  { name: 'fp16 / bf16', bits: 16, perGroup: false },
  { name: 'fp8 (e4m3 / e5m2)', bits: 8, perGroup: false },
  { name: 'int8 per-channel', bits: 8, perGroup: false },
  { name: 'int4 per-group', bits: 4, perGroup: true },
  { name: 'nf4 per-block', bits: 4, perGroup: true },
  { name: 'int3 per-group', bits: 3, perGroup: true },
  { name: 'int2 per-group', bits: 2, perGroup: true },
];

export function renderMemoryTable(container: HTMLElement, params: number, groupSize: number): void {
  container.replaceChildren();
  if (!(params > 0) || !(groupSize >= 1)) {
    container.textContent = 'Enter a positive parameter count (e.g. 7e9) and group size.';
    return;
  }
  const fp32 = params * 4;
  const rows = FORMATS.map((f) => {
    const scaleBytes = f.perGroup ? (params / groupSize) * 4 : 0;  // one fp32 scale per group
    const total = (params * f.bits) / 8 + scaleBytes;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.max(1, (100 * total) / fp32)}%`;
    return [f.name, ((8 * total) / params).toFixed(2), bytes(total), `${(fp32 / total).toFixed(2)}×`, bar];
  });
  container.append(table(['format', 'bits / weight', 'size', 'vs fp32', ''], rows, `${params.toExponential(2)} parameters`));
}
