// Per-layer error of a quantization report, charted with uPlot: each layer's
// output SQNR (bars) and weight SQNR (points) in dB, layer names on the x
// axis. The report table under the chart holds the same numbers; the chart's
// aria-label summarises them for screen readers.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LayerReport } from '../worker-api';
import { db } from '../format';

const plots = new WeakMap<HTMLElement, uPlot>();

/** The last one or two path segments of a node name, at most 22 characters. */
export function shortName(name: string): string {
  const parts = name.split('/').filter(Boolean);
  const s = parts.slice(-2).join('/') || name;
  return s.length > 22 ? `…${s.slice(-21)}` : s;
}

export function renderSqnrChart(container: HTMLElement, layers: LayerReport[]): void {
  plots.get(container)?.destroy();
  plots.delete(container);
  container.replaceChildren();
  container.dataset.layers = String(layers.length);
  if (!layers.length) return;
  const finite = layers.flatMap((l) => [l.weightSqnrDb, l.outputSqnrDb]).filter((v) => Number.isFinite(v));
  // Exact results (∞ dB) are drawn at the top of the scale.
  const top = Math.ceil((Math.max(10, ...finite) * 1.15) / 5) * 5;
  const shown = (v: number, quantized: boolean) => (!quantized ? null : v === Infinity ? top : Number.isFinite(v) ? Math.max(0, v) : null);
  const xs = layers.map((_, i) => i);
  const output = layers.map((l) => shown(l.outputSqnrDb, l.quantized));
  const weight = layers.map((l) => shown(l.weightSqnrDb, l.quantized));
  container.dataset.points = String([...output, ...weight].filter((v) => v !== null).length);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', `Per-layer SQNR chart. ${layers.map((l) => l.quantized
    ? `${l.node} (${l.dtype}): output ${db(l.outputSqnrDb)}, weights ${db(l.weightSqnrDb)}`
    : `${l.node}: kept in float32`).join('; ')}. The table below lists the same values.`);
  const width = Math.max(260, Math.min(1300, container.clientWidth || 640));
  const narrow = width < 560;
  const plot = new uPlot({
    width,
    height: narrow ? 260 : 240,
    scales: { x: { time: false, range: [-0.5, layers.length - 0.5] }, y: { range: [0, top] } },
    axes: [
      {
        label: 'layer',
        splits: () => xs,
        values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && layers[i] ? shortName(layers[i].node) : '')),
        rotate: narrow || layers.length > 6 ? -30 : 0,
        size: narrow || layers.length > 6 ? 80 : 40,
        grid: { show: false },
      },
      { label: 'SQNR (dB)', size: 50, values: (_u, splits) => splits.map((v) => (v >= top ? '∞' : String(v))) },
    ],
    series: [
      { label: 'layer', value: (_u, _v, _s, i) => (i === null || !layers[i] ? '—' : layers[i].node) },
      {
        label: 'output SQNR', stroke: '#3a5bd9', fill: 'rgba(58,91,217,0.45)', width: 1,
        paths: uPlot.paths.bars!({ size: [0.55, 90] }), points: { show: false },
        value: (_u, v, _s, i) => (i === null ? '—' : v === null ? 'fp32' : v >= top ? '∞' : `${v.toFixed(1)} dB`),
      },
      {
        label: 'weight SQNR', stroke: '#d9480f', width: 0, paths: () => null,
        points: { show: true, size: 10, width: 2, fill: '#fff', stroke: '#d9480f' },
        value: (_u, v, _s, i) => (i === null ? '—' : v === null ? 'fp32' : v >= top ? '∞' : `${v.toFixed(1)} dB`),
      },
    ],
    cursor: { drag: { x: false, y: false } },
  }, [xs, output, weight], container);
  plots.set(container, plot);
}
