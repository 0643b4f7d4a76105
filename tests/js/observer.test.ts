// createObserver and range methods through the JS API.
import { describe, expect, it, beforeAll } from 'vitest';
import { init, QwasmArgumentError, QwasmDisposedError, QwasmFormatError, type Qwasm } from 'qwasm';

let qw: Qwasm;
beforeAll(async () => { qw = await init(); });

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand())), t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

describe('observers', () => {
  it('minmax gives the SPEC scale; asymmetric uint8 gives a zero-point', () => {
    const obs = qw.createObserver({ method: 'minmax', dtype: 'uint8' });
    obs.update(Float32Array.from([-1, 0.5]), [2]);
    obs.update(Float32Array.from([3, 0]), [2]);
    const q = obs.qparams();
    expect(q.scales[0]).toBe(Math.fround(4 / 255));
    expect(q.zeroPoints[0]).toBe(64);
    expect(obs.batches).toBe(2);
    obs.dispose();
  });

  it('percentile, mse and entropy clip an outlier that minmax keeps; histogram reports the data', () => {
    const x = gaussian(20000, 1);
    x[7] = 1000;
    const hi = (method: 'minmax' | 'percentile' | 'entropy') => {
      const o = qw.createObserver({ method, dtype: 'int8' });
      o.update(x, [x.length]);
      const r = o.qparams().max[0];
      if (method !== 'minmax') {
        const h = o.histogram();
        expect(h.edges.length).toBe(h.counts.length + 1);
        expect(h.total).toBe(20000);
      }
      o.dispose();
      return r;
    };
    expect(hi('minmax')).toBe(1000);
    expect(hi('percentile')).toBeLessThan(10);
    expect(hi('entropy')).toBeLessThan(200);
    const y = gaussian(20000, 2);
    y[3] = 50;
    const mse = qw.createObserver({ method: 'mse', dtype: 'int4' });
    mse.update(y, [y.length]);
    expect(mse.qparams().max[0]).toBeLessThan(10);
    mse.dispose();
  });

  it('per-channel on the last axis, merge, save and load', () => {
    const a = qw.createObserver({ method: 'percentile', dtype: 'int8', granularity: 'channel', axis: -1, percentile: 99 });
    const b = qw.createObserver({ method: 'percentile', dtype: 'int8', granularity: 'channel', axis: -1, percentile: 99 });
    const x = gaussian(4000, 3);
    a.update(x.subarray(0, 2000), [500, 4]);
    b.update(x.subarray(2000), [500, 4]);
    a.merge(b);
    const both = qw.createObserver({ method: 'percentile', dtype: 'int8', granularity: 'channel', axis: -1, percentile: 99 });
    both.update(x.subarray(0, 2000), [500, 4]);
    both.update(x.subarray(2000), [500, 4]);
    expect(Array.from(a.qparams().scales)).toEqual(Array.from(both.qparams().scales));
    expect(a.qparams().scales.length).toBe(4);
    const saved = a.save();
    const restored = qw.loadObserver(saved);
    expect(Array.from(restored.qparams().scales)).toEqual(Array.from(a.qparams().scales));
    expect(() => qw.loadObserver(saved.subarray(0, 20))).toThrow(QwasmFormatError);
    [a, b, both, restored].forEach((o) => o.dispose());
  });

  it('quantize({ range }) uses the same methods for weights', () => {
    const x = gaussian(4096, 4);
    x[0] = 60;
    const sq = (range: 'minmax' | 'mse') => {
      const q = qw.quantize(x, { shape: [4096], dtype: 'int4', range });
      const m = qw.metrics(x, q.dequantize());
      q.dispose();
      return m.sqnrDb;
    };
    expect(sq('mse')).toBeGreaterThan(sq('minmax'));
  });

  it('bad input: NaN, empty batch, channel mismatch, incompatible merge — state intact', () => {
    const obs = qw.createObserver({ method: 'entropy', dtype: 'int8', granularity: 'channel' });
    obs.update(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const before = obs.qparams().scales;
    expect(() => obs.update(Float32Array.from([1, NaN, 3, 4]), [2, 2])).toThrow(/NaN at index 1/);
    expect(() => obs.update(new Float32Array(0), [0, 2])).toThrow(/empty/);
    expect(() => obs.update(Float32Array.from([1, 2, 3]), [3, 1])).toThrow(/3 channels, earlier batches had 2/);
    const other = qw.createObserver({ method: 'minmax', dtype: 'int8' });
    expect(() => obs.merge(other)).toThrow(/merge/);
    expect(Array.from(obs.qparams().scales)).toEqual(Array.from(before));
    expect(() => qw.createObserver({ method: 'kl' as never, dtype: 'int8' })).toThrow(QwasmArgumentError);
    expect(() => qw.createObserver({ method: 'mse', dtype: 'fp16' })).toThrow(/integer dtype/);
    other.dispose();
    obs.dispose();
    expect(() => obs.qparams()).toThrow(QwasmDisposedError);
  });

  it('10,000 create/update/dispose iterations keep the heap flat', () => {
    const x = gaussian(256, 5);
    for (let i = 0; i < 10; i++) { const o = qw.createObserver({ method: 'minmax', dtype: 'int8' }); o.update(x, [256]); o.dispose(); }
    const before = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 10_000; i++) {
      const o = qw.createObserver({ method: i % 2 ? 'minmax' : 'moving-average', dtype: 'int8' });
      o.update(x, [256]);
      o.qparams();
      o.dispose();
    }
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(before);
  });
});
