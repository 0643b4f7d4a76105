import { describe, expect, it, beforeAll } from 'vitest';
import { init, QwasmArgumentError, QwasmDisposedError, type Qwasm } from 'qwasm';

let qw: Qwasm;
beforeAll(async () => { qw = await init(); });

function normal(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r()));
}

function sqnrDb(ref: Float64Array, y: Float32Array): number {
  let s = 0, e = 0;
  for (let i = 0; i < ref.length; i++) { s += ref[i] ** 2; e += (ref[i] - y[i]) ** 2; }
  return 10 * Math.log10(s / e);
}

describe('createLinear', () => {
  const N = 96, K = 320;
  const w = normal(N * K, 1), b = normal(N, 2);

  for (const M of [1, 16]) {
    it(`fp32 / int8 / int4 / uint4 match an fp64 reference (M=${M}): int8 >= 30 dB, int4 / uint4 >= 15 dB`, () => {
      const x = normal(M * K, 3 + M);
      const ref = new Float64Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let acc = b[n];
        for (let k = 0; k < K; k++) acc += x[m * K + k] * w[n * K + k];
        ref[m * N + n] = acc;
      }
      const db: Record<string, number> = {};
      for (const dtype of ['fp32', 'int8', 'int4', 'uint4'] as const) {
        const lin = qw.createLinear(w, { shape: [N, K], bias: b, dtype, groupSize: 32 });
        db[dtype] = sqnrDb(ref, lin.forward(x, M));
        lin.dispose();
      }
      expect(db.fp32).toBeGreaterThan(100);
      expect(db.int8).toBeGreaterThanOrEqual(30);
      expect(db.int4).toBeGreaterThanOrEqual(15);
      expect(db.uint4).toBeGreaterThanOrEqual(15);
      // Other group sizes, including ones that do not divide K (320) and odd ones.
      for (const groupSize of [7, 33, 64, 128, 1000]) for (const dtype of ['int4', 'uint4'] as const) {
        const lin = qw.createLinear(w, { shape: [N, K], bias: b, dtype, groupSize });
        expect(sqnrDb(ref, lin.forward(x, M)), `${dtype} group ${groupSize}`).toBeGreaterThanOrEqual(15);
        lin.dispose();
      }
    });
  }

  it('holds less memory at lower precision', () => {
    const bytes = (dtype: 'fp32' | 'int8' | 'int4' | 'uint4') => { const l = qw.createLinear(w, { shape: [N, K], dtype }); const n = l.weightBytes; l.dispose(); return n; };
    expect(bytes('int8')).toBeLessThan(bytes('fp32') / 3);
    expect(bytes('int4')).toBeLessThan(bytes('int8') * 0.7);
    // uint4 also holds one zero-point byte per (channel, group of 32).
    expect(bytes('uint4')).toBe(bytes('int4') + N * (K / 32));
  });

  it('rejects bad input naming the argument; the instance keeps working; heap stays flat', () => {
    expect(() => qw.createLinear(w, { shape: [N, K + 1], dtype: 'int8' })).toThrow(/weight has/);
    expect(() => qw.createLinear(w, { shape: [N, K], dtype: 'int3' as never })).toThrow(QwasmArgumentError);
    expect(() => qw.createLinear(w, { shape: [N, K], dtype: 'int4', groupSize: 0 })).toThrow(/groupSize/);
    const lin = qw.createLinear(w, { shape: [N, K], dtype: 'int8' });
    expect(() => lin.forward(new Float32Array(K + 1), 1)).toThrow(/needs 320/);
    const bad = new Float32Array(K); bad[5] = NaN;
    expect(() => lin.forward(bad, 1)).toThrow(/index 5/);
    expect(lin.forward(new Float32Array(K), 1).length).toBe(N);
    const x = normal(4 * K, 9);
    for (let i = 0; i < 5; i++) lin.forward(x, 4);
    const before = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 2000; i++) lin.forward(x, 4);
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(before);
    lin.dispose();
    expect(() => lin.forward(x, 4)).toThrow(QwasmDisposedError);
  });
});
