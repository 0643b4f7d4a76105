// The tensor API of SPEC §2 against the conventions of SPEC §1, PyTorch's
// observers and numpy's float16.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, DTYPES, QwasmArgumentError, QwasmDisposedError, type Qwasm } from 'qwasm';

const torch = JSON.parse(readFileSync(new URL('../data/torch/observers.json', import.meta.url), 'utf8'));
const fp16 = JSON.parse(readFileSync(new URL('../data/torch/fp16.json', import.meta.url), 'utf8'));

let qw: Qwasm;
beforeAll(async () => { qw = await init(); });

const f32 = (...v: number[]) => Float32Array.from(v);

describe('integer formats (SPEC §1)', () => {
  it('rounds half to even', () => {
    // scale 1 via amax 127 on int8 symmetric
    const x = f32(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 127);
    const q = qw.quantize(x, { shape: [7], dtype: 'int8' });
    expect(q.scales[0]).toBe(1);
    expect(Array.from(q.values())).toEqual([0, 2, 2, -0, -2, -2, 127].map((v) => v + 0));
    q.dispose();
  });

  it('restricted vs full symmetric range', () => {
    const x = f32(-2.55, 1, 2.55);
    const r = qw.quantize(x, { shape: [3], dtype: 'int8' });
    expect(r.scales[0]).toBeCloseTo(2.55 / 127, 7);
    expect(Math.min(...r.values())).toBe(-127);
    const full = qw.quantize(x, { shape: [3], dtype: 'int8', restrictRange: false });
    expect(full.scales[0]).toBeCloseTo(2.55 / 127.5, 7);
    expect(Math.min(...full.values())).toBe(-128);
    const i4 = qw.quantize(x, { shape: [3], dtype: 'int4' });
    expect(Array.from(i4.values())).toEqual([-7, 3, 7]);
    [r, full, i4].forEach((t) => t.dispose());
  });

  it('zero-width ranges give scale 1 and the code of 0, never NaN', () => {
    for (const dtype of ['int8', 'uint8', 'int4', 'uint4', 'int2'] as const) {
      const q = qw.quantize(new Float32Array(5), { shape: [5], dtype });
      expect(q.scales[0]).toBe(1);
      expect(Array.from(q.dequantize())).toEqual([0, 0, 0, 0, 0]);
      q.dispose();
    }
  });

  it('packs sub-byte codes little-endian, element 0 in the low bits', () => {
    const q = qw.quantize(f32(1, -1, 7, -7, 0), { shape: [5], dtype: 'int4' });  // scale 1
    expect(Array.from(q.values())).toEqual([1, -1, 7, -7, 0]);
    expect(Array.from(q.data)).toEqual([0xf1, 0x97, 0x00]);
    const u2 = qw.quantize(f32(0, 1, 2, 3, 3), { shape: [5], dtype: 'uint2' });
    expect(Array.from(u2.values())).toEqual([0, 1, 2, 3, 3]);
    expect(Array.from(u2.data)).toEqual([0b11100100, 0b00000011]);
    const i3 = qw.quantize(f32(3, -3, 1, -1, 0, 2, -2, 3), { shape: [8], dtype: 'int3' });
    expect(Array.from(i3.values())).toEqual([3, -3, 1, -1, 0, 2, -2, 3]);
    expect(i3.data.length).toBe(3);
    [q, u2, i3].forEach((t) => t.dispose());
  });

  it('int1 is binary: 0/1 meaning -1/+1 times mean |x|', () => {
    const q = qw.quantize(f32(2, -4, 6, -0.5), { shape: [4], dtype: 'int1' });
    expect(Array.from(q.values())).toEqual([1, 0, 1, 0]);
    expect(q.scales[0]).toBeCloseTo(3.125, 6);
    expect(Array.from(q.dequantize())).toEqual([3.125, -3.125, 3.125, -3.125]);
    q.dispose();
  });

  it('channel axis 0 and last; short last group', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => (i - 5) * (i % 3 === 0 ? 3 : 1));
    const c0 = qw.quantize(x, { shape: [3, 4], dtype: 'int8', granularity: 'channel', axis: 0 });
    expect(c0.scaleShape).toEqual([3]);
    const c1 = qw.quantize(x, { shape: [3, 4], dtype: 'int8', granularity: 'channel', axis: -1 });
    expect(c1.scaleShape).toEqual([4]);
    for (let ch = 0; ch < 4; ch++) {
      const amax = Math.max(...[0, 1, 2].map((r) => Math.abs(x[r * 4 + ch])));
      expect(c1.scales[ch]).toBeCloseTo(amax / 127, 6);
    }
    const g = qw.quantize(x, { shape: [2, 6], dtype: 'int4', granularity: 'group', groupSize: 4 });
    expect(g.scaleShape).toEqual([2, 2]);
    expect(g.scales[1]).toBeCloseTo(Math.max(...[4, 5].map((i) => Math.abs(x[i]))) / 7, 6);
    [c0, c1, g].forEach((t) => t.dispose());
  });
});

