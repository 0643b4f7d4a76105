// Weight histogram with the quantization grid and each range method's clip
// thresholds overlaid (uPlot).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Histogram } from '../worker-api';
import { db, el, num } from '../format';

const COLORS: Record<string, string> = { minmax: '#d9480f', percentile: '#2f9e44', mse: '#1971c2', entropy: '#9c36b5' };

let plot: uPlot | null = null;

export function renderHistogram(container: HTMLElement, legend: HTMLElement, h: Histogram): void {
  plot?.destroy();
  container.replaceChildren();
  const centers = h.edges.slice(0, -1).map((e, i) => (e + h.edges[i + 1]) / 2);
  const width = Math.max(320, Math.min(900, container.clientWidth || 640));
  plot = new uPlot({
    width,
    height: 260,
    scales: { x: { time: false } },
    axes: [{ label: 'weight value' }, { label: 'count' }],
    series: [{}, { label: 'weights', stroke: '#495057', fill: 'rgba(73,80,87,0.25)', paths: uPlot.paths.bars!({ size: [1, 100] }) }],
    legend: { show: false },
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        const top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
        // Quantization grid (dequantized levels), thin.
        ctx.strokeStyle = 'rgba(58,91,217,0.35)';
        ctx.lineWidth = 1;
        for (const lv of h.levels.length <= 300 ? h.levels : []) {
          const x = u.valToPos(lv, 'x', true);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
        }
        // Clip thresholds per method, dashed.
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 2;
        for (const [m, [lo, hi]] of Object.entries(h.clips)) {
          ctx.strokeStyle = COLORS[m] ?? '#000';
          for (const v of [lo, hi]) {
            const x = u.valToPos(v, 'x', true);
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
          }
        }
        ctx.restore();
      }],
    },
  }, [centers, h.counts], container);
  legend.replaceChildren(...Object.entries(h.clips).map(([m, [lo, hi]]) =>
    el('span', { class: 'legend-item', style: `--c:${COLORS[m]}` }, `${m}: [${num(lo, 3)}, ${num(hi, 3)}] · ${db(h.sqnrDb[m])}`)),
  el('span', { class: 'legend-item', style: '--c:rgba(58,91,217,0.6)' }, `grid: ${h.levels.length} levels`));
}
