// A histogram (weights or activations) with the quantization grid and each
// range method's clip thresholds overlaid (uPlot). One plot per container.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Histogram } from '../worker-api';
import { db, el, num } from '../format';

export const METHOD_COLORS: Record<string, string> = { minmax: '#d9480f', percentile: '#2f9e44', mse: '#1971c2', entropy: '#9c36b5' };

const plots = new WeakMap<HTMLElement, uPlot>();

export interface HistogramView {
  xLabel: string;
  /** Counts on a log scale (activations: ReLU outputs put most values in one bin). */
  logCounts?: boolean;
  /** What the grid is (legend text). */
  gridLabel?: string;
  /** An extra range to mark, e.g. the one static quantization used. */
  marked?: { label: string; range: [number, number] };
  /** Accessible name of the chart. */
  title: string;
}

export function renderHistogram(container: HTMLElement, legend: HTMLElement, h: Histogram, view: HistogramView = { xLabel: 'weight value', title: 'Weight histogram' }): void {
  plots.get(container)?.destroy();
  plots.delete(container);
  container.replaceChildren();
  const centers = h.edges.slice(0, -1).map((e, i) => (e + h.edges[i + 1]) / 2);
  const counts = view.logCounts ? h.counts.map((c) => Math.log10(1 + c)) : h.counts;
  const width = Math.max(260, Math.min(900, container.clientWidth || 640));
  // Thresholds outside the data range (clipping below the smallest value) still show.
  const xs = [h.edges[0], h.edges[h.edges.length - 1], ...Object.values(h.clips).flat(), ...(view.marked ? view.marked.range : [])];
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const pad = (xMax - xMin) * 0.02 || 1;
  const plot = new uPlot({
    width,
    height: 240,
    scales: { x: { time: false, range: [xMin - pad, xMax + pad] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] } },
    axes: [{ label: view.xLabel }, { label: view.logCounts ? 'log₁₀(1 + count)' : 'count', size: 56 }],
    series: [{}, { label: 'values', stroke: '#495057', fill: 'rgba(73,80,87,0.25)', paths: uPlot.paths.bars!({ size: [1, 100] }) }],
    legend: { show: false },
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        const top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
        const line = (v: number) => {
          const x = u.valToPos(v, 'x', true);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
        };
        // Quantization grid (dequantized levels): thin lines, or a light band
        // where the levels are too dense to tell apart (< 4 px).
        if (h.levels.length > 1) {
          const x0 = u.valToPos(h.levels[0], 'x', true), x1 = u.valToPos(h.levels[h.levels.length - 1], 'x', true);
          if (Math.abs(x1 - x0) / (h.levels.length - 1) < 4 * devicePixelRatio) {
            ctx.fillStyle = 'rgba(58,91,217,0.13)';
            ctx.fillRect(Math.min(x0, x1), top, Math.abs(x1 - x0), bottom - top);
          } else {
            ctx.strokeStyle = 'rgba(58,91,217,0.35)';
            ctx.lineWidth = 1;
            for (const lv of h.levels) line(lv);
          }
        }
        // Clip thresholds per method, dashed; each method owns one slot of
        // the dash cycle, so methods that agree show interleaved colours.
        const methods = Object.entries(h.clips);
        ctx.setLineDash([6, 6 * (methods.length - 1) || 4]);
        ctx.lineWidth = 2;
        methods.forEach(([m, [lo, hi]], i) => {
          ctx.strokeStyle = METHOD_COLORS[m] ?? '#000';
          ctx.lineDashOffset = -6 * i;
          line(lo); line(hi);
        });
        if (view.marked) {
          ctx.setLineDash([]);
          ctx.strokeStyle = '#111';
          line(view.marked.range[0]); line(view.marked.range[1]);
        }
        ctx.restore();
      }],
    },
  }, [centers, counts], container);
  plots.set(container, plot);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', `${view.title}: ${h.counts.reduce((a, b) => a + b, 0)} values in [${num(h.edges[0], 3)}, ${num(h.edges[h.edges.length - 1], 3)}]; clipping ${Object.entries(h.clips).map(([m, [lo, hi]]) => `${m} [${num(lo, 3)}, ${num(hi, 3)}]`).join(', ')}.`);
  container.dataset.clips = String(Object.keys(h.clips).length);
  legend.replaceChildren(
    ...Object.entries(h.clips).map(([m, [lo, hi]]) =>
      el('span', { class: 'legend-item', 'data-method': m, 'data-lo': String(lo), 'data-hi': String(hi), style: `--c:${METHOD_COLORS[m]}` }, `${m}: [${num(lo, 3)}, ${num(hi, 3)}] · ${db(h.sqnrDb[m])}`)),
    el('span', { class: 'legend-item', style: '--c:rgba(58,91,217,0.6)' }, `${view.gridLabel ?? 'grid'}: ${h.levels.length} levels${h.levels.length > 1 ? ` (step ${num(Math.abs(h.levels[1] - h.levels[0]), 3)})` : ''}`),
    ...(view.marked ? [el('span', { class: 'legend-item', 'data-method': 'calibrated', style: '--c:#111' }, `${view.marked.label}: [${num(view.marked.range[0], 3)}, ${num(view.marked.range[1], 3)}]`)] : []),
  );
}