describe('PyTorch observers (fixtures made with python3-torch)', () => {
  it('per-tensor quint8 affine and qint8 symmetric (full range) match scale, zero-point and codes', () => {
    for (const c of torch.perTensor) {
      const x = Float32Array.from(c.x);
      const q = qw.quantize(x, c.dtype === 'uint8'
        ? { shape: c.shape, dtype: 'uint8', scheme: 'asymmetric' }
        : { shape: c.shape, dtype: 'int8', scheme: 'symmetric', restrictRange: false });
      expect(q.scales[0]).toBe(Math.fround(c.scale));
      expect(q.zeroPoints[0]).toBe(c.dtype === 'uint8' ? c.zeroPoint : 0);
      const codes = Array.from(q.values());
      const mismatches = codes.filter((v, i) => v !== c.codes[i]).length;
      expect(mismatches).toBe(0);
      q.dispose();
    }
  });

  it('per-channel on axes 0 and 1', () => {
    for (const c of torch.perChannel) {
      const q = qw.quantize(Float32Array.from(c.x), {
        shape: c.shape, dtype: c.dtype, granularity: 'channel', axis: c.axis,
        scheme: c.dtype === 'uint8' ? 'asymmetric' : 'symmetric', restrictRange: false,
      });
      expect(Array.from(q.scales)).toEqual(c.scales.map((s: number) => Math.fround(s)));
      if (c.dtype === 'uint8') expect(Array.from(q.zeroPoints)).toEqual(c.zeroPoints);
      expect(Array.from(q.values())).toEqual(c.codes);
      q.dispose();
    }
  });
});

describe('float formats', () => {
  it('fp16 bits equal numpy astype(float16) (ties, subnormals, overflow, inf)', () => {
    const x = new Float32Array(Uint32Array.from(fp16.bits32).buffer);
    const q = qw.quantize(x, { shape: [x.length], dtype: 'fp16' });
    const got = Array.from(q.values());
    const bad = got.map((v, i) => [i, v, fp16.fp16[i]]).filter(([, v, e]) => v !== e);
    expect(bad).toEqual([]);
    q.dispose();
  });

  it('fp16 decodes to Math.fround-exact values and keeps NaN and signed zero', () => {
    const x = f32(NaN, -0, 0, 1 / 3, 1e-7);
    const q = qw.quantize(x, { shape: [5], dtype: 'fp16' });
    const d = q.dequantize();
    expect(Number.isNaN(d[0])).toBe(true);
    expect(Object.is(d[1], -0)).toBe(true);
    expect(d[3]).toBe(0.333251953125);
    expect(d[4]).toBeCloseTo(1.1920928955078125e-7, 12);  // subnormal 2^-23
    q.dispose();
  });

  it('bf16 rounds to nearest even and keeps NaN', () => {
    const x = new Float32Array(new Uint32Array([0x3f808000, 0x3f818000, 0x7fc00001, 0x3f800001]).buffer);
    const q = qw.quantize(x, { shape: [4], dtype: 'bf16' });
    const v = Array.from(q.values());
    expect(v[0]).toBe(0x3f80);  // tie -> even
    expect(v[1]).toBe(0x3f82);  // tie -> even (up)
    expect(Number.isNaN(q.dequantize()[2])).toBe(true);
    expect(v[3]).toBe(0x3f80);
    q.dispose();
  });

  it('fp8 e4m3: max 448, saturates, NaN = S.1111.111; e5m2: max 57344', () => {
    const x = f32(448, 500, -1e9, Infinity, NaN, -0, 0.001953125, 240, 232);
    const e4 = qw.quantize(x, { shape: [9], dtype: 'fp8-e4m3' });
    const v = Array.from(e4.values());
    expect(v.slice(0, 4)).toEqual([0x7e, 0x7e, 0xfe, 0x7e]);
    expect(v[4] & 0x7f).toBe(0x7f);
    expect(v[5]).toBe(0x80);
    expect(v[6]).toBe(0x01);  // smallest subnormal 2^-9
    expect(v[7]).toBe(0x77);  // 240 exact
    expect(e4.dequantize()[8]).toBe(224);  // 232 is a tie between 224 and 240 -> even mantissa
    const e5 = qw.quantize(f32(57344, 1e6, -Infinity), { shape: [3], dtype: 'fp8-e5m2' });
    expect(Array.from(e5.values())).toEqual([0x7b, 0x7b, 0xfb]);
    expect(Array.from(e5.dequantize())).toEqual([57344, 57344, -57344]);
    [e4, e5].forEach((t) => t.dispose());
  });

  it('scaled fp8 maps amax to 448', () => {
    const q = qw.quantize(f32(0.5, -2, 1), { shape: [3], dtype: 'fp8-e4m3', scaled: true });
    expect(q.scales[0]).toBeCloseTo(2 / 448, 9);
    expect(q.dequantize()[1]).toBeCloseTo(-2, 6);
    q.dispose();
  });

  it('nf4 uses the 16 QLoRA levels with per-block absmax', () => {
    const x = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * (i < 64 ? 1 : 10));
    const q = qw.quantize(x, { shape: [128], dtype: 'nf4' });
    expect(q.scaleShape).toEqual([2]);
    expect(q.data.length).toBe(64);
    const d = q.dequantize();
    expect(Math.max(...d.map(Math.abs))).toBeCloseTo(q.scales[1], 5);
    const m = qw.metrics(x, d);
    expect(m.sqnrDb).toBeGreaterThan(15);
    q.dispose();
  });
});

