// qw.metrics (SPEC §1 "Error metrics", double precision) and how it pairs
// with memory accounting when choosing a format.
import { describe, expect, it, beforeAll } from 'vitest';
import { init, QwasmArgumentError, type Qwasm } from 'qwasm';

let qw: Qwasm;
beforeAll(async () => { qw = await init(); });
const f32 = (...v: number[]) => Float32Array.from(v);

describe('qw.metrics', () => {
  it('matches the definitions, computed in double precision', () => {
    const ref = Float32Array.from({ length: 1000 }, () => 16777216);
    const approx = Float32Array.from({ length: 1000 }, () => 16777218);
    const m = qw.metrics(ref, approx);
    expect(m.mse).toBe(4);
    expect(m.rmse).toBe(2);
    expect(m.maxAbs).toBe(2);
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(16777216 ** 2 / 4), 9);
    expect(m.cosine).toBe(1);
  });

  it('edge cases: exact, zero signal, opposite, empty', () => {
    expect(qw.metrics(f32(1, -2), f32(1, -2))).toEqual({ mse: 0, rmse: 0, maxAbs: 0, sqnrDb: Infinity, cosine: 1 });
    expect(qw.metrics(f32(0, 0), f32(1, 0)).sqnrDb).toBe(-Infinity);
    expect(qw.metrics(f32(1, -2), f32(-1, 2)).cosine).toBe(-1);
    expect(qw.metrics(f32(1, 2), f32(0, 0)).cosine).toBe(0);
    expect(qw.metrics(new Float32Array(0), new Float32Array(0)).mse).toBe(0);
  });

  it('rejects bad arguments and keeps working', () => {
    expect(() => qw.metrics(f32(1), f32(1, 2))).toThrow(/lengths differ \(1 vs 2\)/);
    expect(() => qw.metrics([1] as never, f32(1))).toThrow(QwasmArgumentError);
    expect(qw.metrics(f32(3), f32(3)).mse).toBe(0);
  });

  it('error falls and size grows with bits: the trade-off a user chooses from', () => {
    const x = Float32Array.from({ length: 64 * 256 }, (_, i) => Math.sin(i * 1.3) * Math.cos(i * 0.011));
    const rows = (['int2', 'int4', 'int8', 'fp16'] as const).map((dtype) => {
      const q = qw.quantize(x, { shape: [64, 256], dtype, granularity: dtype === 'fp16' ? 'tensor' : 'channel' });
      const r = { dtype, sqnr: qw.metrics(x, q.dequantize()).sqnrDb, bytes: q.memory.totalBytes, bits: q.memory.bitsPerElement };
      q.dispose();
      return r;
    });
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].sqnr).toBeGreaterThan(rows[i - 1].sqnr);
      expect(rows[i].bytes).toBeGreaterThan(rows[i - 1].bytes);
    }
    // ~6 dB per bit for uniform quantization
    expect(rows[2].sqnr - rows[1].sqnr).toBeGreaterThan(20);
    expect(rows[1].bits).toBeCloseTo(4 + 64 * 32 / (64 * 256), 10);
  });
});