describe('fake-quantize, range methods, kernel paths', () => {
  const x = Float32Array.from({ length: 8 * 96 }, (_, i) => Math.sin(i * 0.7) * (1 + (i % 5)) + (i === 5 ? 30 : 0));
  const cases = [
    { dtype: 'int8', granularity: 'channel' }, { dtype: 'uint8', granularity: 'tensor' },
    { dtype: 'int4', granularity: 'group', groupSize: 32 }, { dtype: 'uint3', granularity: 'group', groupSize: 10 },
    { dtype: 'int1', granularity: 'channel' }, { dtype: 'nf4' }, { dtype: 'fp16' }, { dtype: 'bf16' },
    { dtype: 'fp8-e4m3', granularity: 'channel', scaled: true }, { dtype: 'fp8-e5m2' },
  ] as const;

  it('fakeQuantize equals dequantize(quantize) bit for bit, for every kind of format', () => {
    for (const c of cases) {
      const o = { shape: [8, 96], ...c };
      const q = qw.quantize(x, o);
      const a = new Uint32Array(q.dequantize().buffer);
      const b = new Uint32Array(qw.fakeQuantize(x, o).buffer);
      expect(Array.from(b), c.dtype).toEqual(Array.from(a));
      q.dispose();
    }
  });

  it('the scalar and SIMD kernel paths give identical tensors', () => {
    const core = (qw as unknown as { core: { _setKernelPath(p: string): boolean } }).core;
    for (const c of cases) {
      const o = { shape: [8, 96], ...c };
      expect(core._setKernelPath('scalar')).toBe(false);
      const a = qw.quantize(x, o);
      const da = a.dequantize();
      expect(core._setKernelPath('simd')).toBe(true);
      const b = qw.quantize(x, o);
      expect(Array.from(b.data), c.dtype).toEqual(Array.from(a.data));
      expect(Array.from(new Uint32Array(b.dequantize().buffer))).toEqual(Array.from(new Uint32Array(da.buffer)));
      a.dispose();
      b.dispose();
    }
  });

  it('range methods reach the per-slice ranges (the outlier is clipped)', () => {
    const base = { shape: [8, 96], dtype: 'int8', granularity: 'channel' } as const;
    const mm = qw.quantize(x, base);
    for (const range of ['percentile', 'mse', 'entropy'] as const) {
      const q = qw.quantize(x, { ...base, range, percentile: 99 });
      expect(q.scales[0], range).toBeLessThan(mm.scales[0]);
      expect(q.scales[3], range).toBeLessThanOrEqual(mm.scales[3] * 1.0000001);
      const errClip = qw.metrics(x.subarray(96), q.dequantize().subarray(96)).mse;
      expect(Number.isFinite(errClip)).toBe(true);
      q.dispose();
    }
    expect(() => qw.quantize(x, { ...base, range: 'percentile', percentile: 0 })).toThrow(/percentile must be in \(0, 100\]/);
    expect(() => qw.quantize(x, { ...base, range: 'median' as never })).toThrow(QwasmArgumentError);
    mm.dispose();
    ok();
  });
});

const ok = () => {
  const q = qw.quantize(f32(1, 2), { shape: [2], dtype: 'int8' });
  expect(q.values()[1]).toBe(127);
  q.dispose();
};

describe('metrics and memory', () => {
  it('computes mse, rmse, maxAbs, sqnrDb, cosine', () => {
    const m = qw.metrics(f32(1, 2, 3, 4), f32(1, 2, 3, 5));
    expect(m.mse).toBe(0.25);
    expect(m.rmse).toBe(0.5);
    expect(m.maxAbs).toBe(1);
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(30), 10);
    expect(m.cosine).toBeCloseTo(34 / Math.sqrt(30 * 39), 12);
    expect(qw.metrics(f32(1, 2), f32(1, 2)).sqnrDb).toBe(Infinity);
  });

  it('accounts bytes and bits per element for every dtype', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => Math.cos(i));
    for (const dtype of DTYPES) {
      const q = qw.quantize(x, { shape: [4, 64], dtype, granularity: dtype === 'nf4' ? 'group' : 'channel' });
      expect(q.byteLength).toBe(q.memory.totalBytes);
      expect(q.memory.codeBytes).toBe(q.data.length);
      expect(q.memory.compressionRatio).toBeCloseTo(1024 / q.byteLength, 10);
      expect(q.memory.bitsPerElement).toBeGreaterThanOrEqual(dtype === 'int1' ? 1 : 2);
      const err = qw.metrics(x, q.dequantize());
      expect(err.sqnrDb, dtype).toBeGreaterThan(dtype === 'int1' ? 0 : 5);
      q.dispose();
    }
  });
});

describe('errors and memory', () => {
  const ok = () => {
    const q = qw.quantize(f32(1, 2), { shape: [2], dtype: 'int8' });
    expect(q.values()[1]).toBe(127);
    q.dispose();
  };

  it('bad input throws errors naming the argument, and the instance keeps working', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => qw.quantize(f32(1, 2), { shape: [2], dtype: 'int9' as never }), /dtype: unknown dtype 'int9'/],
      [() => qw.quantize(f32(1, 2, 3), { shape: [2], dtype: 'int8' }), /shape \[2\] holds 2 elements but x has 3/],
      [() => qw.quantize(f32(1, 2), { shape: [2], dtype: 'int8', granularity: 'channel', axis: 3 }), /axis 3 is out of range/],
      [() => qw.quantize(f32(1, 2), { shape: [2], dtype: 'int4', granularity: 'group', groupSize: 0 }), /groupSize must be an integer >= 1/],
      [() => qw.quantize(f32(1, NaN, 3), { shape: [3], dtype: 'int8' }), /NaN at index 1/],
      [() => qw.quantize(f32(1, 2, -Infinity), { shape: [3], dtype: 'uint4' }), /Inf at index 2/],
      [() => qw.quantize([1, 2] as never, { shape: [2], dtype: 'int8' }), /Float32Array/],
      [() => qw.metrics(f32(1), f32(1, 2)), /lengths differ/],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(QwasmArgumentError);
      expect(fn).toThrow(msg);
      ok();
    }
    expect(() => qw.quantize(f32(NaN), { shape: [1], dtype: 'fp16' })).not.toThrow();
  });

  it('use after dispose throws', () => {
    const q = qw.quantize(f32(1), { shape: [1], dtype: 'int8' });
    q.dispose();
    expect(() => q.values()).toThrow(QwasmDisposedError);
    q.dispose();
  });

  it('views() are zero-copy windows equal to the copies; copies outlive dispose', () => {
    const x = Float32Array.from({ length: 4 * 70 }, (_, i) => Math.cos(i * 0.3) * 5);
    const q = qw.quantize(x, { shape: [4, 70], dtype: 'uint4', granularity: 'group', groupSize: 32 });
    const v = q.views();
    expect(v.data.buffer).toBe(qw.core.HEAPU8.buffer);
    expect(Array.from(v.data)).toEqual(Array.from(q.data));
    expect(Array.from(v.scales)).toEqual(Array.from(q.scales));
    expect(Array.from(v.zeroPoints)).toEqual(Array.from(q.zeroPoints));
    expect(v.scales.length).toBe(4 * 3);
    expect(q.memory.zeroPointBytes).toBe(4 * 3 * 4);
    const kept = q.data;
    q.dispose();
    expect(() => q.views()).toThrow(/after dispose/);
    expect(kept.length).toBe(Math.ceil((4 * 70 * 4) / 8));
  });

  it('10,000 quantize/dispose iterations keep the wasm heap flat', () => {
    const x = Float32Array.from({ length: 1024 }, (_, i) => Math.sin(i));
    for (let i = 0; i < 10; i++) qw.quantize(x, { shape: [16, 64], dtype: 'int4', granularity: 'group' }).dispose();
    const before = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 10_000; i++) {
      const q = qw.quantize(x, { shape: [16, 64], dtype: i % 2 ? 'int4' : 'fp8-e4m3', granularity: i % 2 ? 'group' : 'channel' });
      q.dispose();
      if (i % 1000 === 0) expect(() => qw.quantize(x, { shape: [3], dtype: 'int8' })).toThrow();
    }
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(before);
  });
});
